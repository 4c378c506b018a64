import {
  CONTINUATION_PATTERN_TYPES,
  MAX_CANDLES,
  MIN_CANDLES,
  PATTERN_TYPES,
  TIMEFRAME_MINUTES,
  type Direction,
  type PatternType,
  type Timeframe,
} from '@app/features/feature-schema.constants';
import type { Candle, PatternInput } from '@app/features/pattern-input.interface';
import { DRIFT_SCALE, driftScore, ruleConfidence, simulateOutcome } from './outcome.util';
import { buildTemplate, sampleTemplate } from './pattern-template.util';
import { Prng, deriveSeed } from './prng';
import { logTrendSlope, meanOf, realizedVolatility, rsiAtEnd } from './series-stats.util';
import type { SimulatedPattern } from './simulated-pattern.interface';
import type { SimulationOptions, TrendRegime, VolatilityRegime } from './simulation-options.interface';
import {
  BARS_SINCE_END_WEIGHTS,
  BASE_SIGMA_BY_TIMEFRAME,
  DEFAULT_CANDLE_COUNT,
  DEFAULT_HORIZON_BARS,
  FORCED_TREND_DRIFT_SIGMA,
  MAX_HORIZON_BARS,
  PATTERN_BARS_RANGE,
  TIMEFRAME_WEIGHTS,
  TREND_REGIME_DRIFT,
  TREND_REGIME_STAY,
  VOLATILITY_REGIME_MULTIPLIER,
  VOLATILITY_REGIME_STAY,
  VOLUME_SCALE_BY_TIMEFRAME,
} from './simulation.constants';

// Math functions bound once per module: under jest's vm sandbox every read of the global `Math` is a slow
// interceptor call, which made generation 20x slower in tests.
const { abs, exp, floor, log, log10, max, min, round, sqrt } = Math;

const BEARISH_TYPES: ReadonlySet<PatternType> = new Set<PatternType>([
  'head_and_shoulders',
  'double_top',
  'triple_top',
  'rising_wedge',
  'descending_triangle',
  'bear_flag',
]);
const CONTINUATION_TYPES: ReadonlySet<PatternType> = new Set<PatternType>(CONTINUATION_PATTERN_TYPES);
const VOL_REGIMES: readonly VolatilityRegime[] = ['low', 'normal', 'high'];
// Per-regime constants indexed like VOL_REGIMES / TREND_REGIMES: the hot loops index arrays, not string keys.
const LOG_VOLATILITY_MULTIPLIER = Float64Array.from(VOL_REGIMES, (r) => log(VOLATILITY_REGIME_MULTIPLIER[r]));
const TREND_REGIMES: readonly TrendRegime[] = ['up', 'flat', 'down'];
const TREND_DRIFT = Float64Array.from(TREND_REGIMES, (r) => TREND_REGIME_DRIFT[r]);
const MIN_PRICE = 1;
const DEFAULT_END_TIME = Date.UTC(2025, 5, 1);
const DAY_MS = 86_400_000;
const MIN_PRE_PATTERN_BARS = 10;
const VOLUME_WINDOW = 20;
const TREND_WINDOW = 50;
const PATTERN_NOISE_AR = 0.5;
// RSI beyond 64 (below 36) counts as stretched against a bullish (bearish) breakout.
const RSI_EXTREME = 64;
const TICKER_LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * Working arrays sized for the longest series, reused by every call: generation is synchronous, so one set per
 * module (per worker thread) is enough, and it saves a dozen allocations per pattern. Indices ≥ N are stale.
 */
const scratch = {
  sigma: new Float64Array(MAX_CANDLES),
  logSigmaRatio: new Float64Array(MAX_CANDLES), // log(sigma / baseSigma), for the volume equation
  trendState: new Uint8Array(MAX_CANDLES),
  r: new Float64Array(MAX_CANDLES),
  x: new Float64Array(MAX_CANDLES),
  open: new Float64Array(MAX_CANDLES),
  high: new Float64Array(MAX_CANDLES),
  low: new Float64Array(MAX_CANDLES),
  close: new Float64Array(MAX_CANDLES),
  volume: new Float64Array(MAX_CANDLES),
  shape: new Float64Array(MAX_CANDLES),
  noise: new Float64Array(MAX_CANDLES),
};

