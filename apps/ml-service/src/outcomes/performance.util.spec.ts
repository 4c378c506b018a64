import { armPerformance, rankAuc } from './performance.util';

describe('performance', () => {
  it('computes rank AUC with ties as halves', () => {
    expect(rankAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 12);
    expect(rankAuc([0.5, 0.5], [0, 1])).toBeCloseTo(0.5, 12);
    expect(rankAuc([0.2, 0.3], [1, 1])).toBeNull();
  });

  it('counts accuracy, FP and FN rates at the threshold and the Brier score', () => {
    const rows = [
      { arm: 'ml', confidence: 0.9, confidence_ml: 0.9, passes_threshold: true, outcome: 1 },
      { arm: 'ml', confidence: 0.7, confidence_ml: 0.7, passes_threshold: true, outcome: 0 },
      { arm: 'ml', confidence: 0.3, confidence_ml: 0.3, passes_threshold: false, outcome: 1 },
      { arm: 'ml', confidence: 0.2, confidence_ml: 0.2, passes_threshold: false, outcome: 0 },
    ] as const;
    const p = armPerformance([...rows]);
    expect(p).toMatchObject({
      labelled: 4,
      positives: 2,
      accuracy: 0.5,
      false_positive_rate: 0.5,
      false_negative_rate: 0.5,
    });
    expect(p.brier).toBeCloseTo((0.01 + 0.49 + 0.49 + 0.04) / 4, 12);
    expect(p.auc).toBeCloseTo(0.75, 12);
  });
});
