import fc from 'fast-check';
import { buildFeatures, isFiniteVector, PATTERN_INPUT_FIELDS, PatternInput, validatePatternInput } from '@app/features';
import { generatePatterns } from '@app/simulation';
import { blend, passesThreshold } from './blending.util';

const POLICY = { mlWeight: 0.6, ruleWeight: 0.4, threshold: 0.55 };
const BASE = generatePatterns(2024, 20).map((p) => p.input);

/** Any JSON-ish value, including the nasty numbers JSON cannot carry but a caller's code might produce. */
const anyValue = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 1e308, -1e308, 5e-324),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.double(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);

/** Every top-level field but the candles, which are mutated value by value below. */
const FIELDS = PATTERN_INPUT_FIELDS.filter((f) => f !== 'candles');

/** A valid request with a few fields and candle values replaced by arbitrary values. */
const mutated = fc
  .record({
    base: fc.integer({ min: 0, max: BASE.length - 1 }),
    fields: fc.array(fc.tuple(fc.constantFrom(...FIELDS), anyValue), { maxLength: 2 }),
    candles: fc.array(fc.tuple(fc.nat(), fc.constantFrom('t', 'o', 'h', 'l', 'c', 'v'), anyValue), { maxLength: 2 }),
    scale: fc.constantFrom(1, 1e-6, 1e6, 0.5),
  })
  .map(({ base, fields, candles, scale }) => {
    const b = BASE[base];
    const body: Record<string, unknown> = {
      ...b,
      breakout_price: b.breakout_price * scale,
      target_price: b.target_price * scale,
      stop_price: b.stop_price * scale,
      candles: b.candles.map((c) => ({ ...c, o: c.o * scale, h: c.h * scale, l: c.l * scale, c: c.c * scale })),
    };
    for (const [k, v] of fields) {
      body[k] = v;
    }
    const cs = body.candles as Array<Record<string, unknown>>;
    for (const [i, k, v] of candles) {
      cs[i % cs.length][k] = v;
    }
    return body;
  });

/** What the service answers for a validated input, for any model output in [0, 1] (or none). */
function served(input: PatternInput, ml: number | null): number {
  const features = buildFeatures(input);
  return ml !== null && isFiniteVector(features) ? blend(ml, input.rule_confidence, POLICY) : input.rule_confidence;
}

describe('validation + feature builder + blend (property-based)', () => {
  it('never throws past validation and never yields a non-finite confidence', () => {
    let accepted = 0;
    fc.assert(
      fc.property(mutated, fc.option(fc.double({ min: 0, max: 1, noNaN: true })), (body, ml) => {
        const { value, errors } = validatePatternInput(body);
        if (!value) {
          expect(errors.length).toBeGreaterThan(0);
          return;
        }
        accepted++;
        const confidence = served(value, ml);
        expect(Number.isFinite(confidence)).toBe(true);
        expect(confidence).toBeGreaterThanOrEqual(0);
        expect(confidence).toBeLessThanOrEqual(1);
        expect(typeof passesThreshold(confidence, POLICY)).toBe('boolean');
      }),
      { numRuns: 400, seed: 424242 },
    );
    // The property must also exercise the scoring path, not only refusals.
    expect(accepted).toBeGreaterThan(25);
  });

  it('accepts every unmutated simulated request', () => {
    for (const b of BASE) {
      expect(validatePatternInput(b).errors).toEqual([]);
    }
  });
});