/** Options after validation, with defaults applied; computed once per batch. */
interface ResolvedOptions {
  candleCount: number;
  timeframe: Timeframe | undefined;
  patternTypes: readonly PatternType[];
  startTime: number | undefined;
  symbol: string | undefined;
  volumeMultiplier: number;
  volatilityForce: VolatilityRegime | undefined;
  volatilityMultiplier: number;
  trendForce: TrendRegime | undefined;
  trendDrift: number | undefined;
  recentBars: number;
  horizon: number;
}

/** One synthetic series with a planted pattern, its resolved outcome and its latent drivers. */
export function generatePattern(rng: Prng, opts: SimulationOptions = {}): SimulatedPattern {
  const resolved = resolveOptions(opts);
  return generate(rng, resolved, opts.patternId);
}

/** `count` patterns from `seed`: pattern i depends only on (seed, i, opts), and gets pattern_id `sim-<seed>-<i>`. */
export function generatePatterns(
  seed: number,
  count: number,
  opts: SimulationOptions = {},
  onProgress?: (done: number, total: number) => void,
): SimulatedPattern[] {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(`count must be a non-negative integer, got ${count}`);
  }
  deriveSeed(seed); // validates the seed before any work
  const resolved = resolveOptions(opts);
  const out: SimulatedPattern[] = new Array<SimulatedPattern>(count);
  for (let i = 0; i < count; i++) {
    out[i] = generate(new Prng(deriveSeed(seed, i)), resolved, `sim-${seed}-${i}`);
    if (onProgress !== undefined && ((i + 1) % 256 === 0 || i + 1 === count)) {
      onProgress(i + 1, count);
    }
  }
  return out;
}

/** The endless stream behind generatePatterns (same patterns in the same order), for load generation. */
export function* iteratePatterns(seed: number, opts: SimulationOptions = {}): Generator<SimulatedPattern, never> {
  deriveSeed(seed);
  const resolved = resolveOptions(opts);
  for (let i = 0; ; i++) {
    yield generate(new Prng(deriveSeed(seed, i)), resolved, `sim-${seed}-${i}`);
  }
}

