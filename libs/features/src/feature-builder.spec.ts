import fc from 'fast-check';
import { ATR, SMA } from 'technicalindicators';
import { buildFeatures, featuresToRecord, isFiniteVector, nonFiniteFeatures, writeFeatures } from './feature-builder';
import { FEATURE_COUNT, FEATURE_INDEX, FEATURE_NAMES, type FeatureName } from './feature-schema.constants';
import type { Candle, PatternInput } from './pattern-input.interface';
import { makeCandles, makeFlatCandles, makePatternInput, seededRandom } from './testing/pattern-input.factory';
import {
  closeTo,
  directReference,
  technicalIndicatorsReference,
  tradingSignalsReference,
  type ReferenceValues,
} from './testing/reference-features';

const SERIES = 300;
/** Seeded inputs of 60..400 candles; the first ten have exactly 60. */
const makeInputs = (): PatternInput[] =>
  Array.from({ length: SERIES }, (_, i) => makePatternInput(seededRandom(1000 + i), i < 10 ? { count: 60 } : {}));

/** Checked against technicalindicators (standard seeding, no rounding). */
const TECHNICAL_INDICATORS_FEATURES = [
  'atr_14_pct',
  'macd_pct',
  'macd_signal_pct',
  'macd_hist_pct',
  'stoch_k_14',
  'stoch_d_3',
  'cci_20',
  'adx_14',
  'sma_ratio_20',
  'sma_ratio_50',
  'sma20_sma50_ratio',
  'bb_percent_b_20',
  'bb_width_20',
  'obv_slope_20',
  'vwap_ratio_20',
] as const satisfies readonly FeatureName[];

/** Checked against trading-signals: technicalindicators rounds RSI/MFI to 2 decimals (and misclassifies flat MFI flow). */
const TRADING_SIGNALS_FEATURES = ['rsi_14', 'mfi_14'] as const satisfies readonly FeatureName[];

const DIRECT_FEATURES = FEATURE_NAMES.filter(
  (name) =>
    !(TECHNICAL_INDICATORS_FEATURES as readonly string[]).includes(name) &&
    !(TRADING_SIGNALS_FEATURES as readonly string[]).includes(name),
);

interface Mismatch {
  series: number;
  candles: number;
  actual: number;
  expected: number;
}

function mismatches(
  vectors: readonly Float32Array[],
  references: readonly ReferenceValues[],
  name: FeatureName,
  inputs: readonly PatternInput[],
): Mismatch[] {
  const found: Mismatch[] = [];
  vectors.forEach((vec, i) => {
    const expected = references[i][name];
    const actual = vec[FEATURE_INDEX[name]];
    if (expected === undefined || !closeTo(actual, expected)) {
      found.push({ series: i, candles: inputs[i].candles.length, actual, expected: expected ?? NaN });
    }
  });
  return found;
}

