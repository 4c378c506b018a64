import { generatePatterns } from './pattern-generator.util';
import type { SimulatedPattern } from './simulated-pattern.interface';

/** Rank AUC (Mann-Whitney U with tied ranks averaged): P(score of a success > score of a failure). */
function auc(scores: readonly number[], labels: readonly number[]): number {
  const order = scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let rankSum = 0;
  for (let k = 0; k < order.length;) {
    let m = k;
    while (m < order.length && scores[order[m]] === scores[order[k]]) {
      m++;
    }
    const averageRank = (k + 1 + m) / 2;
    for (let q = k; q < m; q++) {
      if (labels[order[q]] === 1) {
        positives++;
        rankSum += averageRank;
      }
    }
    k = m;
  }
  const negatives = labels.length - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

function successRate(patterns: readonly SimulatedPattern[], keep: (p: SimulatedPattern) => boolean): number {
  const subset = patterns.filter(keep);
  expect(subset.length).toBeGreaterThan(150); // each compared group is large enough to mean something
  return subset.reduce((sum, p) => sum + p.outcome, 0) / subset.length;
}

function correlation(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('simulated outcomes', () => {
  const patterns = generatePatterns(20_240_601, 5000);
  const labels = patterns.map((p) => p.outcome);

  it('succeed 35-55% of the time', () => {
    const rate = labels.reduce<number>((s, y) => s + y, 0) / labels.length;
    expect(rate).toBeGreaterThanOrEqual(0.35);
    expect(rate).toBeLessThanOrEqual(0.55);
  });

  it('follow the designed drift score closely but not perfectly', () => {
    const scoreAuc = auc(
      patterns.map((p) => p.latent.driftScore),
      labels,
    );
    expect(scoreAuc).toBeGreaterThan(0.7);
    expect(scoreAuc).toBeLessThan(0.9);
  });

  it('reward volume confirmation only when the pattern goes with the trend', () => {
    const aligned = (p: SimulatedPattern): boolean => p.latent.trendAlignment > 0.5;
    const against = (p: SimulatedPattern): boolean => p.latent.trendAlignment < 0;
    const confirmed = (p: SimulatedPattern): boolean => p.latent.volumeConfirmation > 1.5;
    const unconfirmed = (p: SimulatedPattern): boolean => p.latent.volumeConfirmation < 1.2;

    const alignedConfirmed = successRate(patterns, (p) => aligned(p) && confirmed(p));
    const alignedUnconfirmed = successRate(patterns, (p) => aligned(p) && unconfirmed(p));
    const againstConfirmed = successRate(patterns, (p) => against(p) && confirmed(p));
    const againstUnconfirmed = successRate(patterns, (p) => against(p) && unconfirmed(p));

    expect(alignedConfirmed - alignedUnconfirmed).toBeGreaterThan(0.15);
    expect(againstConfirmed).toBeLessThan(againstUnconfirmed); // a surge against the trend is exhaustion
    expect(alignedConfirmed).toBeGreaterThan(againstConfirmed + 0.2);
  });

  it('punish an RSI extreme against the direction and a high-volatility regime', () => {
    const stretched = successRate(patterns, (p) => p.latent.rsiAgainst > 0.3);
    const neutral = successRate(patterns, (p) => p.latent.rsiAgainst === 0);
    expect(neutral - stretched).toBeGreaterThan(0.04);

    const stretchedAligned = successRate(patterns, (p) => p.latent.rsiAgainst > 0.3 && p.latent.trendAlignment > 0.5);
    const neutralAligned = successRate(patterns, (p) => p.latent.rsiAgainst === 0 && p.latent.trendAlignment > 0.5);
    expect(neutralAligned - stretchedAligned).toBeGreaterThan(0.05);

    const volatile = successRate(patterns, (p) => p.latent.volatilityRegimeLog > 0.4);
    const calm = successRate(patterns, (p) => p.latent.volatilityRegimeLog < 0);
    expect(calm - volatile).toBeGreaterThan(0.05);
  });

  it('succeed less often the farther the target sits relative to the stop', () => {
    const sorted = patterns.map((p) => p.latent.rewardRisk).sort((a, b) => a - b);
    const cuts = [0, 0.25, 0.5, 0.75].map((q) => sorted[Math.floor(q * sorted.length)]);
    cuts.push(Infinity);
    const rates = [0, 1, 2, 3].map((k) =>
      successRate(patterns, (p) => p.latent.rewardRisk >= cuts[k] && p.latent.rewardRisk < cuts[k + 1]),
    );
    for (let k = 1; k < rates.length; k++) {
      expect(rates[k]).toBeLessThan(rates[k - 1]);
    }
  });

  it('give a rule confidence that is only mildly informative and blind to volume', () => {
    const rule = patterns.map((p) => p.input.rule_confidence);
    const ruleAuc = auc(rule, labels);

    expect(ruleAuc).toBeGreaterThan(0.52);
    expect(ruleAuc).toBeLessThan(0.66);
    expect(Math.min(...rule)).toBeGreaterThanOrEqual(0.05);
    expect(Math.max(...rule)).toBeLessThanOrEqual(0.98);
    expect(
      Math.abs(
        correlation(
          rule,
          patterns.map((p) => Math.log(p.latent.volumeConfirmation)),
        ),
      ),
    ).toBeLessThan(0.05);
  });
});
