import {
  PATTERN_TYPES,
  REVERSAL_PATTERN_TYPES,
  TIMEFRAME_MINUTES,
  TIMEFRAMES,
} from '@app/features/feature-schema.constants';
import type { PatternInput } from '@app/features/pattern-input.interface';
import { generatePattern, generatePatterns, iteratePatterns } from './pattern-generator.util';
import { Prng } from './prng';

const BEARISH = new Set([
  'head_and_shoulders',
  'double_top',
  'triple_top',
  'rising_wedge',
  'descending_triangle',
  'bear_flag',
]);

/** Every DESIGN §4 rule the service validates, written out; returns the broken ones. */
function contractViolations(p: PatternInput): string[] {
  const errors: string[] = [];
  const { candles } = p;
  const last = candles.length - 1;
  if (typeof p.pattern_id !== 'string' || p.pattern_id.length < 1 || p.pattern_id.length > 128) {
    errors.push('pattern_id');
  }
  if (p.symbol.length < 1 || p.symbol.length > 32) {
    errors.push('symbol');
  }
  if (!PATTERN_TYPES.includes(p.pattern_type)) {
    errors.push('pattern_type');
  }
  if (!TIMEFRAMES.includes(p.timeframe)) {
    errors.push('timeframe');
  }
  if (!(p.rule_confidence >= 0 && p.rule_confidence <= 1)) {
    errors.push('rule_confidence');
  }
  if (candles.length < 60 || candles.length > 1000) {
    errors.push('candles.length');
  }
  const step = TIMEFRAME_MINUTES[p.timeframe] * 60_000;
  candles.forEach((c, i) => {
    const values = [c.t, c.o, c.h, c.l, c.c, c.v];
    if (!values.every(Number.isFinite)) {
      errors.push(`candles[${i}] not finite`);
    }
    if (i > 0 && !(c.t > candles[i - 1].t && c.t - candles[i - 1].t === step)) {
      errors.push(`candles[${i}].t`);
    }
    if (!(c.l <= Math.min(c.o, c.c) && c.h >= Math.max(c.o, c.c))) {
      errors.push(`candles[${i}] ohlc`);
    }
    if (!(c.o > 0 && c.h > 0 && c.l > 0 && c.c > 0 && c.v >= 0)) {
      errors.push(`candles[${i}] sign`);
    }
  });
  if (!Number.isInteger(p.pattern_start_index) || !Number.isInteger(p.pattern_end_index)) {
    errors.push('indices not integers');
  }
  if (!(p.pattern_start_index >= 0 && p.pattern_start_index < p.pattern_end_index && p.pattern_end_index <= last)) {
    errors.push('indices order');
  }
  if (last - p.pattern_end_index > 5) {
    errors.push('bars_since_pattern_end');
  }
  const prices = [p.breakout_price, p.target_price, p.stop_price];
  if (!prices.every((x) => Number.isFinite(x) && x > 0)) {
    errors.push('geometry prices');
  }
  if (p.direction === 'bullish' && !(p.target_price > p.breakout_price && p.breakout_price > p.stop_price)) {
    errors.push('bullish geometry');
  }
  if (p.direction === 'bearish' && !(p.target_price < p.breakout_price && p.breakout_price < p.stop_price)) {
    errors.push('bearish geometry');
  }
  const expected = BEARISH.has(p.pattern_type) ? 'bearish' : 'bullish';
  if (p.pattern_type !== 'symmetrical_triangle' && p.direction !== expected) {
    errors.push('direction');
  }
  // Not a §4 rule, but the generator promises the detection close sits between stop and target.
  const close = candles[last].c;
  const dir = p.direction === 'bullish' ? 1 : -1;
  if (!(dir * (p.target_price - close) > 0 && dir * (close - p.stop_price) > 0)) {
    errors.push('close outside stop..target');
  }
  return errors;
}

