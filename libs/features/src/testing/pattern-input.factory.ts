import {
  DIRECTIONS,
  PATTERN_TYPES,
  TIMEFRAME_MINUTES,
  TIMEFRAMES,
  type Direction,
  type PatternType,
  type Timeframe,
} from '../feature-schema.constants';
import type { Candle, PatternInput } from '../pattern-input.interface';

/** Test-data factories (not exported from the library index): seeded, so every failure reproduces. */

/** mulberry32: a small, fast, seeded PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draw (Box–Muller). */
export function gaussian(rng: () => number): number {
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

export interface CandleSeriesOptions {
  count: number;
  timeframe?: Timeframe;
  startPrice?: number;
  startTime?: number;
  /** Per-bar log-return volatility. */
  volatility?: number;
  /** Probability of a bar that repeats the previous close (exercises OBV / MFI "unchanged"). */
  unchangedProbability?: number;
  /** Probability of a doji bar with h = l = o = c. */
  flatBarProbability?: number;
  /** Probability of a zero-volume bar. */
  zeroVolumeProbability?: number;
  /** Probability of a bar repeating the previous bar's o/h/l/c (unchanged typical price, tied highs and lows). */
  repeatBarProbability?: number;
}

/** A valid OHLCV series: random-walk closes, gaps, wicks, lognormal volumes, strictly increasing t. */
export function makeCandles(rng: () => number, options: CandleSeriesOptions): Candle[] {
  const {
    count,
    timeframe = '1h',
    startPrice = 20 + rng() * 200,
    startTime = Date.UTC(2024, 0, 1),
    volatility = 0.005 + rng() * 0.03,
    unchangedProbability = 0.03,
    flatBarProbability = 0.01,
    zeroVolumeProbability = 0.01,
    repeatBarProbability = 0.02,
  } = options;
  const step = TIMEFRAME_MINUTES[timeframe] * 60_000;
  const baseVolume = 1_000 + rng() * 1_000_000;
  const candles: Candle[] = [];
  let prevClose = startPrice;
  for (let i = 0; i < count; i++) {
    const t = startTime + i * step;
    const volumeDraw = rng() < zeroVolumeProbability ? 0 : Math.round(baseVolume * Math.exp(0.5 * gaussian(rng)));
    if (i > 0 && rng() < repeatBarProbability) {
      const { o, h, l, c } = candles[i - 1];
      candles.push({ t, o, h, l, c, v: volumeDraw });
      continue;
    }
    if (i > 0 && rng() < flatBarProbability) {
      candles.push({ t, o: prevClose, h: prevClose, l: prevClose, c: prevClose, v: volumeDraw });
      continue;
    }
    const o = prevClose * Math.exp(0.2 * volatility * gaussian(rng));
    const c = i > 0 && rng() < unchangedProbability ? prevClose : o * Math.exp(volatility * gaussian(rng));
    const h = Math.max(o, c) * (1 + Math.abs(volatility * 0.5 * gaussian(rng)));
    const l = Math.min(o, c) * (1 - Math.min(0.5, Math.abs(volatility * 0.5 * gaussian(rng))));
    candles.push({ t, o, h, l, c, v: volumeDraw });
    prevClose = c;
  }
  return candles;
}

export interface PatternInputOptions extends Partial<Omit<PatternInput, 'candles'>> {
  candles?: Candle[];
  count?: number;
  series?: Partial<CandleSeriesOptions>;
}

const pick = <T>(rng: () => number, values: readonly T[]): T => values[Math.floor(rng() * values.length)];

/** A valid pattern input whose geometry (indices, prices) is consistent with its direction. */
export function makePatternInput(rng: () => number, options: PatternInputOptions = {}): PatternInput {
  const { candles: given, count, series, ...overrides } = options;
  const timeframe: Timeframe = overrides.timeframe ?? pick(rng, TIMEFRAMES);
  const candles =
    given ?? makeCandles(rng, { count: count ?? 60 + Math.floor(rng() * 341), timeframe, ...(series ?? {}) });
  const n = candles.length - 1;
  const direction: Direction = overrides.direction ?? pick(rng, DIRECTIONS);
  const patternType: PatternType = overrides.pattern_type ?? pick(rng, PATTERN_TYPES);
  const end = overrides.pattern_end_index ?? n - Math.floor(rng() * Math.min(10, n));
  const start = overrides.pattern_start_index ?? Math.max(0, end - 5 - Math.floor(rng() * 60));
  const c = candles[n].c;
  const dir = direction === 'bullish' ? 1 : -1;
  const breakout = c * (1 - dir * 0.01 * rng());
  const target = breakout * (1 + dir * (0.02 + 0.1 * rng()));
  const stop = breakout * (1 - dir * (0.01 + 0.05 * rng()));
  return {
    pattern_id: overrides.pattern_id ?? `p-${Math.floor(rng() * 1e9).toString(36)}`,
    symbol: overrides.symbol ?? 'TEST',
    pattern_type: patternType,
    direction,
    timeframe,
    rule_confidence: overrides.rule_confidence ?? Math.round(rng() * 1000) / 1000,
    pattern_start_index: start,
    pattern_end_index: end,
    breakout_price: overrides.breakout_price ?? breakout,
    target_price: overrides.target_price ?? target,
    stop_price: overrides.stop_price ?? stop,
    candles,
  };
}

/** A series of identical bars (price p, volume v): the flat-price degenerate case. */
export function makeFlatCandles(count: number, price = 100, volume = 1_000): Candle[] {
  const start = Date.UTC(2024, 0, 1);
  return Array.from({ length: count }, (_, i) => ({
    t: start + i * 60_000,
    o: price,
    h: price,
    l: price,
    c: price,
    v: volume,
  }));
}
