import {
  FEATURE_COUNT,
  FEATURE_INDEX as F,
  FEATURE_NAMES,
  MIN_CANDLES,
  REVERSAL_PATTERN_TYPES,
  TIMEFRAME_MINUTES,
  type FeatureName,
  type PatternType,
} from './feature-schema.constants';
import type { Candle, PatternInput } from './pattern-input.interface';

/**
 * Feature builder for schema v1 (DESIGN §5): one implementation shared by serving and training.
 *
 * Everything is computed in float64 at the last candle `n` and stored at the end (a Float32Array
 * for the model). Wilder (RSI, ATR, ADX) and EMA (MACD) recursions run over the whole series so the
 * values agree with mainstream libraries (technicalindicators, trading-signals, TA-Lib):
 *
 * | indicator | definition used here |
 * |---|---|
 * | ATR(14) | TR from bar 1; first ATR = mean TR[1..14] at bar 14, then (ATR·13 + TR)/14 |
 * | RSI(14) | first avg gain/loss = mean over changes 1..14, then Wilder; RSI = 100·g/(g+l) |
 * | ADX(14) | Wilder-smoothed +DM/−DM (seeded over bars 1..14); DX from bar 14; first ADX = mean DX[14..27] |
 * | MACD | EMA12/EMA26 seeded with the SMA of the first 12/26 closes; signal = EMA9 of the MACD line seeded with its first 9 values |
 * | Stochastic | %K(14) = 100·(c − min l)/(max h − min l); %D = SMA3 of %K |
 * | CCI(20) | (tp − SMA20 tp)/(0.015 · mean absolute deviation) |
 * | MFI(14) | money flow of the last 14 bars; tp up → positive, down → negative, unchanged → neither |
 * | Bollinger | SMA20 ± 2σ, σ the population standard deviation |
 * | OBV | up close adds v, down close subtracts v, unchanged adds 0 (slope is offset-free, so OBV starts at the window) |
 *
 * Degenerate inputs (all documented values are finite unless stated):
 *
 * | feature | condition | value |
 * |---|---|---|
 * | body_pct, upper_wick_pct, lower_wick_pct | h = l | 0 |
 * | close_location | h = l | 0.5 |
 * | reward_risk | stop_distance_pct ≤ 0 | NaN |
 * | rsi_14 | no gains and no losses | 50 (only gains: 100, only losses: 0) |
 * | stoch_k_14 (and each %K inside stoch_d_3) | max h = min l over 14 bars | 50 |
 * | cci_20 | mean deviation = 0 | 0 |
 * | adx_14 | +DM and −DM both 0 (DX of such a bar) | DX 0, so ADX 0 on a flat series |
 * | bb_percent_b_20 / bb_width_20 | σ = 0 | 0.5 / 0 |
 * | r2_20 | variance of the closes = 0 | 0 |
 * | mfi_14 | 14-bar volume sum = 0 | NaN |
 * | mfi_14 | volume but no tp change | 50 |
 * | volume_ratio_20, volume_ratio_5_20, volume_slope_20, up_volume_share_20, obv_slope_20, vwap_ratio_20 | 20-bar volume sum = 0 | NaN |
 * | pattern_volume_ratio | no bars before the pattern, or their mean volume = 0 | NaN |
 * | any | float64 value outside the float32 range | ±Infinity after the float32 store |
 *
 * Sums over windows are anchored at a reference value (Σ(x − x₀)), so a constant series gives
 * exactly zero deviations and the conventions above apply without epsilon thresholds.
 */

const REVERSAL_SET: ReadonlySet<PatternType> = new Set<PatternType>(REVERSAL_PATTERN_TYPES);

const LOG10_MINUTES: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(Object.entries(TIMEFRAME_MINUTES).map(([tf, minutes]) => [tf, Math.log10(minutes)])),
);

const WILDER = 14;
const WILDER_ALPHA = 1 / WILDER;
const ADX_SEED_END = 2 * WILDER - 1; // 27: first ADX bar
const EMA_FAST = 12;
const EMA_SLOW = 26;
const EMA_SIGNAL = 9;
const SIGNAL_SEED_END = EMA_SLOW - 1 + EMA_SIGNAL - 1; // 33: first signal bar
/** Fewest candles the builder can compute every feature from (SMA50 / dist_*_50 need 50; validation asks 60). */
const MIN_BUILDER_CANDLES = 50;

/** Sxx = Σ(x − x̄)² for x = 0..k−1. */
const sxx = (k: number): number => (k * (k * k - 1)) / 12;
const SXX_20 = sxx(20);
const SXX_50 = sxx(50);

