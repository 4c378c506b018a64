import fc from 'fast-check';
import { DIRECTIONS, PATTERN_TYPES, TIMEFRAMES } from '../feature-schema.constants';
import { makePatternInput, seededRandom } from '../testing/pattern-input.factory';
import { isPlainlyValidPatternInput } from './pattern-input.fast-check';
import { PATTERN_INPUT_FIELDS, PatternInputDto } from './pattern-input.dto';
import { validatePatternInput, validateWithDecorators } from './validate-pattern-input.util';

type Body = Record<string, unknown> & { candles: Array<Record<string, unknown>> };

/** A request body as it arrives (JSON round trip), from the seeded factory. */
function bodyOf(seed: number, count = 80, direction: 'bullish' | 'bearish' = 'bullish'): Body {
  const input = makePatternInput(seededRandom(seed), { count, direction });
  return JSON.parse(JSON.stringify(input)) as Body;
}

const BASES = [bodyOf(1), bodyOf(2, 60, 'bearish'), bodyOf(3, 200), bodyOf(4, 61, 'bearish')];

/** Values near every rule's edge, plus the types JSON can carry and a few it cannot. */
const edgeValue = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 0.5, 1.0000000001, 0.9999999999, 59, 60, 61, 79, 80, 127, 128, 129),
  fc.constantFrom(NaN, Infinity, -Infinity, 5e-324, 1e308, 2 ** 53, 2 ** 53 + 2, -(2 ** 53)),
  fc.double(),
  fc.integer({ min: -5, max: 300 }),
  fc.constantFrom('', 'x', 'AAPL', '1', '0.5', 'bullish', 'bearish', '1d', 'double_bottom', 'a'.repeat(129)),
  fc.constantFrom('é', '\u0000', '\t', 'a\u007f', '\uD83D\uDE00'.repeat(70), '\uFE0F'.repeat(40), 'A'.repeat(32)),
  fc.string({ maxLength: 140 }),
  // Cloned per use: an edit may write into an object that a later run would otherwise share.
  fc.constantFrom(null, true, false, [], {}, [1], { t: 1 }).map((v) => structuredClone(v)),
);

const FIELD_NAMES = [...PATTERN_INPUT_FIELDS, 'extra', '__proto__', 'constructor'];
const CANDLE_KEYS = ['t', 'o', 'h', 'l', 'c', 'v', 'x', 'length'];

/** One edit of a valid body: a field replaced or deleted, a candle value, key or bar changed. */
const edit = fc.oneof(
  fc.record({ kind: fc.constant('field' as const), key: fc.constantFrom(...FIELD_NAMES), value: edgeValue }),
  fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom(...FIELD_NAMES) }),
  fc.record({
    kind: fc.constant('candle' as const),
    index: fc.nat(),
    key: fc.constantFrom(...CANDLE_KEYS),
    value: edgeValue,
  }),
  fc.record({ kind: fc.constant('dropKey' as const), index: fc.nat(), key: fc.constantFrom(...CANDLE_KEYS) }),
  fc.record({ kind: fc.constant('bar' as const), index: fc.nat(), value: edgeValue }),
  fc.record({
    kind: fc.constant('rename' as const),
    index: fc.nat(),
    from: fc.constantFrom(...CANDLE_KEYS),
    to: fc.constantFrom(...CANDLE_KEYS),
  }),
  fc.record({ kind: fc.constant('reorder' as const), index: fc.nat() }),
  fc.record({ kind: fc.constant('length' as const), count: fc.integer({ min: 0, max: 3 }), grow: fc.boolean() }),
  fc.record({ kind: fc.constant('scale' as const), key: fc.constantFrom('o', 'h', 'l', 'c', 't'), by: edgeValue }),
);
type Edit = typeof edit extends fc.Arbitrary<infer E> ? E : never;

