import type { PatternType, Timeframe } from '@app/features/feature-schema.constants';

export const DEFAULT_CANDLE_COUNT = 200;
export const DEFAULT_HORIZON_BARS = 20;
export const MAX_HORIZON_BARS = 500;

/** Probability of each timeframe when none is fixed: most detected patterns are on 1h, 4h and 1d charts. */
export const TIMEFRAME_WEIGHTS: Readonly<Record<Timeframe, number>> = {
  '1m': 0.04,
  '5m': 0.06,
  '15m': 0.08,
  '30m': 0.08,
  '1h': 0.22,
  '4h': 0.22,
  '1d': 0.24,
  '1w': 0.06,
};

/** Typical per-bar log-return volatility of a liquid equity at each timeframe (normal regime). */
export const BASE_SIGMA_BY_TIMEFRAME: Readonly<Record<Timeframe, number>> = {
  '1m': 0.0012,
  '5m': 0.0025,
  '15m': 0.004,
  '30m': 0.0055,
  '1h': 0.0075,
  '4h': 0.012,
  '1d': 0.018,
  '1w': 0.04,
};

/** Typical volume per bar, as a fraction of a daily bar's volume. */
export const VOLUME_SCALE_BY_TIMEFRAME: Readonly<Record<Timeframe, number>> = {
  '1m': 0.004,
  '5m': 0.015,
  '15m': 0.04,
  '30m': 0.07,
  '1h': 0.14,
  '4h': 0.45,
  '1d': 1,
  '1w': 4.5,
};

/** Volatility multiplier of each Markov volatility regime and its row of the transition matrix. */
export const VOLATILITY_REGIME_MULTIPLIER = { low: 0.6, normal: 1, high: 1.9 } as const;
export const VOLATILITY_REGIME_STAY = 0.97;

/** Drift of each Markov trend regime in units of the bar's volatility, and the persistence of a regime. */
export const TREND_REGIME_DRIFT = { up: 0.1, flat: 0, down: -0.1 } as const;
export const TREND_REGIME_STAY = 0.975;

/** Per-bar drift (in units of base volatility) of a forced 'up' / 'down' trend option. */
export const FORCED_TREND_DRIFT_SIGMA = 0.15;

/** Bars a planted pattern spans (end − start + 1), before clipping to the series length. */
export const PATTERN_BARS_RANGE: Readonly<Record<PatternType, readonly [number, number]>> = {
  head_and_shoulders: [30, 70],
  inverse_head_and_shoulders: [30, 70],
  double_top: [20, 60],
  double_bottom: [20, 60],
  triple_top: [36, 80],
  triple_bottom: [36, 80],
  rising_wedge: [20, 60],
  falling_wedge: [20, 60],
  ascending_triangle: [20, 60],
  descending_triangle: [20, 60],
  symmetrical_triangle: [20, 60],
  bull_flag: [12, 32],
  bear_flag: [12, 32],
  cup_and_handle: [40, 90],
};

/** Weights of bars_since_pattern_end = 0..5: most patterns are scored soon after the breakout. */
export const BARS_SINCE_END_WEIGHTS = [0.25, 0.25, 0.2, 0.14, 0.1, 0.06] as const;

/** Logit bias of the simulated rule engine per type: rule engines like some textbook patterns more than others. */
export const RULE_TYPE_BIAS: Readonly<Record<PatternType, number>> = {
  head_and_shoulders: 0.15,
  inverse_head_and_shoulders: 0.15,
  double_top: 0.05,
  double_bottom: 0.05,
  triple_top: 0.1,
  triple_bottom: 0.1,
  rising_wedge: -0.05,
  falling_wedge: -0.05,
  ascending_triangle: 0.05,
  descending_triangle: 0.05,
  symmetrical_triangle: -0.15,
  bull_flag: 0,
  bear_flag: 0,
  cup_and_handle: 0.2,
};
