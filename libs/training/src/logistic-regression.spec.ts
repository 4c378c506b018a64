import { splitDataset } from './dataset';
import { trainLogisticRegression } from './logistic-regression';
import { auc } from './metrics';
import { SeededRandom } from './seeded-random';
import { makeSyntheticDataset } from './testing/synthetic-dataset.factory';

/** n rows of 3 Gaussian features with y ~ Bernoulli(σ(0.3 + x·[1, −2, 0.5])). */
function logisticData(n: number, seed: number): { X: Float32Array; y: Uint8Array; n: number; d: number } {
  const rng = new SeededRandom(seed);
  const X = new Float32Array(n * 3);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 3; j++) {
      X[i * 3 + j] = rng.nextGaussian();
    }
    const z = 0.3 + X[i * 3] - 2 * X[i * 3 + 1] + 0.5 * X[i * 3 + 2];
    y[i] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { X, y, n, d: 3 };
}

describe('trainLogisticRegression', () => {
  it('recovers known coefficients and converges', () => {
    const model = trainLogisticRegression(logisticData(40000, 1), { l2: 1e-3 });

    expect(model.fit.converged).toBe(true);
    expect(model.fit.iterations).toBeLessThan(15);
    expect(model.intercept).toBeCloseTo(0.3, 1);
    expect(model.coefficients[0]).toBeCloseTo(1, 1);
    expect(model.coefficients[1]).toBeCloseTo(-2, 1);
    expect(model.coefficients[2]).toBeCloseTo(0.5, 1);
  });

  it('learns the planted function of the synthetic 52-feature data (holdout AUC)', () => {
    const { train, holdout } = splitDataset(makeSyntheticDataset(6000, 1), { seed: 1 });
    const model = trainLogisticRegression(train);

    const modelAuc = auc(holdout.y, model.predictProba(holdout.X, holdout.n));
    expect(modelAuc).toBeGreaterThan(0.75);
    expect(modelAuc).toBeGreaterThan(auc(holdout.y, holdout.ruleConfidence));
  });

  it('is invariant to feature scale (the penalty acts on standardised coefficients)', () => {
    const data = logisticData(3000, 2);
    const scaled = { ...data, X: data.X.map((v, k) => (k % 3 === 1 ? v * 1000 + 5000 : v)) };

    const a = trainLogisticRegression(data, { l2: 5 });
    const b = trainLogisticRegression(scaled, { l2: 5 });

    const pa = a.predictProba(data.X);
    const pb = b.predictProba(scaled.X);
    for (let i = 0; i < data.n; i++) {
      expect(Math.abs(pa[i] - pb[i])).toBeLessThan(1e-4);
    }
    expect(b.coefficients[1]).toBeCloseTo(a.coefficients[1] / 1000, 5);
  });

  it('gives a constant feature a zero coefficient and is deterministic', () => {
    const data = logisticData(2000, 3);
    const withConstant = { ...data, X: data.X.map((v, k) => (k % 3 === 2 ? 7 : v)) };

    const a = trainLogisticRegression(withConstant);
    const b = trainLogisticRegression(withConstant);

    expect(a.coefficients[2]).toBe(0);
    expect(Array.from(a.coefficients)).toEqual(Array.from(b.coefficients));
    expect(a.intercept).toBe(b.intercept);
    expect(Math.fround(a.intercept)).toBe(a.intercept);
  });

  it('refuses a non-positive penalty and non-finite features', () => {
    const data = logisticData(10, 4);
    expect(() => trainLogisticRegression(data, { l2: 0 })).toThrow(RangeError);
    const X = Float32Array.from(data.X);
    X[4] = Infinity;
    expect(() => trainLogisticRegression({ ...data, X })).toThrow(RangeError);
  });
});
