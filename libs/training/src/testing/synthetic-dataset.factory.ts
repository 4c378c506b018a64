import { FEATURE_COUNT, FEATURE_INDEX } from '@app/features/feature-schema.constants';

import type { Dataset } from '../dataset';
import { SeededRandom } from '../seeded-random';

/** Columns with special shapes in {@link makeSyntheticDataset}. */
export const SYNTHETIC_COLUMNS = {
  /** Integers 10..80 (pattern_bars-like): holdout values hit split thresholds exactly. */
  integer: 40,
  /** −1 / +1. */
  direction: FEATURE_INDEX.direction,
  /** Half-steps −3..3. */
  halfSteps: 1,
  /** Large offset (≈ 1000 ± 50): stresses float32 cancellation in the linear model. */
  largeOffset: 30,
} as const;

/** P(y = 1) of the planted function: what a good model approaches. */
export function syntheticProbability(x: ArrayLike<number>): number {
  const z =
    1.4 * x[0] -
    0.9 * x[SYNTHETIC_COLUMNS.halfSteps] +
    (x[2] > 0.3 ? 0.9 : -0.6) +
    0.7 * x[3] * x[4] +
    0.02 * (x[SYNTHETIC_COLUMNS.integer] - 45) +
    0.4 * x[SYNTHETIC_COLUMNS.direction] +
    0.01 * (x[SYNTHETIC_COLUMNS.largeOffset] - 1000);
  return 1 / (1 + Math.exp(-z));
}

/**
 * Seeded synthetic rows of the 52-feature shape: labels drawn from {@link syntheticProbability}; the
 * rule_confidence column is a noisy, weaker view of the same probability (so a model can beat it).
 */
export function makeSyntheticDataset(n: number, seed: number): Dataset {
  const d = FEATURE_COUNT;
  const rng = new SeededRandom(seed, 99);
  const X = new Float32Array(n * d);
  const y = new Uint8Array(n);
  const ruleConfidence = new Float32Array(n);
  const rule = FEATURE_INDEX.rule_confidence;
  for (let i = 0; i < n; i++) {
    const row = X.subarray(i * d, (i + 1) * d);
    for (let j = 0; j < d; j++) {
      row[j] = rng.nextGaussian();
    }
    row[SYNTHETIC_COLUMNS.halfSteps] = Math.max(-3, Math.min(3, Math.round(row[SYNTHETIC_COLUMNS.halfSteps] * 2) / 2));
    row[SYNTHETIC_COLUMNS.integer] = 10 + rng.nextInt(71);
    row[SYNTHETIC_COLUMNS.direction] = rng.next() < 0.5 ? -1 : 1;
    row[SYNTHETIC_COLUMNS.largeOffset] = 1000 + 50 * row[SYNTHETIC_COLUMNS.largeOffset];
    const p = syntheticProbability(row);
    const noisyLogit = 0.4 * Math.log(p / (1 - p)) + 1.2 * rng.nextGaussian();
    row[rule] = 1 / (1 + Math.exp(-noisyLogit));
    ruleConfidence[i] = row[rule];
    y[i] = rng.next() < p ? 1 : 0;
  }
  return { X, y, n, d, ruleConfidence };
}
