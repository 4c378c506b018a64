import { PATTERN_INPUT_KEYS } from './pattern-input.dto';
import {
  DIRECTIONS,
  MAX_CANDLES,
  MAX_PATTERN_ID_LENGTH,
  MAX_SYMBOL_LENGTH,
  MIN_CANDLES,
  PATTERN_TYPES,
  TIMEFRAMES,
} from '../feature-schema.constants';

/**
 * A shortcut through the rules of PatternInputDto for the common case, a valid body: class-validator
 * spends ≈ 60 µs per 200-candle request walking its metadata, this ≈ 5 µs. It is one-sided on
 * purpose: `true` means every rule holds; `false` means "not sure", and the decorators decide and
 * word the errors. So a rule that is awkward to mirror exactly (validator.js's string length counts
 * a surrogate pair as one character) is only taken on input where both readings agree (printable
 * ASCII), and anything else falls through. `pattern-input.fast-check.spec.ts` holds it to the
 * decorators: whatever it accepts, they accept.
 */
export function isPlainlyValidPatternInput(body: Record<string, unknown>): boolean {
  const keys = Object.keys(body);
  // All 12 fields present and nothing else: 12 own keys, each one of the 12 names (no duplicates in an object).
  if (keys.length !== PATTERN_INPUT_KEYS.size) {
    return false;
  }
  for (const key of keys) {
    if (!PATTERN_INPUT_KEYS.has(key)) {
      return false;
    }
  }
  const { direction, rule_confidence: rule, candles } = body;
  const start = body.pattern_start_index;
  const end = body.pattern_end_index;
  const breakout = body.breakout_price;
  const target = body.target_price;
  const stop = body.stop_price;
  if (
    !isPrintableAscii(body.pattern_id, MAX_PATTERN_ID_LENGTH) ||
    !isPrintableAscii(body.symbol, MAX_SYMBOL_LENGTH) ||
    !PATTERN_TYPE_SET.has(body.pattern_type as string) ||
    !DIRECTION_SET.has(direction as string) ||
    !TIMEFRAME_SET.has(body.timeframe as string) ||
    !isFiniteNumber(rule) ||
    rule < 0 ||
    rule > 1 ||
    !isPositiveFinite(breakout) ||
    !isPositiveFinite(target) ||
    !isPositiveFinite(stop) ||
    !Array.isArray(candles) ||
    candles.length < MIN_CANDLES ||
    candles.length > MAX_CANDLES ||
    !Number.isInteger(start) ||
    !Number.isInteger(end) ||
    (start as number) < 0 ||
    (start as number) >= (end as number) ||
    (end as number) > candles.length - 1
  ) {
    return false;
  }
  const geometryHolds =
    direction === 'bullish' ? target > breakout && stop < breakout : target < breakout && stop > breakout;
  return geometryHolds && areCandlesPlainlyValid(candles);
}

const PATTERN_TYPE_SET: ReadonlySet<string> = new Set(PATTERN_TYPES);
const DIRECTION_SET: ReadonlySet<string> = new Set(DIRECTIONS);
const TIMEFRAME_SET: ReadonlySet<string> = new Set(TIMEFRAMES);

const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isPositiveFinite = (value: unknown): value is number => isFiniteNumber(value) && value > 0;

/** 1..max characters, all in U+0020..U+007E: no control characters, and every length rule agrees. */
function isPrintableAscii(value: unknown, max: number): boolean {
  if (typeof value !== 'string' || value.length < 1 || value.length > max) {
    return false;
  }
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) {
      return false;
    }
  }
  return true;
}

/**
 * Every bar has exactly the own keys t, o, h, l, c, v with finite numbers, prices > 0, l <= min(o, c),
 * h >= max(o, c), v >= 0, and t a safe integer above the previous bar's.
 */
function areCandlesPlainlyValid(candles: unknown[]): boolean {
  let prevT = -Infinity;
  for (const bar of candles) {
    if (bar === null || typeof bar !== 'object' || !hasCandleKeys(bar)) {
      return false;
    }
    const { t, o, h, l, c, v } = bar as Record<string, unknown>;
    if (
      !isPositiveFinite(o) ||
      !isPositiveFinite(h) ||
      !isPositiveFinite(l) ||
      !isPositiveFinite(c) ||
      !isFiniteNumber(v) ||
      v < 0 ||
      l > (o < c ? o : c) ||
      h < (o > c ? o : c) ||
      !Number.isSafeInteger(t) ||
      (t as number) <= prevT
    ) {
      return false;
    }
    prevT = t as number;
  }
  return true;
}

const CANDLE_KEYS: ReadonlySet<string> = new Set(['t', 'o', 'h', 'l', 'c', 'v']);

/**
 * Own keys exactly t, o, h, l, c, v: six distinct keys, each one of the six (an array's keys are
 * indices, so arrays fail). The order clients send is compared first, without set lookups.
 */
function hasCandleKeys(bar: object): boolean {
  const keys = Object.keys(bar);
  if (keys.length !== 6) {
    return false;
  }
  if (keys[0] === 't' && keys[1] === 'o' && keys[2] === 'h' && keys[3] === 'l' && keys[4] === 'c' && keys[5] === 'v') {
    return true;
  }
  return keys.every((key) => CANDLE_KEYS.has(key));
}
