import type { PatternInput } from '@app/features/pattern-input.interface';
import type { TrendRegime, VolatilityRegime } from './simulation-options.interface';

/** The hidden quantities behind one simulated pattern: what drove its outcome and its rule confidence. */
export interface PatternLatent {
  /** Geometric quality in [0, 1]: how cleanly the template was drawn (less jitter, less noise). */
  quality: number;
  /** Mean volume over the breakout bars (pattern end .. detection) / mean volume of the 20 bars before. */
  volumeConfirmation: number;
  /** direction × 50-bar OLS trend of log close (total move over the window) in units of σ·√50. */
  trendAlignment: number;
  /** RSI(14), Wilder, at the detection bar. */
  rsi14: number;
  /** How far RSI sits in the extreme against the direction, in tens of RSI points (0 when not extreme). */
  rsiAgainst: number;
  /** log(realized 20-bar volatility / the symbol's baseline volatility): > 0 in a high-volatility regime. */
  volatilityRegimeLog: number;
  /** Realized standard deviation of the last 20 log returns; the per-bar volatility of the future path. */
  realizedVolatility: number;
  /** Baseline per-bar volatility of this symbol and timeframe. */
  baseVolatility: number;
  /** |target − close| / |close − stop| at the detection bar. */
  rewardRisk: number;
  /** Log distance from close to target / to stop, in units of realizedVolatility. */
  targetDistanceSigma: number;
  stopDistanceSigma: number;
  /** Pattern height (log) in units of baseVolatility. */
  patternHeightSigma: number;
  /** The designed driver score; the future drift per bar is driftScale × score × realizedVolatility. */
  driftScore: number;
  /** Future drift per bar in log units, signed in the pattern's direction (> 0 helps). */
  driftPerBar: number;
  /** Volatility and trend regime of the detection bar (before option overrides). */
  volatilityRegime: VolatilityRegime;
  trendRegime: TrendRegime;
  /** Breakout volume multiplier that was planted (before noise). */
  plantedVolumeSurge: number;
}

/** One generated example: a valid §4 request, its resolved outcome and the latent drivers. */
export interface SimulatedPattern {
  input: PatternInput;
  /** 1 when the target was hit before the stop within the horizon, else 0. */
  outcome: 0 | 1;
  /** Bars after detection until the target or stop was hit; the horizon when neither was. */
  outcomeBarsToResolution: number;
  latent: PatternLatent;
}
