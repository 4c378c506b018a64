import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ADX, ATR, BollingerBands, CCI, EMA, MACD, OBV, SMA, Stochastic, VWAP } from 'technicalindicators';
import { REVERSAL_PATTERN_TYPES, TIMEFRAME_MINUTES, type FeatureName } from '../feature-schema.constants';
import type { Candle, PatternInput } from '../pattern-input.interface';

/**
 * Reference values for the feature-builder tests, computed independently of the builder:
 * indicators by established packages, everything else by a plain, unoptimised re-computation.
 */

export type ReferenceValues = Partial<Record<FeatureName, number>>;

const lastOf = <T>(values: readonly T[]): T => {
  if (values.length === 0) {
    throw new Error('reference indicator returned no values');
  }
  return values[values.length - 1];
};

const columns = (candles: readonly Candle[]) => ({
  high: candles.map((bar) => bar.h),
  low: candles.map((bar) => bar.l),
  close: candles.map((bar) => bar.c),
  volume: candles.map((bar) => bar.v),
});

/** Plain OLS slope of y against x = 0..k−1. */
export function olsSlope(y: readonly number[]): number {
  const k = y.length;
  let sx = 0;
  let sy = 0;
  let sxy = 0;
  let sxx = 0;
  for (let x = 0; x < k; x++) {
    sx += x;
    sy += y[x];
    sxy += x * y[x];
    sxx += x * x;
  }
  return (k * sxy - sx * sy) / (k * sxx - sx * sx);
}

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * Indicator features from technicalindicators 3.x. RSI and MFI are not here: technicalindicators rounds
 * both to 2 decimals and counts an unchanged typical price as negative money flow, so those two come
 * from trading-signals (`tradingSignalsReference`). trading-signals in turn seeds EMA with the first
 * price and its TR/ATR/ADX with the first bar's h − l, so MACD/ATR/ADX come from technicalindicators,
 * whose seeding is the standard (TA-Lib) one.
 */
export function technicalIndicatorsReference(input: PatternInput): ReferenceValues & { ema_macd_pct: number } {
  const { high, low, close, volume } = columns(input.candles);
  const c = lastOf(close);
  const macd = lastOf(
    MACD.calculate({
      values: close,
      fastPeriod: 12,
      slowPeriod: 26,
      signalPeriod: 9,
      SimpleMAOscillator: false,
      SimpleMASignal: false,
    }),
  );
  const ema12 = lastOf(EMA.calculate({ period: 12, values: close }));
  const ema26 = lastOf(EMA.calculate({ period: 26, values: close }));
  const stoch = lastOf(Stochastic.calculate({ high, low, close, period: 14, signalPeriod: 3 }));
  const bb = lastOf(BollingerBands.calculate({ period: 20, values: close, stdDev: 2 }));
  const sma20 = lastOf(SMA.calculate({ period: 20, values: close }));
  const sma50 = lastOf(SMA.calculate({ period: 50, values: close }));
  const obv = OBV.calculate({ close, volume });
  const vMean20 = mean(volume.slice(-20));
  const vwap = lastOf(
    VWAP.calculate({ high: high.slice(-20), low: low.slice(-20), close: close.slice(-20), volume: volume.slice(-20) }),
  );
  return {
    atr_14_pct: lastOf(ATR.calculate({ high, low, close, period: 14 })) / c,
    macd_pct: (macd.MACD ?? NaN) / c,
    macd_signal_pct: (macd.signal ?? NaN) / c,
    macd_hist_pct: (macd.histogram ?? NaN) / c,
    // The MACD line again from two plain EMAs (seeded with the SMA of their first period).
    ema_macd_pct: (ema12 - ema26) / c,
    stoch_k_14: stoch.k,
    stoch_d_3: stoch.d,
    cci_20: lastOf(CCI.calculate({ high, low, close, period: 20 })),
    adx_14: lastOf(ADX.calculate({ high, low, close, period: 14 })).adx,
    sma_ratio_20: c / sma20 - 1,
    sma_ratio_50: c / sma50 - 1,
    sma20_sma50_ratio: sma20 / sma50 - 1,
    bb_percent_b_20: bb.pb,
    bb_width_20: (bb.upper - bb.lower) / bb.middle,
    obv_slope_20: olsSlope(obv.slice(-20)) / vMean20,
    vwap_ratio_20: c / vwap - 1,
  };
}

const ORACLE = join(__dirname, 'trading-signals-oracle.mjs');

/** RSI(14) and MFI(14) at the last bar from trading-signals (ESM-only, so computed in a child Node process). */
export function tradingSignalsReference(inputs: readonly PatternInput[]): { rsi_14: number; mfi_14: number }[] {
  const payload = JSON.stringify(inputs.map((input) => columnsForOracle(input.candles)));
  const stdout = execFileSync(process.execPath, [ORACLE], { input: payload, maxBuffer: 64 * 1024 * 1024 });
  const parsed = JSON.parse(stdout.toString('utf8')) as { rsi14: number | null; mfi14: number | null }[];
  return parsed.map(({ rsi14, mfi14 }) => ({ rsi_14: rsi14 ?? NaN, mfi_14: mfi14 ?? NaN }));
}