describe('generatePatterns', () => {
  it('is byte-identical for the same seed and options, and different for another seed', () => {
    // Arrange
    const opts = { candleCount: 120 };

    // Act
    const a = JSON.stringify(generatePatterns(2024, 50, opts));
    const b = JSON.stringify(generatePatterns(2024, 50, opts));
    const c = JSON.stringify(generatePatterns(2025, 50, opts));

    // Assert
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('makes pattern i depend only on (seed, i): prefixes and the stream agree', () => {
    const many = generatePatterns(7, 30);
    const few = generatePatterns(7, 10);
    const stream = iteratePatterns(7);
    const streamed = Array.from({ length: 30 }, () => stream.next().value);
    expect(JSON.stringify(few)).toBe(JSON.stringify(many.slice(0, 10)));
    expect(JSON.stringify(streamed)).toBe(JSON.stringify(many));
    expect(many.map((p) => p.input.pattern_id)).toEqual(Array.from({ length: 30 }, (_, i) => `sim-7-${i}`));
  });

  it('produces all 14 pattern types, both directions of symmetrical triangles, and mostly 1h/4h/1d', () => {
    const patterns = generatePatterns(11, 2000);
    const types = new Set(patterns.map((p) => p.input.pattern_type));
    expect([...types].sort()).toEqual([...PATTERN_TYPES].sort());
    const symmetrical = patterns.filter((p) => p.input.pattern_type === 'symmetrical_triangle');
    expect(new Set(symmetrical.map((p) => p.input.direction)).size).toBe(2);
    const main = patterns.filter((p) => ['1h', '4h', '1d'].includes(p.input.timeframe)).length;
    expect(main / patterns.length).toBeGreaterThan(0.55);
    expect(new Set(patterns.map((p) => p.input.timeframe)).size).toBe(TIMEFRAMES.length);
  });

  it('satisfies every DESIGN §4 rule for thousands of patterns and unique ids', () => {
    const patterns = generatePatterns(3, 3000);
    const bad = patterns
      .map((p) => ({ id: p.input.pattern_id, errors: contractViolations(p.input) }))
      .filter((x) => x.errors.length > 0);
    expect(bad).toEqual([]);
    expect(new Set(patterns.map((p) => p.input.pattern_id)).size).toBe(patterns.length);
  });

  it.each([60, 61, 200, 1000])('satisfies §4 with %i candles on every timeframe', (candleCount) => {
    for (const timeframe of TIMEFRAMES) {
      const patterns = generatePatterns(candleCount, 40, { candleCount, timeframe });
      for (const p of patterns) {
        expect(p.input.candles).toHaveLength(candleCount);
        expect(p.input.timeframe).toBe(timeframe);
        expect(contractViolations(p.input)).toEqual([]);
      }
    }
  });

  it('keeps §4 under extreme drift options', () => {
    const extremes = [
      { volatilityRegime: 'high' as const, trend: 'down' as const },
      { volatilityRegime: 4, trend: 0.01, volumeMultiplier: 100 },
      { volatilityRegime: 0.2, trend: -0.01, volumeMultiplier: 0.01, recentBars: 5 },
      { trend: 'flat' as const, recentBars: 1, candleCount: 60 },
    ];
    for (const opts of extremes) {
      for (const p of generatePatterns(99, 300, opts)) {
        expect(contractViolations(p.input)).toEqual([]);
      }
    }
  });

  it('resolves each outcome within the horizon and reports the latent drivers', () => {
    for (const p of generatePatterns(5, 500, { horizonBars: 15 })) {
      expect([0, 1]).toContain(p.outcome);
      expect(p.outcomeBarsToResolution).toBeGreaterThanOrEqual(1);
      expect(p.outcomeBarsToResolution).toBeLessThanOrEqual(15);
      expect(Object.values(p.latent).every((v) => typeof v === 'string' || Number.isFinite(v))).toBe(true);
      expect(p.latent.quality).toBeGreaterThanOrEqual(0);
      expect(p.latent.quality).toBeLessThanOrEqual(1);
    }
  });

  it('honours patternTypes, timeframe, symbol and startTime', () => {
    const startTime = Date.UTC(2020, 0, 1);
    const patterns = generatePatterns(1, 200, {
      patternTypes: REVERSAL_PATTERN_TYPES,
      timeframe: '4h',
      symbol: 'TEST',
      startTime,
    });
    for (const p of patterns) {
      expect(REVERSAL_PATTERN_TYPES).toContain(p.input.pattern_type);
      expect(p.input.symbol).toBe('TEST');
      expect(p.input.candles[0].t).toBe(startTime);
      expect(p.input.candles[1].t - p.input.candles[0].t).toBe(4 * 3_600_000);
    }
  });

  it('reports progress and refuses bad options', () => {
    const calls: Array<[number, number]> = [];
    generatePatterns(1, 600, {}, (done, total) => calls.push([done, total]));
    expect(calls).toEqual([
      [256, 600],
      [512, 600],
      [600, 600],
    ]);
    expect(() => generatePatterns(1, 1, { candleCount: 59 })).toThrow(RangeError);
    expect(() => generatePatterns(1, 1, { candleCount: 1001 })).toThrow(RangeError);
    expect(() => generatePatterns(1, 1, { patternTypes: [] })).toThrow(RangeError);
    expect(() => generatePatterns(1, 1, { volumeMultiplier: 0 })).toThrow(RangeError);
    expect(() => generatePatterns(1, 1, { volatilityRegime: -1 })).toThrow(RangeError);
    expect(() => generatePatterns(1, 1, { recentBars: 0 })).toThrow(RangeError);
    expect(() => generatePatterns(1.5, 1)).toThrow(RangeError);
    expect(() => generatePatterns(1, -1)).toThrow(RangeError);
  });
});

describe('generatePattern', () => {
  it('draws from the given generator and uses the given pattern_id', () => {
    const a = generatePattern(new Prng(5), { patternId: 'abc' });
    const b = generatePattern(new Prng(5), { patternId: 'abc' });
    const c = generatePattern(new Prng(5));
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.input.pattern_id).toBe('abc');
    expect(c.input.pattern_id).toMatch(/^sim-[0-9a-f]{8}$/);
    expect(contractViolations(a.input)).toEqual([]);
  });
});