/** Applies an edit; edits of candles that an earlier edit removed or replaced are skipped. */
function apply(body: Body, e: Edit): void {
  const bars = Array.isArray(body.candles) && body.candles.length > 0 ? body.candles : [];
  const isBar = (bar: unknown): bar is Record<string, unknown> => bar !== null && typeof bar === 'object';
  const at = (i: number): Record<string, unknown> => {
    const bar: unknown = bars[i % bars.length];
    return isBar(bar) ? bar : {};
  };
  if (e.kind !== 'field' && e.kind !== 'delete' && bars.length === 0) {
    return;
  }
  switch (e.kind) {
    case 'field':
      // defineProperty: `__proto__` becomes an own key, as JSON.parse makes it.
      Object.defineProperty(body, e.key, { value: e.value, enumerable: true, writable: true, configurable: true });
      break;
    case 'delete':
      delete body[e.key];
      break;
    case 'candle':
      Object.defineProperty(at(e.index), e.key, {
        value: e.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      break;
    case 'dropKey':
      delete at(e.index)[e.key];
      break;
    case 'rename': {
      // Same number of keys, one name swapped.
      const bar = at(e.index);
      if (e.from in bar) {
        const value = bar[e.from];
        delete bar[e.from];
        bar[e.to] = value;
      }
      break;
    }
    case 'bar':
      bars[e.index % bars.length] = e.value as Record<string, unknown>;
      break;
    case 'reorder': {
      const bar = at(e.index);
      bars[e.index % bars.length] = Object.fromEntries(Object.entries(bar).reverse());
      break;
    }
    case 'length':
      if (e.grow) {
        const last = at(bars.length - 1);
        for (let k = 1; k <= e.count; k++) {
          bars.push({ ...last, t: (last.t as number) + k * 60_000 });
        }
      } else {
        bars.splice(bars.length - e.count, e.count);
      }
      break;
    case 'scale':
      for (const bar of bars.filter(isBar)) {
        bar[e.key] = (bar[e.key] as number) * (e.by as number);
      }
      break;
  }
}

describe('isPlainlyValidPatternInput (the fast path of validatePatternInput)', () => {
  it('accepts valid bodies of every type, direction, timeframe and size the decorators accept', () => {
    for (let seed = 10; seed < 70; seed++) {
      const input = makePatternInput(seededRandom(seed), {
        count: 60 + ((seed * 37) % 941),
        direction: DIRECTIONS[seed % 2],
        pattern_type: PATTERN_TYPES[seed % PATTERN_TYPES.length],
        timeframe: TIMEFRAMES[seed % TIMEFRAMES.length],
      });
      const body = JSON.parse(JSON.stringify(input)) as Body;
      expect(validateWithDecorators(body).errors).toEqual([]);
      expect(isPlainlyValidPatternInput(body)).toBe(true);
    }
  });

  it('gives the same DTO as the decorators for a valid body', () => {
    const body = bodyOf(9, 120);
    const fast = validatePatternInput(body).value;
    const slow = validateWithDecorators(body).value;
    expect(fast).toBeInstanceOf(PatternInputDto);
    expect(fast).toEqual(slow);
    expect(Object.keys(fast!).sort()).toEqual(Object.keys(slow!).sort());
  });

  it('accepts candle keys in any order', () => {
    const body = bodyOf(5);
    body.candles = body.candles.map((bar) => ({ v: bar.v, c: bar.c, l: bar.l, h: bar.h, o: bar.o, t: bar.t }));
    expect(isPlainlyValidPatternInput(body)).toBe(true);
  });

  it('never accepts what the decorators refuse (random edits near every rule edge)', () => {
    let refusedBoth = 0;
    let acceptedBoth = 0;
    let unsure = 0;
    fc.assert(
      fc.property(fc.nat({ max: BASES.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 3 }), (base, edits) => {
        const body = structuredClone(BASES[base]);
        edits.forEach((e) => apply(body, e));
        const fast = isPlainlyValidPatternInput(body);
        const slowValid = validateWithDecorators(body).errors.length === 0;
        if (fast) {
          expect(slowValid).toBe(true);
          acceptedBoth++;
        } else if (slowValid) {
          unsure++;
        } else {
          refusedBoth++;
        }
      }),
      { numRuns: 3000, seed: 20261128 },
    );
    // Both verdicts were exercised, and "not sure" on a valid body stays rare (key order, non-ASCII ids).
    expect(acceptedBoth).toBeGreaterThan(100);
    expect(refusedBoth).toBeGreaterThan(1000);
    expect(unsure).toBeLessThan(acceptedBoth);
  });

  it('checks candle keys by name, not by count: an inherited v beside an unknown key is refused', () => {
    const body = bodyOf(8);
    const { t, o, h, l, c, v } = body.candles[3];
    body.candles[3] = Object.assign(Object.create({ v }) as Record<string, unknown>, { t, o, h, l, c, x: 1 });
    expect(validateWithDecorators(body).errors).toEqual(['candles[3].x should not exist']);
    expect(isPlainlyValidPatternInput(body)).toBe(false);
  });

  it('leaves ids and symbols outside printable ASCII to the decorators, which still accept them', () => {
    const body = bodyOf(6);
    body.pattern_id = 'motif-é-\uD83D\uDE00';
    expect(isPlainlyValidPatternInput(body)).toBe(false);
    expect(validatePatternInput(body).errors).toEqual([]);
    expect(validatePatternInput(body).value?.pattern_id).toBe('motif-é-\uD83D\uDE00');
  });
});
