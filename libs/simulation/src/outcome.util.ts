import type { PatternType } from '@app/features/feature-schema.constants';
import type { Prng } from './prng';
import { RULE_TYPE_BIAS } from './simulation.constants';

// Math functions bound once per module: under jest's vm sandbox every read of the global `Math` is a slow
// interceptor call, which made generation 20x slower in tests.
const { abs, exp, log, max, min, round, tanh } = Math;

/** The latent drivers of a pattern's outcome, measured on its own candles. */
export interface OutcomeDrivers {
  volumeConfirmation: number;
  trendAlignment: number;
  rsiAgainst: number;
  volatilityRegimeLog: number;
  rewardRisk: number;
  quality: number;
}

/** Future drift per bar = DRIFT_SCALE × driftScore × realized volatility (in the pattern's direction). */
export const DRIFT_SCALE = 0.48;
const DRIFT_BASE = 0.15;

/**
 * The designed, non-linear outcome function. Positive scores push the future path toward the target.
 * - trend alignment helps, saturating (tanh);
 * - volume confirmation helps only when the pattern goes with the prior trend; a surge against it is exhaustion;
 * - an RSI extreme against the direction (overbought for bullish, oversold for bearish) hurts strongly;
 * - a far target relative to the stop hurts beyond what the geometry alone does (ambitious targets rarely get
 *   the follow-through), a near one helps;
 * - a high-volatility regime hurts (false breakouts), a calm one does not help;
 * - geometric quality helps a little (the only driver the rule engine sees).
 */
export function driftScore(d: OutcomeDrivers): number {
  const aligned = sigmoid(4 * (d.trendAlignment - 0.3));
  const surge = max(0, log(max(d.volumeConfirmation, 1e-9)));
  return (
    DRIFT_BASE +
    0.45 * tanh(d.trendAlignment / 1.5) +
    0.9 * aligned * tanh(1.5 * surge) -
    0.35 * (1 - aligned) * tanh(surge) -
    1.5 * tanh(2.5 * d.rsiAgainst) -
    0.4 * tanh(0.8 * log(max(d.rewardRisk, 1e-6))) -
    0.7 * max(0, d.volatilityRegimeLog - 0.2) +
    0.9 * (d.quality - 0.5)
  );
}

/** Distances are in log units, measured in the pattern's direction from the detection close (both > 0). */
export interface FuturePathSpec {
  targetDistance: number;
  stopDistance: number;
  driftPerBar: number;
  sigma: number;
  horizon: number;
}

/**
 * Simulates the future path bar by bar (close random walk plus intrabar excursions) and reports whether the
 * target was touched before the stop. A bar that touches both counts as stopped (the conservative reading).
 */
export function simulateOutcome(rng: Prng, spec: FuturePathSpec): { outcome: 0 | 1; bars: number } {
  const { targetDistance, stopDistance, driftPerBar, sigma, horizon } = spec;
  const wick = 0.45 * sigma;
  let y = 0;
  for (let k = 1; k <= horizon; k++) {
    const next = y + driftPerBar + sigma * rng.normal();
    const barHigh = max(y, next) + wick * abs(rng.normal());
    const barLow = min(y, next) - wick * abs(rng.normal());
    y = next;
    if (barLow <= -stopDistance) {
      return { outcome: 0, bars: k };
    }
    if (barHigh >= targetDistance) {
      return { outcome: 1, bars: k };
    }
  }
  return { outcome: 0, bars: horizon };
}

/**
 * A stand-in for the host's rule engine: sees only geometry (quality, pattern size) and the type, plus
 * a lot of noise, so it is mildly informative and knows nothing of volume, trend or RSI.
 */
export function ruleConfidence(rng: Prng, type: PatternType, quality: number, patternHeightSigma: number): number {
  const logit =
    0.1 +
    1.6 * (quality - 0.5) +
    0.15 * tanh(log(max(patternHeightSigma, 1e-6) / 6)) +
    RULE_TYPE_BIAS[type] +
    0.4 * rng.normal();
  const p = sigmoid(logit);
  return round(min(0.98, max(0.05, p)) * 1e4) / 1e4;
}

function sigmoid(x: number): number {
  return 1 / (1 + exp(-x));
}