describe('buildFeatures: indicators agree with established packages', () => {
  const inputs = makeInputs();
  let vectors: Float32Array[];
  let tiReference: ReturnType<typeof technicalIndicatorsReference>[];
  let tsReference: ReferenceValues[];

  beforeAll(() => {
    vectors = inputs.map((input) => buildFeatures(input));
    tiReference = inputs.map((input) => technicalIndicatorsReference(input));
    tsReference = tradingSignalsReference(inputs);
  });

  it('covers every feature exactly once between packages and direct re-computation', () => {
    expect(new Set([...TECHNICAL_INDICATORS_FEATURES, ...TRADING_SIGNALS_FEATURES, ...DIRECT_FEATURES]).size).toBe(
      FEATURE_COUNT,
    );
    expect(DIRECT_FEATURES).toHaveLength(FEATURE_COUNT - 17);
  });

  it.each(TECHNICAL_INDICATORS_FEATURES)('%s matches technicalindicators to 1e-6 on 300 series', (name) => {
    expect(mismatches(vectors, tiReference, name, inputs)).toEqual([]);
  });

  it.each(TRADING_SIGNALS_FEATURES)('%s matches trading-signals to 1e-6 on 300 series', (name) => {
    expect(mismatches(vectors, tsReference, name, inputs)).toEqual([]);
  });

  it('macd_pct equals the difference of technicalindicators EMA12 and EMA26', () => {
    const off = vectors.filter((vec, i) => !closeTo(vec[FEATURE_INDEX.macd_pct], tiReference[i].ema_macd_pct));
    expect(off).toHaveLength(0);
  });

  it('keeps float64 precision when written into a Float64Array (1e-9)', () => {
    const out = new Float64Array(FEATURE_COUNT);
    const bad: string[] = [];
    inputs.slice(0, 50).forEach((input, i) => {
      writeFeatures(input, out);
      for (const name of TECHNICAL_INDICATORS_FEATURES) {
        if (!closeTo(out[FEATURE_INDEX[name]], tiReference[i][name] ?? NaN, 1e-9, 1e-6)) {
          bad.push(`${i}:${name}`);
        }
      }
    });
    expect(bad).toEqual([]);
  });

  it('would notice a neighbouring definition (ATR(13), SMA(19)): the comparison can fail', () => {
    const input = inputs[42];
    const close = input.candles.map((bar) => bar.c);
    const c = close[close.length - 1];
    const atr13 = ATR.calculate({
      high: input.candles.map((bar) => bar.h),
      low: input.candles.map((bar) => bar.l),
      close,
      period: 13,
    });
    const sma19 = SMA.calculate({ period: 19, values: close });
    const vec = vectors[42];
    expect(closeTo(vec[FEATURE_INDEX.atr_14_pct], atr13[atr13.length - 1] / c)).toBe(false);
    expect(closeTo(vec[FEATURE_INDEX.sma_ratio_20], c / sma19[sma19.length - 1] - 1)).toBe(false);
  });
});

describe('buildFeatures: other features against a direct re-computation', () => {
  const inputs = makeInputs();
  const vectors = inputs.map((input) => buildFeatures(input));
  const references = inputs.map((input) => directReference(input));

  it.each(DIRECT_FEATURES)('%s matches on 300 series', (name) => {
    expect(mismatches(vectors, references, name, inputs)).toEqual([]);
  });

  it('produces finite vectors for ordinary inputs (zero-volume bars, dojis and unchanged closes included)', () => {
    // The only expected gap: a pattern that starts at bar 0 has no bars before it.
    const unexpected = vectors
      .map((vec, i) => ({
        series: i,
        names: nonFiniteFeatures(vec).filter(
          (name) => !(name === 'pattern_volume_ratio' && inputs[i].pattern_start_index === 0),
        ),
      }))
      .filter(({ names }) => names.length > 0);
    expect(unexpected).toEqual([]);
  });
});

describe('buildFeatures: invariants (fast-check)', () => {
  const inputFrom = (seed: number, count?: number): PatternInput =>
    makePatternInput(seededRandom(seed), count === undefined ? {} : { count });

  it('keeps bounded features in range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 60, max: 300 }), (seed, count) => {
        const f = featuresToRecord(buildFeatures(inputFrom(seed, count)));
        for (const name of ['rsi_14', 'stoch_k_14', 'stoch_d_3', 'adx_14', 'mfi_14'] as const) {
          expect(f[name]).toBeGreaterThanOrEqual(0);
          expect(f[name]).toBeLessThanOrEqual(100);
        }
        for (const name of ['r2_20', 'up_volume_share_20', 'close_location', 'body_pct'] as const) {
          expect(f[name]).toBeGreaterThanOrEqual(0);
          expect(f[name]).toBeLessThanOrEqual(1);
        }
        expect(Math.abs(f.cci_20 ?? Infinity)).toBeLessThanOrEqual(2000 / 3 + 1e-3);
        expect(f.dist_high_20).toBeLessThanOrEqual(0);
        expect(f.dist_low_20).toBeGreaterThanOrEqual(0);
        expect(f.bars_since_pattern_end).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it('is exactly invariant to scaling prices and volumes by powers of two', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: -8, max: 8 }), (seed, exponent) => {
        const input = inputFrom(seed);
        const k = 2 ** exponent;
        const scaled: PatternInput = {
          ...input,
          breakout_price: input.breakout_price * k,
          target_price: input.target_price * k,
          stop_price: input.stop_price * k,
          candles: input.candles.map((bar) => ({
            ...bar,
            o: bar.o * k,
            h: bar.h * k,
            l: bar.l * k,
            c: bar.c * k,
            v: bar.v * k,
          })),
        };
        expect(Array.from(buildFeatures(scaled))).toEqual(Array.from(buildFeatures(input)));
      }),
      { numRuns: 100, seed: 11 },
    );
  });

  it('window features do not depend on history before their window', () => {
    const input = inputFrom(99, 200);
    const truncated: PatternInput = {
      ...input,
      candles: input.candles.slice(100),
      pattern_start_index: input.pattern_start_index - 100,
      pattern_end_index: input.pattern_end_index - 100,
    };
    const a = featuresToRecord(buildFeatures(input));
    const b = featuresToRecord(buildFeatures(truncated));
    for (const name of [
      'ret_20',
      'vol_20',
      'cci_20',
      'bb_width_20',
      'stoch_d_3',
      'slope_50',
      'obv_slope_20',
    ] as const) {
      expect(b[name]).toBe(a[name]);
    }
  });
});