/** Scratch buffer for the 20 most recent log returns / typical prices (the builder is synchronous and not reentrant). */
const scratch = new Float64Array(20);

/** Builds the 52 schema-v1 features of a validated pattern input, in FEATURE_NAMES order. */
export function buildFeatures(input: PatternInput): Float32Array {
  const out = new Float32Array(FEATURE_COUNT);
  writeFeatures(input, out, 0);
  return out;
}

/**
 * Writes the 52 features of `input` into `out[offset .. offset + 51]` (row-major matrices for
 * training and batches, without a per-row allocation). A Float64Array keeps full precision.
 */
export function writeFeatures(input: PatternInput, out: Float32Array | Float64Array, offset = 0): void {
  const candles = input.candles;
  const N = candles.length;
  const n = N - 1;
  const start = input.pattern_start_index;
  const end = input.pattern_end_index;
  if (N < MIN_BUILDER_CANDLES) {
    throw new RangeError(
      `buildFeatures needs at least ${MIN_BUILDER_CANDLES} candles (validation asks ${MIN_CANDLES}), got ${N}`,
    );
  }
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start < end && end <= n)) {
    throw new RangeError(
      `buildFeatures needs 0 <= pattern_start_index < pattern_end_index <= ${n}, got ${start}, ${end}`,
    );
  }
  if (offset < 0 || offset + FEATURE_COUNT > out.length) {
    throw new RangeError(`output has no room for ${FEATURE_COUNT} features at offset ${offset}`);
  }

  const last = candles[n];
  const c = last.c;
  const o = last.o;
  const h = last.h;
  const l = last.l;
  const v = last.v;

  // ---- Recursions over the whole series: ATR, RSI, ADX (Wilder) and MACD (EMA). ----
  const c0 = candles[0].c;
  let prevC = c0;
  let prevH = candles[0].h;
  let prevL = candles[0].l;
  let atr = 0;
  let avgGain = 0;
  let avgLoss = 0;
  let avgPdm = 0;
  let avgMdm = 0;
  let adx = 0;
  let ema12 = 0;
  let ema26 = 0;
  let signal = 0;
  let macd = 0;
  let seedFast = 0;
  let seedSlow = 0;
  let seedSignal = 0;
  const kFast = 2 / (EMA_FAST + 1);
  const kSlow = 2 / (EMA_SLOW + 1);
  const kSignal = 2 / (EMA_SIGNAL + 1);
  for (let i = 0; i <= n; i++) {
    const bar = candles[i];
    const hi = bar.h;
    const lo = bar.l;
    const cl = bar.c;

    if (i < EMA_FAST) {
      seedFast += cl - c0;
      if (i === EMA_FAST - 1) {
        ema12 = c0 + seedFast / EMA_FAST;
      }
    } else {
      ema12 += (cl - ema12) * kFast;
    }
    if (i < EMA_SLOW) {
      seedSlow += cl - c0;
      if (i === EMA_SLOW - 1) {
        ema26 = c0 + seedSlow / EMA_SLOW;
      }
    } else {
      ema26 += (cl - ema26) * kSlow;
    }
    if (i >= EMA_SLOW - 1) {
      macd = ema12 - ema26;
      if (i < SIGNAL_SEED_END) {
        seedSignal += macd;
      } else if (i === SIGNAL_SEED_END) {
        signal = (seedSignal + macd) / EMA_SIGNAL;
      } else {
        signal += (macd - signal) * kSignal;
      }
    }

    if (i === 0) {
      continue;
    }
    const tr = Math.max(hi - lo, Math.abs(hi - prevC), Math.abs(lo - prevC));
    const up = hi - prevH;
    const down = prevL - lo;
    const pdm = up > down && up > 0 ? up : 0;
    const mdm = down > up && down > 0 ? down : 0;
    const change = cl - prevC;
    const gain = change > 0 ? change : 0;
    const loss = change < 0 ? -change : 0;
    if (i <= WILDER) {
      atr += tr;
      avgGain += gain;
      avgLoss += loss;
      avgPdm += pdm;
      avgMdm += mdm;
      if (i === WILDER) {
        atr /= WILDER;
        avgGain /= WILDER;
        avgLoss /= WILDER;
        avgPdm /= WILDER;
        avgMdm /= WILDER;
        adx = directionalIndex(avgPdm, avgMdm);
      }
    } else {
      atr += (tr - atr) * WILDER_ALPHA;
      avgGain += (gain - avgGain) * WILDER_ALPHA;
      avgLoss += (loss - avgLoss) * WILDER_ALPHA;
      avgPdm += (pdm - avgPdm) * WILDER_ALPHA;
      avgMdm += (mdm - avgMdm) * WILDER_ALPHA;
      const dx = directionalIndex(avgPdm, avgMdm);
      if (i < ADX_SEED_END) {
        adx += dx; // running sum of DX[14..i]
      } else if (i === ADX_SEED_END) {
        adx = (adx + dx) / WILDER;
      } else {
        adx += (dx - adx) * WILDER_ALPHA;
      }
    }
    prevC = cl;
    prevH = hi;
    prevL = lo;
  }
  const rsi = avgGain + avgLoss === 0 ? 50 : (100 * avgGain) / (avgGain + avgLoss);

  // ---- Returns and realised volatility. ----
  for (let j = 0; j < 20; j++) {
    const i = n - 19 + j;
    scratch[j] = Math.log(candles[i].c / candles[i - 1].c);
  }
  const vol20 = sampleStd(scratch, 0, 20);
  const vol10 = sampleStd(scratch, 10, 20);

  let rangeSum = 0;
  for (let i = n - 9; i <= n; i++) {
    const bar = candles[i];
    rangeSum += (bar.h - bar.l) / bar.c;
  }

  // ---- Stochastic %K at n, n−1, n−2. ----
  const k0 = stochK(candles, n);
  const stochD = (k0 + stochK(candles, n - 1) + stochK(candles, n - 2)) / 3;

  // ---- CCI(20) on typical prices anchored at tp[n]. ----
  const tpN = (h + l + c) / 3;
  let tpDevSum = 0;
  for (let j = 0; j < 20; j++) {
    const bar = candles[n - 19 + j];
    const d = (bar.h + bar.l + bar.c) / 3 - tpN;
    scratch[j] = d;
    tpDevSum += d;
  }
  const tpMeanDev = tpDevSum / 20; // SMA20(tp) − tp[n]
  let absDev = 0;
  for (let j = 0; j < 20; j++) {
    absDev += Math.abs(scratch[j] - tpMeanDev);
  }
  const cci = absDev === 0 ? 0 : -tpMeanDev / (0.015 * (absDev / 20));

  // ---- MFI(14). ----
  let posFlow = 0;
  let negFlow = 0;
  let mfiVolume = 0;
  let prevTp = tpOf(candles[n - WILDER]);
  for (let i = n - WILDER + 1; i <= n; i++) {
    const bar = candles[i];
    const tp = (bar.h + bar.l + bar.c) / 3;
    if (tp > prevTp) {
      posFlow += tp * bar.v;
    } else if (tp < prevTp) {
      negFlow += tp * bar.v;
    }
    mfiVolume += bar.v;
    prevTp = tp;
  }
  const mfi = mfiVolume === 0 ? NaN : posFlow + negFlow === 0 ? 50 : (100 * posFlow) / (posFlow + negFlow);

  // ---- Closes over the last 20 / 50 bars, anchored at c: SMA, OLS slope, R², Bollinger, extremes. ----
  let sum20 = 0;
  let sum50 = 0;
  let xy20 = 0;
  let xy50 = 0;
  let maxH20 = -Infinity;
  let minL20 = Infinity;
  let maxH50 = -Infinity;
  let minL50 = Infinity;
  for (let j = 0; j < 50; j++) {
    const bar = candles[n - 49 + j];
    const d = bar.c - c;
    sum50 += d;
    xy50 += (j - 24.5) * d;
    if (bar.h > maxH50) {
      maxH50 = bar.h;
    }
    if (bar.l < minL50) {
      minL50 = bar.l;
    }
    if (j >= 30) {
      sum20 += d;
      xy20 += (j - 30 - 9.5) * d;
      if (bar.h > maxH20) {
        maxH20 = bar.h;
      }
      if (bar.l < minL20) {
        minL20 = bar.l;
      }
    }
  }
  const meanDev20 = sum20 / 20; // SMA20 − c
  const meanDev50 = sum50 / 50; // SMA50 − c
  let syy20 = 0;
  for (let i = n - 19; i <= n; i++) {
    const e = candles[i].c - c - meanDev20;
    syy20 += e * e;
  }
  const sma20 = c + meanDev20;
  const sma50 = c + meanDev50;
  const slope20 = xy20 / SXX_20 / sma20;
  const slope50 = xy50 / SXX_50 / sma50;
  const r2 = syy20 === 0 ? 0 : Math.min(1, (xy20 * xy20) / (SXX_20 * syy20));
  const sigma = Math.sqrt(syy20 / 20);
  const percentB = sigma === 0 ? 0.5 : 0.5 - meanDev20 / (4 * sigma);
  const bbWidth = (4 * sigma) / sma20;

  // ---- Volume over the last 20 bars. ----
  let vSum20 = 0;
  let vSum5 = 0;
  let vxy = 0;
  let upVolume = 0;
  let obv = 0;
  let obvxy = 0;
  let tpv = 0;
  let prevClose = candles[n - 20].c;
  for (let j = 0; j < 20; j++) {
    const bar = candles[n - 19 + j];
    const bv = bar.v;
    const cl = bar.c;
    const x = j - 9.5;
    vSum20 += bv;
    if (j >= 15) {
      vSum5 += bv;
    }
    vxy += x * bv;
    if (cl > prevClose) {
      upVolume += bv;
      if (j > 0) {
        obv += bv;
      }
    } else if (cl < prevClose && j > 0) {
      obv -= bv;
    }
    obvxy += x * obv;
    tpv += ((bar.h + bar.l + cl) / 3) * bv;
    prevClose = cl;
  }
  const noVolume = vSum20 === 0;
  const vMean20 = vSum20 / 20;

  // ---- Pattern geometry. ----
  let patternMaxH = -Infinity;
  let patternMinL = Infinity;
  let patternVolume = 0;
  for (let i = start; i <= end; i++) {
    const bar = candles[i];
    if (bar.h > patternMaxH) {
      patternMaxH = bar.h;
    }
    if (bar.l < patternMinL) {
      patternMinL = bar.l;
    }
    patternVolume += bar.v;
  }
  const preStart = Math.max(0, start - 20);
  let preVolume = 0;
  for (let i = preStart; i < start; i++) {
    preVolume += candles[i].v;
  }
  const patternBars = end - start + 1;
  const preBars = start - preStart;
  const patternVolumeRatio =
    preBars === 0 || preVolume === 0 ? NaN : patternVolume / patternBars / (preVolume / preBars);

  const dir = input.direction === 'bullish' ? 1 : -1;
  const stopDistance = (dir * (c - input.stop_price)) / c;
  const targetDistance = (dir * (input.target_price - c)) / c;
  const barRange = h - l;

  // ---- Store (float64 → out's element type). ----
  const w = offset;
  out[w + F.ret_1] = c / candles[n - 1].c - 1;
  out[w + F.ret_5] = c / candles[n - 5].c - 1;
  out[w + F.ret_10] = c / candles[n - 10].c - 1;
  out[w + F.ret_20] = c / candles[n - 20].c - 1;
  out[w + F.vol_10] = vol10;
  out[w + F.vol_20] = vol20;
  out[w + F.atr_14_pct] = atr / c;
  out[w + F.range_mean_10] = rangeSum / 10;
  out[w + F.rsi_14] = rsi;
  out[w + F.macd_pct] = macd / c;
  out[w + F.macd_signal_pct] = signal / c;
  out[w + F.macd_hist_pct] = (macd - signal) / c;
  out[w + F.stoch_k_14] = k0;
  out[w + F.stoch_d_3] = stochD;
  out[w + F.cci_20] = cci;
  out[w + F.adx_14] = adx;
  out[w + F.mfi_14] = mfi;
  out[w + F.sma_ratio_20] = -meanDev20 / sma20;
  out[w + F.sma_ratio_50] = -meanDev50 / sma50;
  out[w + F.sma20_sma50_ratio] = (meanDev20 - meanDev50) / sma50;
  out[w + F.slope_20] = slope20;
  out[w + F.slope_50] = slope50;
  out[w + F.r2_20] = r2;
  out[w + F.bb_percent_b_20] = percentB;
  out[w + F.bb_width_20] = bbWidth;
  out[w + F.volume_ratio_20] = noVolume ? NaN : v / vMean20;
  out[w + F.volume_ratio_5_20] = noVolume ? NaN : vSum5 / 5 / vMean20;
  out[w + F.volume_slope_20] = noVolume ? NaN : vxy / SXX_20 / vMean20;
  out[w + F.up_volume_share_20] = noVolume ? NaN : upVolume / vSum20;
  out[w + F.obv_slope_20] = noVolume ? NaN : obvxy / SXX_20 / vMean20;
  out[w + F.vwap_ratio_20] = noVolume ? NaN : c / (tpv / vSum20) - 1;
  out[w + F.dist_high_20] = c / maxH20 - 1;
  out[w + F.dist_low_20] = c / minL20 - 1;
  out[w + F.dist_high_50] = c / maxH50 - 1;
  out[w + F.dist_low_50] = c / minL50 - 1;
  out[w + F.gap_pct] = o / candles[n - 1].c - 1;
  out[w + F.body_pct] = barRange === 0 ? 0 : Math.abs(c - o) / barRange;
  out[w + F.upper_wick_pct] = barRange === 0 ? 0 : (h - Math.max(o, c)) / barRange;
  out[w + F.lower_wick_pct] = barRange === 0 ? 0 : (Math.min(o, c) - l) / barRange;
  out[w + F.close_location] = barRange === 0 ? 0.5 : (c - l) / barRange;
  out[w + F.pattern_bars] = patternBars;
  out[w + F.pattern_height_pct] = (patternMaxH - patternMinL) / c;
  out[w + F.bars_since_pattern_end] = n - end;
  out[w + F.breakout_distance_pct] = (dir * (c - input.breakout_price)) / c;
  out[w + F.target_distance_pct] = targetDistance;
  out[w + F.stop_distance_pct] = stopDistance;
  out[w + F.reward_risk] = stopDistance > 0 ? targetDistance / stopDistance : NaN;
  out[w + F.pattern_volume_ratio] = patternVolumeRatio;
  out[w + F.rule_confidence] = input.rule_confidence;
  out[w + F.direction] = dir;
  out[w + F.timeframe_log_minutes] = LOG10_MINUTES[input.timeframe] ?? NaN;
  out[w + F.pattern_is_reversal] = REVERSAL_SET.has(input.pattern_type) ? 1 : 0;
}