function resolveOptions(opts: SimulationOptions): ResolvedOptions {
  const candleCount = opts.candleCount ?? DEFAULT_CANDLE_COUNT;
  if (!Number.isInteger(candleCount) || candleCount < MIN_CANDLES || candleCount > MAX_CANDLES) {
    throw new RangeError(`candleCount must be an integer in ${MIN_CANDLES}..${MAX_CANDLES}, got ${candleCount}`);
  }
  if (opts.timeframe !== undefined && !(opts.timeframe in TIMEFRAME_MINUTES)) {
    throw new RangeError(`unknown timeframe ${String(opts.timeframe)}`);
  }
  const patternTypes = opts.patternTypes ?? PATTERN_TYPES;
  if (patternTypes.length === 0 || patternTypes.some((t) => !PATTERN_TYPES.includes(t))) {
    throw new RangeError(`patternTypes must be a non-empty subset of ${PATTERN_TYPES.join(', ')}`);
  }
  if (opts.startTime !== undefined && !Number.isSafeInteger(opts.startTime)) {
    throw new RangeError(`startTime must be integer epoch milliseconds, got ${opts.startTime}`);
  }
  if (opts.symbol !== undefined && (opts.symbol.length < 1 || opts.symbol.length > 32)) {
    throw new RangeError('symbol must have 1..32 characters');
  }
  const volumeMultiplier = opts.volumeMultiplier ?? 1;
  assertPositive('volumeMultiplier', volumeMultiplier);
  let volatilityForce: VolatilityRegime | undefined;
  let volatilityMultiplier = 1;
  if (typeof opts.volatilityRegime === 'number') {
    assertPositive('volatilityRegime', opts.volatilityRegime);
    volatilityMultiplier = opts.volatilityRegime;
  } else if (opts.volatilityRegime !== undefined) {
    if (!VOL_REGIMES.includes(opts.volatilityRegime)) {
      throw new RangeError(`volatilityRegime must be low|normal|high or a positive number`);
    }
    volatilityForce = opts.volatilityRegime;
  }
  let trendForce: TrendRegime | undefined;
  let trendDrift: number | undefined;
  if (typeof opts.trend === 'number') {
    if (!Number.isFinite(opts.trend) || abs(opts.trend) > 0.5) {
      throw new RangeError(`trend drift must be a finite per-bar log return within ±0.5, got ${opts.trend}`);
    }
    trendDrift = opts.trend;
  } else if (opts.trend !== undefined) {
    if (!TREND_REGIMES.includes(opts.trend)) {
      throw new RangeError(`trend must be up|down|flat or a number`);
    }
    trendForce = opts.trend;
  }
  const recentBars = opts.recentBars ?? candleCount;
  if (!Number.isInteger(recentBars) || recentBars < 1) {
    throw new RangeError(`recentBars must be a positive integer, got ${recentBars}`);
  }
  const horizon = opts.horizonBars ?? DEFAULT_HORIZON_BARS;
  if (!Number.isInteger(horizon) || horizon < 1 || horizon > MAX_HORIZON_BARS) {
    throw new RangeError(`horizonBars must be an integer in 1..${MAX_HORIZON_BARS}, got ${horizon}`);
  }
  return {
    candleCount,
    timeframe: opts.timeframe,
    patternTypes,
    startTime: opts.startTime,
    symbol: opts.symbol,
    volumeMultiplier,
    volatilityForce,
    volatilityMultiplier,
    trendForce,
    trendDrift,
    recentBars: min(recentBars, candleCount),
    horizon,
  };
}

function assertPositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive finite number, got ${value}`);
  }
}

function generate(rng: Prng, o: ResolvedOptions, patternId: string | undefined): SimulatedPattern {
  const N = o.candleCount;
  const n = N - 1;
  const timeframe = o.timeframe ?? rng.weighted(TIMEFRAME_WEIGHTS);
  const stepMs = TIMEFRAME_MINUTES[timeframe] * 60_000;
  const type = rng.pick(o.patternTypes);
  const dir: 1 | -1 = type === 'symmetrical_triangle' ? (rng.chance(0.5) ? 1 : -1) : BEARISH_TYPES.has(type) ? -1 : 1;
  const baseSigma = BASE_SIGMA_BY_TIMEFRAME[timeframe] * clamp(exp(0.25 * rng.normal()), 0.5, 2);
  const shiftFrom = N - o.recentBars;

  // Pattern placement: the detection bar is the last candle, the pattern ends 0..5 bars before it.
  const barsSinceEnd = weightedIndex(rng, BARS_SINCE_END_WEIGHTS);
  const [minBars, maxBars] = PATTERN_BARS_RANGE[type];
  const patternBars = max(10, min(rng.int(minBars, maxBars), N - barsSinceEnd - MIN_PRE_PATTERN_BARS));
  const end = n - barsSinceEnd;
  const start = end - patternBars + 1;

  // Regimes: Markov-switching volatility × a slow stochastic-volatility factor; Markov-switching drift.
  const { sigma, logSigmaRatio, trendState, r, x, open, high, low, close, volume } = scratch;
  const forcedVolIdx = o.volatilityForce === undefined ? -1 : VOL_REGIMES.indexOf(o.volatilityForce);
  const logVolMultiplier = log(o.volatilityMultiplier);
  let volIdx = weightedIndex(rng, [0.25, 0.5, 0.25]);
  let trendIdx = weightedIndex(rng, [0.3, 0.4, 0.3]);
  let logH = 0.2 * rng.normal();
  for (let i = 0; i < N; i++) {
    if (i > 0) {
      volIdx = nextRegime(rng, volIdx, VOLATILITY_REGIME_STAY);
      trendIdx = nextRegime(rng, trendIdx, TREND_REGIME_STAY);
      logH = 0.95 * logH + 0.08 * rng.normal();
    }
    trendState[i] = trendIdx;
    const shifted = i >= shiftFrom;
    const regimeIdx = shifted && forcedVolIdx >= 0 ? forcedVolIdx : volIdx;
    logSigmaRatio[i] = LOG_VOLATILITY_MULTIPLIER[regimeIdx] + logH + (shifted ? logVolMultiplier : 0);
    sigma[i] = baseSigma * exp(logSigmaRatio[i]);
  }
  const naturalVolRegime = VOL_REGIMES[volIdx];
  const naturalTrendRegime = TREND_REGIMES[trendIdx];

  const quality = rng.next() ** 0.8;
  const template = buildTemplate(type, quality, rng);
  r[0] = 0; // log returns; r[0] is unused
  const trendOptionSet = o.trendForce !== undefined || o.trendDrift !== undefined;

  // Before the pattern: random walk with regime drift, then a move into the pattern (usually the textbook one:
  // against the breakout for reversals, with it for continuations).
  const priorRoll = rng.next();
  const priorSign = priorRoll < 0.7 ? dir * template.priorTrend : priorRoll < 0.85 ? 0 : -dir * template.priorTrend;
  const priorStrength = rng.uniform(0.05, 0.2);
  const priorBars = min(start, rng.int(15, 40));
  for (let i = 1; i <= start; i++) {
    const regimeDrift = o.trendForce !== undefined && i >= shiftFrom ? 0 : TREND_DRIFT[trendState[i]];
    const prior = i > start - priorBars ? priorSign * priorStrength : 0;
    r[i] = sigma[i] * (regimeDrift + prior + rng.normal());
  }

  // The pattern: the template scaled to a height of a few σ·√bars, plus mean-reverting (AR(1)) noise around it,
  // so bars move about as much as outside the pattern while the swings stay where the template put them.
  // The noise is pinned to zero at both ends so the pattern starts on the prior path and ends on the breakout line.
  let sigmaPattern = 0;
  for (let i = start; i <= end; i++) {
    sigmaPattern += sigma[i];
  }
  sigmaPattern /= patternBars;
  const height = rng.uniform(4.5, 9) * (patternBars / 40) ** 0.4 * sigmaPattern;
  const { shape, noise } = scratch;
  sampleTemplate(template, patternBars, shape);
  const noiseScale = 0.5 + 0.3 * (1 - quality);
  noise[0] = 0;
  for (let j = 1; j < patternBars; j++) {
    noise[j] = PATTERN_NOISE_AR * noise[j - 1] + noiseScale * sigma[start + j] * rng.normal();
  }
  const noiseEnd = noise[patternBars - 1];
  let prevRel = 0;
  for (let j = 1; j < patternBars; j++) {
    const rel = dir * height * (shape[j] - shape[0]) + noise[j] - (j / (patternBars - 1)) * noiseEnd;
    r[start + j] = rel - prevRel;
    prevRel = rel;
  }
  const push = dir * rng.uniform(0.05, 0.5) * sigma[end];
  r[end] += push;

  // After the pattern: the breakout follows through on average, with noise (some retest the line).
  for (let i = end + 1; i <= n; i++) {
    r[i] = sigma[i] * (dir * rng.uniform(0, 0.45) + 0.8 * rng.normal());
  }

  if (trendOptionSet) {
    const drift =
      o.trendDrift ??
      (o.trendForce === 'up' ? 1 : o.trendForce === 'down' ? -1 : 0) * FORCED_TREND_DRIFT_SIGMA * baseSigma;
    for (let i = max(1, shiftFrom); i <= n; i++) {
      r[i] += drift;
    }
  }

  x[0] = log(rng.uniform(5, 400));
  for (let i = 1; i < N; i++) {
    x[i] = x[i - 1] + r[i];
  }

  // Geometry in log space, in the pattern's direction; kept beyond the detection close on both sides.
  const breakoutLog = x[end] - push;
  let targetLog = breakoutLog + dir * rng.uniform(0.35, 0.85) * height * template.heightY;
  const stopGap = max(rng.uniform(0.35, 1) * height * (template.breakoutY - template.protectY), 0.5 * sigma[end]);
  let stopLog = breakoutLog - dir * stopGap;
  if (dir * (x[n] - stopLog) < 0.5 * sigma[n]) {
    stopLog = x[n] - dir * rng.uniform(0.5, 1) * sigma[n];
  }
  if (dir * (targetLog - x[n]) < sigma[n]) {
    targetLog = x[n] + dir * rng.uniform(1, 2) * sigma[n];
  }

  // Candles: opens gap a little from the previous close, wicks are half-normal excursions.
  let minLow = Infinity;
  for (let i = 0; i < N; i++) {
    const c = exp(x[i]);
    const oo = (i === 0 ? c : close[i - 1]) * exp(0.15 * sigma[i] * rng.normal());
    // Wick excursions are small, so 1 + u stands in for exp(u) (and 1 / (1 + u) keeps lows positive).
    const h = max(oo, c) * (1 + 0.55 * sigma[i] * abs(rng.normal()));
    const l = min(oo, c) / (1 + 0.55 * sigma[i] * abs(rng.normal()));
    open[i] = oo;
    high[i] = h;
    low[i] = l;
    close[i] = c;
    if (l < minLow) {
      minLow = l;
    }
  }
  const scale = minLow < MIN_PRICE ? MIN_PRICE / minLow : 1;
  const decimals = clamp(4 - floor(log10(minLow * scale)), 2, 6);
  const tick = 10 ** decimals;
  const px = (p: number): number => round(p * scale * tick) / tick;

  // Volume: log-AR(1) around a level, higher on big moves and in volatile regimes, rare surges,
  // drying up inside continuation patterns, and the planted breakout surge from the pattern end on.
  const volumeLevel = log(rng.uniform(2e4, 3e6) * VOLUME_SCALE_BY_TIMEFRAME[timeframe]);
  const plantedSurge = rng.chance(0.5) ? rng.uniform(1.5, 3.2) : rng.uniform(0.6, 1.25);
  const logSurge = log(plantedSurge);
  const continuation = CONTINUATION_TYPES.has(type);
  let ar = 0.3 * rng.normal();
  for (let i = 0; i < N; i++) {
    ar = 0.8 * ar + 0.3 * rng.normal();
    const absZ = i === 0 ? 0.8 : abs(r[i]) / sigma[i];
    let lv = volumeLevel + ar + 0.35 * (min(absZ, 5) - 0.8) + 0.6 * logSigmaRatio[i];
    if (rng.chance(0.015)) {
      lv += rng.uniform(0.7, 1.6);
    }
    if (continuation && i >= start && i < end) {
      lv -= (0.35 * (i - start)) / patternBars;
    }
    if (i >= end) {
      lv += logSurge;
    }
    volume[i] = round(exp(lv) * (i >= shiftFrom ? o.volumeMultiplier : 1));
  }

  const startTime = o.startTime ?? floor((DEFAULT_END_TIME - rng.int(0, 365) * DAY_MS) / stepMs) * stepMs - n * stepMs;
  const candles: Candle[] = new Array<Candle>(N);
  const closes = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const c = px(close[i]);
    closes[i] = c;
    candles[i] = { t: startTime + i * stepMs, o: px(open[i]), h: px(high[i]), l: px(low[i]), c, v: volume[i] };
  }

  // Geometry prices, rounded like the candles and kept strictly ordered.
  const tickSize = 1 / tick;
  const breakoutPrice = px(exp(breakoutLog));
  let targetPrice = px(exp(targetLog));
  let stopPrice = px(exp(stopLog));
  if (dir * (targetPrice - breakoutPrice) <= 0) {
    targetPrice = breakoutPrice + dir * tickSize;
  }
  if (dir * (breakoutPrice - stopPrice) <= 0) {
    stopPrice = breakoutPrice - dir * tickSize;
  }

  // Latent drivers, read from the candles as a feature builder would see them.
  const lastClose = closes[n];
  const volumeConfirmation = ratio(meanOf(volume, end, N), meanOf(volume, end - VOLUME_WINDOW, end));
  const vol50 = realizedVolatility(closes, TREND_WINDOW);
  const trendMove = logTrendSlope(closes, TREND_WINDOW) * (min(TREND_WINDOW, N) - 1);
  const trendAlignment = vol50 > 0 ? (dir * trendMove) / (vol50 * sqrt(TREND_WINDOW)) : 0;
  const rsi14 = rsiAtEnd(closes, 14);
  const rsiAgainst = dir > 0 ? max(0, (rsi14 - RSI_EXTREME) / 10) : max(0, (100 - RSI_EXTREME - rsi14) / 10);
  const vol20 = max(realizedVolatility(closes, VOLUME_WINDOW), 1e-6);
  const volatilityRegimeLog = log(vol20 / baseSigma);
  const targetDistance = dir * log(targetPrice / lastClose);
  const stopDistance = dir * log(lastClose / stopPrice);
  const rewardRisk = ratio(abs(targetPrice - lastClose), abs(lastClose - stopPrice));
  const score = driftScore({
    volumeConfirmation,
    trendAlignment,
    rsiAgainst,
    volatilityRegimeLog,
    rewardRisk,
    quality,
  });
  const driftPerBar = DRIFT_SCALE * score * vol20;
  const resolution = simulateOutcome(rng, {
    targetDistance,
    stopDistance,
    driftPerBar,
    sigma: vol20,
    horizon: o.horizon,
  });

  let patternHigh = -Infinity;
  let patternLow = Infinity;
  for (let i = start; i <= end; i++) {
    patternHigh = max(patternHigh, candles[i].h);
    patternLow = min(patternLow, candles[i].l);
  }
  const patternHeightSigma = log(patternHigh / patternLow) / baseSigma;
  const direction: Direction = dir > 0 ? 'bullish' : 'bearish';
  const input: PatternInput = {
    pattern_id: patternId ?? `sim-${rng.nextUint32().toString(16).padStart(8, '0')}`,
    symbol: o.symbol ?? ticker(rng),
    pattern_type: type,
    direction,
    timeframe,
    rule_confidence: ruleConfidence(rng, type, quality, patternHeightSigma),
    pattern_start_index: start,
    pattern_end_index: end,
    breakout_price: breakoutPrice,
    target_price: targetPrice,
    stop_price: stopPrice,
    candles,
  };
  return {
    input,
    outcome: resolution.outcome,
    outcomeBarsToResolution: resolution.bars,
    latent: {
      quality,
      volumeConfirmation,
      trendAlignment,
      rsi14,
      rsiAgainst,
      volatilityRegimeLog,
      realizedVolatility: vol20,
      baseVolatility: baseSigma,
      rewardRisk,
      targetDistanceSigma: targetDistance / vol20,
      stopDistanceSigma: stopDistance / vol20,
      patternHeightSigma,
      driftScore: score,
      driftPerBar,
      volatilityRegime: naturalVolRegime,
      trendRegime: naturalTrendRegime,
      plantedVolumeSurge: plantedSurge,
    },
  };
}

/** Next state of a 3-state regime chain: stay with probability `stay`, else move (mostly toward the middle). */
function nextRegime(rng: Prng, current: number, stay: number): number {
  if (rng.next() < stay) {
    return current;
  }
  if (current === 1) {
    return rng.chance(0.5) ? 0 : 2;
  }
  return rng.chance(0.85) ? 1 : 2 - current;
}

function weightedIndex(rng: Prng, weights: readonly number[]): number {
  let total = 0;
  for (const w of weights) {
    total += w;
  }
  let u = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i];
    if (u < 0) {
      return i;
    }
  }
  return weights.length - 1;
}

function ticker(rng: Prng): string {
  const len = rng.int(3, 4);
  let s = '';
  for (let k = 0; k < len; k++) {
    s += TICKER_LETTERS[rng.int(0, 25)];
  }
  return s;
}

function ratio(a: number, b: number): number {
  return b > 0 ? a / b : a > 0 ? Number.MAX_VALUE : 1;
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
