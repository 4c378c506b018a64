import type { PatternType, Timeframe } from '@app/features/feature-schema.constants';

/** Named volatility regimes of the Markov-switching volatility process. */
export type VolatilityRegime = 'low' | 'normal' | 'high';

/** Named trend regimes of the Markov-switching drift process. */
export type TrendRegime = 'up' | 'down' | 'flat';

/** Knobs of the generator; every field is optional and validated. Shifts apply to the last `recentBars` bars. */
export interface SimulationOptions {
  /** Candles per series, 60..1000 (default 200). */
  candleCount?: number;
  /** Fixed timeframe; default: drawn per pattern, weighted toward 1h/4h/1d. */
  timeframe?: Timeframe;
  /** Restrict the planted pattern types (non-empty); default all 14. */
  patternTypes?: readonly PatternType[];
  /** Epoch ms of the first candle; default drawn from the seed (aligned to the timeframe). */
  startTime?: number;
  /** Fixed symbol; default a synthetic ticker drawn from the seed. */
  symbol?: string;
  /** Multiply volume by k (> 0) on the shifted bars. */
  volumeMultiplier?: number;
  /** Force the volatility regime ('low'|'normal'|'high') or multiply volatility by a factor (> 0) on the shifted bars. */
  volatilityRegime?: VolatilityRegime | number;
  /** Force a trend ('up'|'down'|'flat') or add a per-bar log drift (e.g. 0.002) on the shifted bars. */
  trend?: TrendRegime | number;
  /** Apply volumeMultiplier / volatilityRegime / trend only to the last N bars (default: the whole series). */
  recentBars?: number;
  /** Bars of simulated future used to resolve the outcome (1..500, default 20); never part of the candles. */
  horizonBars?: number;
  /** pattern_id to use (generatePattern only; generatePatterns/iteratePatterns use `sim-<seed>-<i>`). */
  patternId?: string;
}