/** DX = 100·|+DM − −DM|/(+DM + −DM) on smoothed movements (the ATR cancels); 0 without movement. */
function directionalIndex(pdm: number, mdm: number): number {
  const total = pdm + mdm;
  return total === 0 ? 0 : (100 * Math.abs(pdm - mdm)) / total;
}

function tpOf(bar: Candle): number {
  return (bar.h + bar.l + bar.c) / 3;
}

/** Stochastic %K(14) at bar i; 50 when the 14-bar range is 0. */
function stochK(candles: readonly Candle[], i: number): number {
  let hi = -Infinity;
  let lo = Infinity;
  for (let j = i - WILDER + 1; j <= i; j++) {
    const bar = candles[j];
    if (bar.h > hi) {
      hi = bar.h;
    }
    if (bar.l < lo) {
      lo = bar.l;
    }
  }
  const range = hi - lo;
  return range === 0 ? 50 : (100 * (candles[i].c - lo)) / range;
}

/** Sample standard deviation (k − 1 denominator) of values[from..to). */
function sampleStd(values: Float64Array, from: number, to: number): number {
  const k = to - from;
  let sum = 0;
  for (let j = from; j < to; j++) {
    sum += values[j];
  }
  const mean = sum / k;
  let ss = 0;
  for (let j = from; j < to; j++) {
    const e = values[j] - mean;
    ss += e * e;
  }
  return Math.sqrt(ss / (k - 1));
}

/** The features by name, as the API shows them: non-finite values become null (and −0 becomes 0). */
export function featuresToRecord(vec: ArrayLike<number>): Record<FeatureName, number | null> {
  const record = {} as Record<FeatureName, number | null>;
  for (let i = 0; i < FEATURE_COUNT; i++) {
    const value = vec[i];
    record[FEATURE_NAMES[i]] = Number.isFinite(value) ? (value === 0 ? 0 : value) : null;
  }
  return record;
}

/** True when the vector has exactly 52 entries and all are finite (else the service falls back with `invalid_features`). */
export function isFiniteVector(vec: ArrayLike<number>): boolean {
  if (vec.length !== FEATURE_COUNT) {
    return false;
  }
  for (let i = 0; i < FEATURE_COUNT; i++) {
    if (!Number.isFinite(vec[i])) {
      return false;
    }
  }
  return true;
}

/** Names of the non-finite features of a vector, for data-quality logs. */
export function nonFiniteFeatures(vec: ArrayLike<number>): FeatureName[] {
  const names: FeatureName[] = [];
  for (let i = 0; i < FEATURE_COUNT; i++) {
    if (!Number.isFinite(vec[i])) {
      names.push(FEATURE_NAMES[i]);
    }
  }
  return names;
}