describe('buildFeatures: degenerate inputs (documented conventions)', () => {
  const flatInput = (candles: Candle[], overrides: Partial<PatternInput> = {}): PatternInput => ({
    pattern_id: 'flat',
    symbol: 'FLAT',
    pattern_type: 'double_bottom',
    direction: 'bullish',
    timeframe: '1d',
    rule_confidence: 0.5,
    pattern_start_index: 20,
    pattern_end_index: candles.length - 5,
    breakout_price: 99,
    target_price: 110,
    stop_price: 95,
    candles,
    ...overrides,
  });

  it('flat prices with volume give the documented finite values', () => {
    const f = featuresToRecord(buildFeatures(flatInput(makeFlatCandles(60))));
    expect(f).toEqual({
      ret_1: 0,
      ret_5: 0,
      ret_10: 0,
      ret_20: 0,
      vol_10: 0,
      vol_20: 0,
      atr_14_pct: 0,
      range_mean_10: 0,
      rsi_14: 50,
      macd_pct: 0,
      macd_signal_pct: 0,
      macd_hist_pct: 0,
      stoch_k_14: 50,
      stoch_d_3: 50,
      cci_20: 0,
      adx_14: 0,
      mfi_14: 50,
      sma_ratio_20: 0,
      sma_ratio_50: 0,
      sma20_sma50_ratio: 0,
      slope_20: 0,
      slope_50: 0,
      r2_20: 0,
      bb_percent_b_20: 0.5,
      bb_width_20: 0,
      volume_ratio_20: 1,
      volume_ratio_5_20: 1,
      volume_slope_20: 0,
      up_volume_share_20: 0,
      obv_slope_20: 0,
      vwap_ratio_20: 0,
      dist_high_20: 0,
      dist_low_20: 0,
      dist_high_50: 0,
      dist_low_50: 0,
      gap_pct: 0,
      body_pct: 0,
      upper_wick_pct: 0,
      lower_wick_pct: 0,
      close_location: 0.5,
      pattern_bars: 36,
      pattern_height_pct: 0,
      bars_since_pattern_end: 4,
      breakout_distance_pct: Math.fround(0.01),
      target_distance_pct: Math.fround(0.1),
      stop_distance_pct: Math.fround(0.05),
      reward_risk: Math.fround(0.1 / 0.05),
      pattern_volume_ratio: 1,
      rule_confidence: 0.5,
      direction: 1,
      timeframe_log_minutes: Math.fround(Math.log10(1440)),
      pattern_is_reversal: 1,
    });
  });

  it('flat prices at awkward values (0.1, 1/3) still give exact conventions', () => {
    for (const price of [0.1, 1 / 3, 12345.6789]) {
      const f = featuresToRecord(buildFeatures(flatInput(makeFlatCandles(80, price), { breakout_price: price })));
      expect([f.bb_percent_b_20, f.bb_width_20, f.cci_20, f.r2_20, f.macd_pct, f.sma_ratio_50]).toEqual([
        0.5, 0, 0, 0, 0, 0,
      ]);
    }
  });

  it('zero volume makes exactly the volume-denominated features NaN', () => {
    const candles = makeCandles(seededRandom(3), { count: 60, zeroVolumeProbability: 1 });
    const c = candles[59].c;
    const vec = buildFeatures(
      flatInput(candles, { breakout_price: c * 0.99, target_price: c * 1.1, stop_price: c * 0.95 }),
    );
    expect(isFiniteVector(vec)).toBe(false);
    expect(nonFiniteFeatures(vec).sort()).toEqual(
      [
        'mfi_14',
        'volume_ratio_20',
        'volume_ratio_5_20',
        'volume_slope_20',
        'up_volume_share_20',
        'obv_slope_20',
        'vwap_ratio_20',
        'pattern_volume_ratio',
      ].sort(),
    );
  });

  it('volume only outside the last 20 bars still makes the 20-bar volume features NaN but not pattern_volume_ratio', () => {
    const candles = makeCandles(seededRandom(4), { count: 60, zeroVolumeProbability: 0 }).map((bar, i) =>
      i >= 40 ? { ...bar, v: 0 } : bar,
    );
    const names = nonFiniteFeatures(
      buildFeatures(flatInput(candles, { pattern_start_index: 30, pattern_end_index: 50 })),
    );
    expect(names).toContain('vwap_ratio_20');
    expect(names).toContain('mfi_14');
    expect(names).not.toContain('pattern_volume_ratio');
  });

  it('rising-only and falling-only closes give RSI 100 and 0', () => {
    const up = makeFlatCandles(60).map((bar, i) => ({ ...bar, o: 100 + i, h: 100 + i, l: 100 + i, c: 100 + i }));
    const down = makeFlatCandles(60).map((bar, i) => ({ ...bar, o: 200 - i, h: 200 - i, l: 200 - i, c: 200 - i }));
    expect(
      buildFeatures(flatInput(up, { breakout_price: 150, target_price: 170, stop_price: 140 }))[FEATURE_INDEX.rsi_14],
    ).toBe(100);
    expect(
      buildFeatures(flatInput(down, { breakout_price: 150, target_price: 170, stop_price: 140 }))[FEATURE_INDEX.rsi_14],
    ).toBe(0);
  });

  it('a last bar with h = l gives body/wicks 0 and close_location 0.5', () => {
    const candles = makeCandles(seededRandom(5), { count: 70 });
    const last = candles[candles.length - 1];
    candles[candles.length - 1] = { ...last, o: last.c, h: last.c, l: last.c };
    const f = featuresToRecord(
      buildFeatures(
        flatInput(candles, { breakout_price: last.c * 0.99, target_price: last.c * 1.1, stop_price: last.c * 0.9 }),
      ),
    );
    expect([f.body_pct, f.upper_wick_pct, f.lower_wick_pct, f.close_location]).toEqual([0, 0, 0, 0.5]);
    expect(
      isFiniteVector(
        buildFeatures(
          flatInput(candles, { breakout_price: last.c * 0.99, target_price: last.c * 1.1, stop_price: last.c * 0.9 }),
        ),
      ),
    ).toBe(true);
  });

  it('reward_risk is NaN when the stop distance is <= 0 (price at or through the stop)', () => {
    const flat = makeFlatCandles(60);
    const atStop = buildFeatures(flatInput(flat, { breakout_price: 101, target_price: 110, stop_price: 100 }));
    const bearishThrough = buildFeatures(
      flatInput(flat, { direction: 'bearish', breakout_price: 97, target_price: 90, stop_price: 99 }),
    );
    expect(atStop[FEATURE_INDEX.stop_distance_pct]).toBe(0);
    expect(Number.isNaN(atStop[FEATURE_INDEX.reward_risk])).toBe(true);
    expect(bearishThrough[FEATURE_INDEX.stop_distance_pct]).toBeLessThan(0);
    expect(nonFiniteFeatures(bearishThrough)).toEqual(['reward_risk']);
    expect(bearishThrough[FEATURE_INDEX.direction]).toBe(-1);
  });

  it('pattern_volume_ratio is NaN when the pattern starts at bar 0 or the bars before it have no volume', () => {
    const flat = makeFlatCandles(60);
    expect(nonFiniteFeatures(buildFeatures(flatInput(flat, { pattern_start_index: 0 })))).toEqual([
      'pattern_volume_ratio',
    ]);
    const quietBefore = flat.map((bar, i) => (i < 20 ? { ...bar, v: 0 } : bar));
    expect(nonFiniteFeatures(buildFeatures(flatInput(quietBefore, { pattern_start_index: 20 })))).toEqual([
      'pattern_volume_ratio',
    ]);
    // only 5 bars before the pattern: their mean is the denominator
    const ramp = flat.map((bar, i) => ({ ...bar, v: i < 5 ? 10 : 40 }));
    expect(buildFeatures(flatInput(ramp, { pattern_start_index: 5 }))[FEATURE_INDEX.pattern_volume_ratio]).toBe(4);
  });

  it('exactly 60 candles: finite, and continuation types are not reversals', () => {
    const input = makePatternInput(seededRandom(8), { count: 60, pattern_type: 'bull_flag', timeframe: '5m' });
    const vec = buildFeatures(input);
    expect(isFiniteVector(vec)).toBe(true);
    expect(vec[FEATURE_INDEX.pattern_is_reversal]).toBe(0);
    expect(vec[FEATURE_INDEX.timeframe_log_minutes]).toBe(Math.fround(Math.log10(5)));
  });

  it('refuses inputs it cannot compute from, with a RangeError naming the problem', () => {
    const input = makePatternInput(seededRandom(9), { count: 60 });
    expect(() => buildFeatures({ ...input, candles: input.candles.slice(0, 49), pattern_end_index: 40 })).toThrow(
      /at least 50 candles/,
    );
    expect(() => buildFeatures({ ...input, pattern_end_index: 60 })).toThrow(/pattern_end_index/);
    expect(() => buildFeatures({ ...input, pattern_start_index: 30, pattern_end_index: 30 })).toThrow(RangeError);
    expect(() => writeFeatures(input, new Float32Array(60), 10)).toThrow(/no room/);
  });
});

