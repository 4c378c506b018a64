import { BadRequestException, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { PatternInput } from '../pattern-input.interface';
import { makePatternInput, seededRandom } from '../testing/pattern-input.factory';
import { CandleDto } from './candle.dto';
import { PatternInputDto } from './pattern-input.dto';
import { MAX_CANDLE_PROBLEMS } from './pattern-input.validators';
import {
  PATTERN_INPUT_VALIDATOR_OPTIONS,
  formatValidationErrors,
  validatePatternInput,
} from './validate-pattern-input.util';

type Body = Record<string, unknown> & { candles: Record<string, unknown>[] };

/** A valid request body as it arrives: JSON-parsed, 60 candles, bullish, pattern 20..50. */
function validBody(overrides: Partial<PatternInput> = {}): Body {
  const input = makePatternInput(seededRandom(77), {
    count: 60,
    direction: 'bullish',
    pattern_start_index: 20,
    pattern_end_index: 50,
    ...overrides,
  });
  return JSON.parse(JSON.stringify(input)) as Body;
}

function errorsOf(mutate: (body: Body) => void): string[] {
  const body = validBody();
  mutate(body);
  return validatePatternInput(body).errors;
}

describe('validatePatternInput', () => {
  it('accepts a valid body and returns the DTO with its candles', () => {
    // Arrange
    const body = validBody();
    // Act
    const { value, errors } = validatePatternInput(body);
    // Assert
    expect(errors).toEqual([]);
    expect(value).toBeInstanceOf(PatternInputDto);
    expect(value?.candles).toHaveLength(60);
    expect(value?.candles[0]).toEqual(body.candles[0]);
    expect(value?.pattern_id).toBe(body.pattern_id);
  });

  it('accepts the boundaries: 1000 candles, rule_confidence 0 and 1, end index = last, bearish geometry', () => {
    const big = JSON.parse(JSON.stringify(makePatternInput(seededRandom(5), { count: 1000 }))) as Body;
    expect(validatePatternInput(big).errors).toEqual([]);
    expect(errorsOf((b) => (b.rule_confidence = 0))).toEqual([]);
    expect(errorsOf((b) => (b.rule_confidence = 1))).toEqual([]);
    expect(errorsOf((b) => (b.pattern_end_index = 59))).toEqual([]);
    const bearish = validBody({ direction: 'bearish' });
    expect(validatePatternInput(bearish).errors).toEqual([]);
  });

  it.each<[string, (b: Body) => void, string]>([
    ['missing pattern_id', (b) => delete b.pattern_id, 'pattern_id must be a string'],
    ['empty pattern_id', (b) => (b.pattern_id = ''), 'pattern_id must be longer than or equal to 1 characters'],
    [
      'long pattern_id',
      (b) => (b.pattern_id = 'x'.repeat(129)),
      'pattern_id must be shorter than or equal to 128 characters',
    ],
    ['numeric pattern_id', (b) => (b.pattern_id = 42), 'pattern_id must be a string'],
    ['long symbol', (b) => (b.symbol = 'S'.repeat(33)), 'symbol must be shorter than or equal to 32 characters'],
    ['unknown pattern_type', (b) => (b.pattern_type = 'triangle'), 'pattern_type must be one of the following values:'],
    [
      'unknown direction',
      (b) => (b.direction = 'up'),
      'direction must be one of the following values: bullish, bearish',
    ],
    ['unknown timeframe', (b) => (b.timeframe = '2h'), 'timeframe must be one of the following values: 1m, 5m'],
    ['rule_confidence > 1', (b) => (b.rule_confidence = 1.01), 'rule_confidence must not be greater than 1'],
    ['rule_confidence < 0', (b) => (b.rule_confidence = -0.1), 'rule_confidence must not be less than 0'],
    [
      'rule_confidence string',
      (b) => (b.rule_confidence = '0.7'),
      'rule_confidence must be a number conforming to the specified constraints',
    ],
    [
      'rule_confidence NaN',
      (b) => (b.rule_confidence = NaN),
      'rule_confidence must be a number conforming to the specified constraints',
    ],
    ['fractional start', (b) => (b.pattern_start_index = 1.5), 'pattern_start_index must be an integer number'],
    ['string start', (b) => (b.pattern_start_index = '20'), 'pattern_start_index must be an integer number'],
    ['negative start', (b) => (b.pattern_start_index = -1), 'pattern_start_index must not be less than 0'],
    [
      'start = end',
      (b) => (b.pattern_start_index = 50),
      'pattern_start_index must be < pattern_end_index (got 50 >= 50)',
    ],
    ['end beyond candles', (b) => (b.pattern_end_index = 60), 'pattern_end_index must be <= last candle index (59)'],
    ['zero breakout', (b) => (b.breakout_price = 0), 'breakout_price must be a positive number'],
    [
      'string breakout',
      (b) => (b.breakout_price = '101.2'),
      'breakout_price must be a number conforming to the specified constraints',
    ],
    [
      'infinite target',
      (b) => (b.target_price = Infinity),
      'target_price must be a number conforming to the specified constraints',
    ],
    [
      'bullish target below breakout',
      (b) => (b.target_price = (b.breakout_price as number) * 0.9),
      'target_price must be > breakout_price for a bullish pattern',
    ],
    [
      'bullish stop above breakout',
      (b) => (b.stop_price = (b.breakout_price as number) * 1.1),
      'stop_price must be < breakout_price for a bullish pattern',
    ],
    [
      'bearish with bullish geometry (target)',
      (b) => (b.direction = 'bearish'),
      'target_price must be < breakout_price for a bearish pattern',
    ],
    [
      'bearish with bullish geometry (stop)',
      (b) => (b.direction = 'bearish'),
      'stop_price must be > breakout_price for a bearish pattern',
    ],
    ['candles not an array', (b) => ((b as Record<string, unknown>).candles = { 0: {} }), 'candles must be an array'],
    ['59 candles', (b) => b.candles.pop(), 'candles must contain at least 60 elements'],
    [
      '1001 candles',
      (b) => b.candles.push(...Array.from({ length: 941 }, () => b.candles[59])),
      'candles must contain no more than 1000 elements',
    ],
    [
      'high below close',
      (b) => (b.candles[3].h = Math.max(b.candles[3].o as number, b.candles[3].c as number) * 0.999),
      'candles[3].h must be >= max(o, c)',
    ],
    [
      'low above open',
      (b) => (b.candles[4].l = Math.min(b.candles[4].o as number, b.candles[4].c as number) * 1.001),
      'candles[4].l must be <= min(o, c)',
    ],
    ['repeated t', (b) => (b.candles[5].t = b.candles[4].t), 'candles[5].t must be greater than candles[4].t'],
    [
      'decreasing t',
      (b) => (b.candles[5].t = (b.candles[4].t as number) - 1),
      'candles[5].t must be greater than candles[4].t',
    ],
    [
      'fractional t',
      (b) => (b.candles[6].t = (b.candles[6].t as number) + 0.5),
      'candles[6].t must be an integer (epoch milliseconds)',
    ],
    ['zero open', (b) => (b.candles[2].o = 0), 'candles[2].o must be > 0'],
    ['negative volume', (b) => (b.candles[2].v = -1), 'candles[2].v must be >= 0'],
    ['string close', (b) => (b.candles[7].c = '100.5'), 'candles[7].c must be a finite number'],
    ['NaN low', (b) => (b.candles[8].l = NaN), 'candles[8].l must be a finite number'],
    ['Infinity high', (b) => (b.candles[9].h = Infinity), 'candles[9].h must be a finite number'],
    ['null volume', (b) => (b.candles[10].v = null), 'candles[10].v must be a finite number'],
    ['missing close', (b) => delete b.candles[11].c, 'candles[11].c must be a finite number'],
    ['unknown candle field', (b) => (b.candles[12].vwap = 1), 'candles[12].vwap should not exist'],
    [
      'candle not an object',
      (b) => ((b.candles as unknown[])[13] = 5),
      'candles[13] must be an object with t, o, h, l, c, v',
    ],
    ['unknown top-level field', (b) => (b.features = {}), 'property features should not exist'],
  ])('rejects %s', (_case, mutate, message) => {
    const errors = errorsOf(mutate);
    expect(errors.some((error) => error.startsWith(message))).toBe(true);
  });

  it('reports each bad candle separately, capped with a count of the rest', () => {
    const errors = errorsOf((b) => b.candles.forEach((bar) => (bar.v = -1)));
    expect(errors).toHaveLength(MAX_CANDLE_PROBLEMS + 1);
    expect(errors[0]).toBe('candles[0].v must be >= 0');
    expect(errors[MAX_CANDLE_PROBLEMS - 1]).toBe(`candles[${MAX_CANDLE_PROBLEMS - 1}].v must be >= 0`);
    expect(errors[MAX_CANDLE_PROBLEMS]).toBe(`candles has ${60 - MAX_CANDLE_PROBLEMS} more invalid values not listed`);
  });

  it('lists independent problems together, in field order', () => {
    const errors = errorsOf((b) => {
      b.extra = true;
      b.candles[3].h = 0.0001;
      b.candles[5].t = b.candles[4].t;
    });
    expect(errors).toEqual([
      'property extra should not exist',
      'candles[3].h must be >= max(o, c)',
      'candles[5].t must be greater than candles[4].t',
    ]);
  });

  it('refuses a body that is not a JSON object', () => {
    for (const body of [null, 'x', 42, [], undefined]) {
      expect(validatePatternInput(body).errors).toEqual(['request body must be a JSON object']);
    }
  });

  it('validates 1000 candles quickly (one pass, no per-candle class instances)', () => {
    const big = JSON.parse(JSON.stringify(makePatternInput(seededRandom(6), { count: 1000 }))) as Body;
    validatePatternInput(big); // warm-up
    const start = process.hrtime.bigint();
    for (let i = 0; i < 20; i++) {
      expect(validatePatternInput(big).errors).toEqual([]);
    }
    const msPerBody = Number(process.hrtime.bigint() - start) / 1e6 / 20;
    expect(msPerBody).toBeLessThan(20);
  });
});

describe('same rules through Nest ValidationPipe', () => {
  const pipe = new ValidationPipe({
    transform: true,
    ...PATTERN_INPUT_VALIDATOR_OPTIONS,
    exceptionFactory: (errors) => new BadRequestException(formatValidationErrors(errors)),
  });
  const metadata = { type: 'body', metatype: PatternInputDto } as const;

  it('accepts a valid body', async () => {
    await expect(pipe.transform(validBody(), metadata)).resolves.toBeInstanceOf(PatternInputDto);
  });

  it.each<[string, (b: Body) => void]>([
    ['candle and top-level problems', (b) => ((b.candles[3].h = 0.0001), (b.pattern_end_index = 70), (b.extra = 1))],
    ['numeric strings and NaN', (b) => ((b.rule_confidence = '0.5'), (b.stop_price = NaN), (b.candles[1].c = '1'))],
    ['bearish geometry mismatch', (b) => (b.direction = 'bearish')],
  ])('gives the messages validatePatternInput gives (%s)', async (_case, mutate) => {
    const body = validBody();
    mutate(body);
    const expected = validatePatternInput(body).errors;
    expect(expected.length).toBeGreaterThan(0);
    await expect(pipe.transform(body, metadata)).rejects.toMatchObject({ response: { message: expected } });
  });
});

describe('CandleDto on its own', () => {
  it('refuses NaN, Infinity, numeric strings, non-positive prices and negative volume', () => {
    const errors = validateSync(
      plainToInstance(CandleDto, { t: 1.5, o: NaN, h: Infinity, l: '1', c: 0, v: -1 }),
      PATTERN_INPUT_VALIDATOR_OPTIONS,
    );
    expect(errors.map((error) => error.property).sort()).toEqual(['c', 'h', 'l', 'o', 't', 'v']);
  });

  it('accepts a valid bar', () => {
    expect(validateSync(plainToInstance(CandleDto, { t: 1, o: 1, h: 2, l: 0.5, c: 1.5, v: 0 }))).toEqual([]);
  });
});
