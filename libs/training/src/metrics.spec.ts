import { accuracyAt, auc, brierScore, evaluateBinary, logLoss, LOG_LOSS_EPSILON } from './metrics';
import { SeededRandom } from './seeded-random';

/** AUC by definition: share of (positive, negative) pairs ordered correctly, ties counting one half. */
function pairwiseAuc(y: number[], p: number[]): number {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < y.length; i++) {
    for (let j = 0; j < y.length; j++) {
      if (y[i] === 1 && y[j] === 0) {
        pairs++;
        sum += p[i] > p[j] ? 1 : p[i] === p[j] ? 0.5 : 0;
      }
    }
  }
  return sum / pairs;
}

describe('auc', () => {
  it('counts correctly ordered pairs (no ties)', () => {
    // positives 0.35 and 0.8 against negatives 0.1 and 0.4: 3 of 4 pairs ordered
    expect(auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
  });

  it('counts a tied positive/negative pair as one half', () => {
    // pairs: (0.5 vs 0.5) = ½, (0.5 vs 0.2) = 1, (0.9 vs 0.5) = 1, (0.9 vs 0.2) = 1 → 3.5 / 4
    expect(auc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9])).toBeCloseTo(0.875, 12);
    expect(auc([0, 1, 1, 0], [0.3, 0.3, 0.3, 0.3])).toBeCloseTo(0.5, 12);
    expect(auc([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9])).toBe(0);
  });

  it('agrees with the pairwise definition on random scores with many ties', () => {
    const rng = new SeededRandom(5);
    const y = Array.from({ length: 300 }, () => (rng.next() < 0.4 ? 1 : 0));
    const p = y.map((label) => Math.round((rng.next() + 0.3 * label) * 10) / 10);
    expect(auc(y, p)).toBeCloseTo(pairwiseAuc(y, p), 12);
  });

  it('is NaN when only one class is present', () => {
    expect(auc([1, 1], [0.2, 0.7])).toBeNaN();
  });
});

describe('brierScore, logLoss, accuracyAt', () => {
  it('matches hand-computed values', () => {
    expect(brierScore([1, 0], [0.8, 0.3])).toBeCloseTo((0.04 + 0.09) / 2, 15);
    expect(logLoss([1, 0], [0.8, 0.3])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.7)) / 2, 12);
  });

  it('clips probabilities in log loss', () => {
    expect(logLoss([1, 0], [0, 1])).toBeCloseTo(-Math.log(LOG_LOSS_EPSILON), 6);
    expect(Number.isFinite(logLoss([1], [0]))).toBe(true);
  });

  it('counts p = threshold as positive', () => {
    expect(accuracyAt([1, 0, 1, 0], [0.5, 0.49, 0.2, 0.9])).toBe(0.5);
    expect(accuracyAt([1, 0], [0.55, 0.54], 0.55)).toBe(1);
  });

  it('refuses mismatched or empty inputs', () => {
    expect(() => brierScore([1, 0], [0.5])).toThrow(RangeError);
    expect(() => logLoss([], [])).toThrow(RangeError);
  });
});

describe('evaluateBinary', () => {
  it('scores a rule-confidence column (Float32Array) like any probability', () => {
    const y = Uint8Array.from([0, 0, 1, 1]);
    const rule = Float32Array.from([0.1, 0.4, 0.35, 0.8]);
    const metrics = evaluateBinary(y, rule);
    expect(metrics.auc).toBeCloseTo(0.75, 12);
    expect(metrics.accuracy_at_0_5).toBe(0.75);
    expect(metrics.brier).toBeCloseTo(brierScore(y, rule), 15);
    expect(metrics.log_loss).toBeCloseTo(logLoss(y, rule), 15);
  });
});
