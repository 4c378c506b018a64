import { encodedPatternId, encodePredictionRow, realArrayLiteral } from './prediction-log.repository';
import type { PredictionRecord } from './prediction-record';

describe('realArrayLiteral', () => {
  it('writes every float32 so that it reads back as the same float32, non-finite values included', () => {
    const values = new Float32Array([
      0,
      -0.1,
      1 / 3,
      1e-45, // smallest subnormal
      1.17549435e-38,
      3.4028235e38, // largest finite
      -123456.789,
      0.30000001192092896,
      NaN,
      Infinity,
      -Infinity,
    ]);
    let seed = 7;
    const random = Array.from({ length: 2000 }, () => {
      seed = (seed * 16807) % 2147483647;
      return (seed / 2147483647 - 0.5) * 10 ** ((seed % 60) - 30);
    });
    for (const v of [values, new Float32Array(random)]) {
      const literal = realArrayLiteral(v);
      expect(literal.startsWith('{') && literal.endsWith('}')).toBe(true);
      const back = literal.slice(1, -1).split(',').map(Number);
      expect(back).toHaveLength(v.length);
      back.forEach((x, i) => expect(Object.is(Math.fround(x), v[i]) || (x === 0 && v[i] === 0)).toBe(true));
    }
  });
});

describe('encodePredictionRow', () => {
  const record: PredictionRecord = {
    created_at: new Date('2026-11-27T12:00:00.123Z'),
    pattern_id: 'ünïcödé "quoted" \\ id',
    symbol: 'ABC',
    pattern_type: 'double_bottom',
    timeframe: '1h',
    direction: 'bullish',
    instance_id: 'pod-1',
    model_version: null,
    feature_schema_version: 'v1',
    arm: 'control',
    source: 'rule_fallback',
    fallback_reason: 'control_arm',
    confidence: 0.5,
    confidence_ml: null,
    confidence_rule: 0.5,
    confidence_blended: null,
    passes_threshold: false,
    cache_hit: false,
    inference_latency_ms: Infinity,
    features: new Float32Array([1.5, NaN, -Infinity]),
  };

  it("writes the insert's columns in order; nulls stay null, non-finite numbers become castable strings", () => {
    const row = JSON.parse(encodePredictionRow(record).toString('utf8')) as unknown[];
    expect(row).toEqual([
      '2026-11-27T12:00:00.123Z',
      record.pattern_id,
      'ABC',
      'double_bottom',
      '1h',
      'bullish',
      'pod-1',
      null,
      'v1',
      'control',
      'rule_fallback',
      'control_arm',
      0.5,
      null,
      0.5,
      null,
      false,
      false,
      'Infinity',
      '{1.50000000,NaN,-Infinity}',
    ]);
  });

  it('gives back the pattern id of an encoded row, whatever its characters', () => {
    expect(encodedPatternId(encodePredictionRow(record))).toBe(record.pattern_id);
  });
});