describe('writeFeatures / featuresToRecord / isFiniteVector', () => {
  it('writes rows of a matrix identical to buildFeatures', () => {
    const inputs = [1, 2, 3].map((seed) => makePatternInput(seededRandom(seed)));
    const matrix = new Float32Array(3 * FEATURE_COUNT);
    inputs.forEach((input, row) => writeFeatures(input, matrix, row * FEATURE_COUNT));
    inputs.forEach((input, row) =>
      expect(Array.from(matrix.subarray(row * FEATURE_COUNT, (row + 1) * FEATURE_COUNT))).toEqual(
        Array.from(buildFeatures(input)),
      ),
    );
  });

  it('maps names in schema order and non-finite values to null', () => {
    const vec = new Float32Array(FEATURE_COUNT).map((_, i) => i);
    vec[FEATURE_INDEX.reward_risk] = NaN;
    vec[FEATURE_INDEX.mfi_14] = Infinity;
    const record = featuresToRecord(vec);
    expect(Object.keys(record)).toEqual([...FEATURE_NAMES]);
    expect(record.ret_1).toBe(0);
    expect(record.pattern_is_reversal).toBe(51);
    expect(record.reward_risk).toBeNull();
    expect(record.mfi_14).toBeNull();
  });

  it('isFiniteVector needs 52 finite entries', () => {
    expect(isFiniteVector(new Float32Array(FEATURE_COUNT))).toBe(true);
    expect(isFiniteVector(new Float32Array(FEATURE_COUNT - 1))).toBe(false);
    const withInf = new Float32Array(FEATURE_COUNT);
    withInf[3] = -Infinity;
    expect(isFiniteVector(withInf)).toBe(false);
    expect(nonFiniteFeatures(withInf)).toEqual(['ret_20']);
  });
});