function columnsForOracle(candles: readonly Candle[]): { h: number[]; l: number[]; c: number[]; v: number[] } {
  const { high, low, close, volume } = columns(candles);
  return { h: high, l: low, c: close, v: volume };
}

/** Every non-indicator feature, recomputed the obvious way from DESIGN §5. */
export function directReference(input: PatternInput): ReferenceValues {
  const bars = input.candles;
  const n = bars.length - 1;
  const { o, h, l, c, v } = bars[n];
  const closes = bars.map((bar) => bar.c);
  const window = (k: number): Candle[] => bars.slice(n - k + 1);
  const logReturns = (k: number): number[] => window(k).map((bar, j) => Math.log(bar.c / bars[n - k + j].c));
  const sampleStd = (values: number[]): number => {
    const m = mean(values);
    return Math.sqrt(values.reduce((acc, x) => acc + (x - m) ** 2, 0) / (values.length - 1));
  };
  const last20 = window(20);
  const closes20 = last20.map((bar) => bar.c);
  const volumes20 = last20.map((bar) => bar.v);
  const vSum20 = volumes20.reduce((a, b) => a + b, 0);
  // R² as the squared correlation of close with time.
  const xs = closes20.map((_, x) => x);
  const mx = mean(xs);
  const my = mean(closes20);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let j = 0; j < 20; j++) {
    sxy += (xs[j] - mx) * (closes20[j] - my);
    sxx += (xs[j] - mx) ** 2;
    syy += (closes20[j] - my) ** 2;
  }
  const upVolume = last20.reduce((acc, bar, j) => acc + (bar.c > bars[n - 20 + j].c ? bar.v : 0), 0);
  const pattern = bars.slice(input.pattern_start_index, input.pattern_end_index + 1);
  const before = bars.slice(Math.max(0, input.pattern_start_index - 20), input.pattern_start_index);
  const dir = input.direction === 'bullish' ? 1 : -1;
  const stopDistance = (dir * (c - input.stop_price)) / c;
  const targetDistance = (dir * (input.target_price - c)) / c;
  const range = h - l;
  return {
    ret_1: c / closes[n - 1] - 1,
    ret_5: c / closes[n - 5] - 1,
    ret_10: c / closes[n - 10] - 1,
    ret_20: c / closes[n - 20] - 1,
    vol_10: sampleStd(logReturns(10)),
    vol_20: sampleStd(logReturns(20)),
    range_mean_10: mean(window(10).map((bar) => (bar.h - bar.l) / bar.c)),
    slope_20: olsSlope(closes20) / mean(closes20),
    slope_50: olsSlope(window(50).map((bar) => bar.c)) / mean(window(50).map((bar) => bar.c)),
    r2_20: syy === 0 ? 0 : (sxy * sxy) / (sxx * syy),
    volume_ratio_20: v / (vSum20 / 20),
    volume_ratio_5_20: mean(volumes20.slice(-5)) / mean(volumes20),
    volume_slope_20: olsSlope(volumes20) / mean(volumes20),
    up_volume_share_20: upVolume / vSum20,
    dist_high_20: c / Math.max(...last20.map((bar) => bar.h)) - 1,
    dist_low_20: c / Math.min(...last20.map((bar) => bar.l)) - 1,
    dist_high_50: c / Math.max(...window(50).map((bar) => bar.h)) - 1,
    dist_low_50: c / Math.min(...window(50).map((bar) => bar.l)) - 1,
    gap_pct: o / closes[n - 1] - 1,
    body_pct: range === 0 ? 0 : Math.abs(c - o) / range,
    upper_wick_pct: range === 0 ? 0 : (h - Math.max(o, c)) / range,
    lower_wick_pct: range === 0 ? 0 : (Math.min(o, c) - l) / range,
    close_location: range === 0 ? 0.5 : (c - l) / range,
    pattern_bars: input.pattern_end_index - input.pattern_start_index + 1,
    pattern_height_pct: (Math.max(...pattern.map((bar) => bar.h)) - Math.min(...pattern.map((bar) => bar.l))) / c,
    bars_since_pattern_end: n - input.pattern_end_index,
    breakout_distance_pct: (dir * (c - input.breakout_price)) / c,
    target_distance_pct: targetDistance,
    stop_distance_pct: stopDistance,
    reward_risk: stopDistance > 0 ? targetDistance / stopDistance : NaN,
    pattern_volume_ratio:
      before.length === 0 || mean(before.map((bar) => bar.v)) === 0
        ? NaN
        : mean(pattern.map((bar) => bar.v)) / mean(before.map((bar) => bar.v)),
    rule_confidence: input.rule_confidence,
    direction: dir,
    timeframe_log_minutes: Math.log10(TIMEFRAME_MINUTES[input.timeframe]),
    pattern_is_reversal: (REVERSAL_PATTERN_TYPES as readonly string[]).includes(input.pattern_type) ? 1 : 0,
  };
}

/** |actual − expected| ≤ rel·max(|expected|, floor); NaN only matches NaN. */
export function closeTo(actual: number, expected: number, rel = 1e-6, floor = 1e-3): boolean {
  if (Number.isNaN(expected) || Number.isNaN(actual)) {
    return Number.isNaN(expected) && Number.isNaN(actual);
  }
  return Math.abs(actual - expected) <= rel * Math.max(Math.abs(expected), floor);
}
