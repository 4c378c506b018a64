import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';
import type { Direction } from '../feature-schema.constants';

/** Constraint name of the candles check; its message lists one problem per `CANDLE_PROBLEM_SEPARATOR`. */
export const CANDLE_SERIES_CONSTRAINT = 'isValidCandleSeries';
export const CANDLE_PROBLEM_SEPARATOR = '; ';
/** At most this many candle problems are listed; the rest are counted. */
export const MAX_CANDLE_PROBLEMS = 20;

const CANDLE_KEYS: ReadonlySet<string> = new Set(['t', 'o', 'h', 'l', 'c', 'v']);
const PRICE_KEYS = ['o', 'h', 'l', 'c'] as const;

const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/**
 * Every problem of a candle array, each naming the field and index (`candles[5].t must be greater
 * than candles[4].t`), in one pass; stops collecting text after `limit` problems but keeps counting.
 */
export function findCandleProblems(
  candles: readonly unknown[],
  limit = MAX_CANDLE_PROBLEMS,
): { problems: string[]; total: number } {
  const problems: string[] = [];
  let total = 0;
  const add = (message: string): void => {
    total++;
    if (problems.length < limit) {
      problems.push(message);
    }
  };
  let prevT = NaN;
  for (let i = 0; i < candles.length; i++) {
    const bar = candles[i];
    if (bar === null || typeof bar !== 'object' || Array.isArray(bar)) {
      add(`candles[${i}] must be an object with t, o, h, l, c, v`);
      prevT = NaN;
      continue;
    }
    const record = bar as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!CANDLE_KEYS.has(key)) {
        add(`candles[${i}].${key} should not exist`);
      }
    }
    let pricesValid = true;
    for (const key of PRICE_KEYS) {
      const value = record[key];
      if (!isFiniteNumber(value)) {
        add(`candles[${i}].${key} must be a finite number`);
        pricesValid = false;
      } else if (value <= 0) {
        add(`candles[${i}].${key} must be > 0`);
        pricesValid = false;
      }
    }
    if (pricesValid) {
      const o = record.o as number;
      const h = record.h as number;
      const l = record.l as number;
      const c = record.c as number;
      if (l > (o < c ? o : c)) {
        add(`candles[${i}].l must be <= min(o, c)`);
      }
      if (h < (o > c ? o : c)) {
        add(`candles[${i}].h must be >= max(o, c)`);
      }
    }
    const v = record.v;
    if (!isFiniteNumber(v)) {
      add(`candles[${i}].v must be a finite number`);
    } else if (v < 0) {
      add(`candles[${i}].v must be >= 0`);
    }
    const t = record.t;
    if (!isFiniteNumber(t) || !Number.isSafeInteger(t)) {
      add(`candles[${i}].t must be an integer (epoch milliseconds)`);
      prevT = NaN;
    } else {
      if (t <= prevT) {
        add(`candles[${i}].t must be greater than candles[${i - 1}].t`);
      }
      prevT = t;
    }
  }
  return { problems, total };
}

/**
 * The whole candle series in one pass: finite positive prices, `l <= min(o, c)`, `h >= max(o, c)`,
 * `v >= 0`, integer strictly increasing `t`, no unknown fields. Array length is checked separately.
 */
export function IsValidCandleSeries(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: CANDLE_SERIES_CONSTRAINT,
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => !Array.isArray(value) || findCandleProblems(value, 0).total === 0,
        defaultMessage: (args?: ValidationArguments) => {
          const value: unknown = args?.value;
          if (!Array.isArray(value)) {
            return 'candles must be an array';
          }
          const { problems, total } = findCandleProblems(value);
          if (total > problems.length) {
            problems.push(`candles has ${total - problems.length} more invalid values not listed`);
          }
          return problems.join(CANDLE_PROBLEM_SEPARATOR);
        },
      },
    });
  };
}

type Fields = Record<string, unknown>;

function registerCrossField(
  name: string,
  check: (object: Fields) => string | null,
  options?: ValidationOptions,
): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (_value: unknown, args?: ValidationArguments) => check(args?.object as Fields) === null,
        defaultMessage: (args?: ValidationArguments) => check(args?.object as Fields) ?? `${name} failed`,
      },
    });
  };
}

/** `pattern_start_index < pattern_end_index` (checked only when both are integers). */
export function IsBeforePatternEnd(options?: ValidationOptions): PropertyDecorator {
  return registerCrossField(
    'isBeforePatternEnd',
    ({ pattern_start_index: start, pattern_end_index: end }) =>
      Number.isInteger(start) && Number.isInteger(end) && (start as number) >= (end as number)
        ? `pattern_start_index must be < pattern_end_index (got ${String(start)} >= ${String(end)})`
        : null,
    options,
  );
}

/** `pattern_end_index <= candles.length − 1` (checked when the index is an integer and candles an array). */
export function IsWithinCandles(options?: ValidationOptions): PropertyDecorator {
  return registerCrossField(
    'isWithinCandles',
    ({ pattern_end_index: end, candles }) =>
      Number.isInteger(end) && Array.isArray(candles) && (end as number) > candles.length - 1
        ? `pattern_end_index must be <= last candle index (${candles.length - 1})`
        : null,
    options,
  );
}

const directionOf = (value: unknown): Direction | null => (value === 'bullish' || value === 'bearish' ? value : null);

/** Bullish: `target_price > breakout_price`; bearish: `target_price < breakout_price`. */
export function IsTargetBeyondBreakout(options?: ValidationOptions): PropertyDecorator {
  return registerCrossField(
    'isTargetBeyondBreakout',
    ({ direction, target_price: target, breakout_price: breakout }) => {
      const dir = directionOf(direction);
      if (dir === null || !isFiniteNumber(target) || !isFiniteNumber(breakout)) {
        return null;
      }
      if (dir === 'bullish' && !(target > breakout)) {
        return `target_price must be > breakout_price for a bullish pattern (target_price > breakout_price > stop_price; got ${target} <= ${breakout})`;
      }
      if (dir === 'bearish' && !(target < breakout)) {
        return `target_price must be < breakout_price for a bearish pattern (target_price < breakout_price < stop_price; got ${target} >= ${breakout})`;
      }
      return null;
    },
    options,
  );
}

/** Bullish: `stop_price < breakout_price`; bearish: `stop_price > breakout_price`. */
export function IsStopBehindBreakout(options?: ValidationOptions): PropertyDecorator {
  return registerCrossField(
    'isStopBehindBreakout',
    ({ direction, stop_price: stop, breakout_price: breakout }) => {
      const dir = directionOf(direction);
      if (dir === null || !isFiniteNumber(stop) || !isFiniteNumber(breakout)) {
        return null;
      }
      if (dir === 'bullish' && !(stop < breakout)) {
        return `stop_price must be < breakout_price for a bullish pattern (target_price > breakout_price > stop_price; got ${stop} >= ${breakout})`;
      }
      if (dir === 'bearish' && !(stop > breakout)) {
        return `stop_price must be > breakout_price for a bearish pattern (target_price < breakout_price < stop_price; got ${stop} <= ${breakout})`;
      }
      return null;
    },
    options,
  );
}
