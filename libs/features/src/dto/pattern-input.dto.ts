import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsPositive,
  IsString,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import {
  DIRECTIONS,
  MAX_CANDLES,
  MAX_PATTERN_ID_LENGTH,
  MAX_SYMBOL_LENGTH,
  MIN_CANDLES,
  PATTERN_TYPES,
  TIMEFRAMES,
  type Direction,
  type PatternType,
  type Timeframe,
} from '../feature-schema.constants';
import type { PatternInput } from '../pattern-input.interface';
import { FINITE_NUMBER, type CandleDto } from './candle.dto';
import {
  IsBeforePatternEnd,
  IsStopBehindBreakout,
  IsTargetBeyondBreakout,
  IsValidCandleSeries,
  IsWithinCandles,
} from './pattern-input.validators';

/** Identifiers are logged, stored and shown: C0/C1 control characters (NUL included) have no place in them. */
// eslint-disable-next-line no-control-regex
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f-\u009f]*$/;

/**
 * A detected pattern as the host application posts it (DESIGN §4); the confidence request DTO
 * extends it. Validate with `PATTERN_INPUT_VALIDATOR_OPTIONS` (whitelist + forbidNonWhitelisted)
 * and without implicit conversion, so numeric strings are refused.
 */
export class PatternInputDto implements PatternInput {
  @IsString()
  @Length(1, MAX_PATTERN_ID_LENGTH)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'pattern_id must not contain control characters' })
  pattern_id!: string;

  @IsString()
  @Length(1, MAX_SYMBOL_LENGTH)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'symbol must not contain control characters' })
  symbol!: string;

  @IsIn(PATTERN_TYPES)
  pattern_type!: PatternType;

  @IsIn(DIRECTIONS)
  direction!: Direction;

  @IsIn(TIMEFRAMES)
  timeframe!: Timeframe;

  @IsNumber(FINITE_NUMBER)
  @Min(0)
  @Max(1)
  rule_confidence!: number;

  @IsInt()
  @Min(0)
  @IsBeforePatternEnd()
  pattern_start_index!: number;

  @IsInt()
  @Min(0)
  @IsWithinCandles()
  pattern_end_index!: number;

  @IsNumber(FINITE_NUMBER)
  @IsPositive()
  breakout_price!: number;

  @IsNumber(FINITE_NUMBER)
  @IsPositive()
  @IsTargetBeyondBreakout()
  target_price!: number;

  @IsNumber(FINITE_NUMBER)
  @IsPositive()
  @IsStopBehindBreakout()
  stop_price!: number;

  /** Plain objects after transformation (no per-candle instances: 1000 bars stay cheap); checked by one constraint. */
  @IsArray()
  @ArrayMinSize(MIN_CANDLES)
  @ArrayMaxSize(MAX_CANDLES)
  @IsValidCandleSeries()
  candles!: CandleDto[];
}

/** The request fields of DESIGN §4, all required; anything else is an unknown field. */
export const PATTERN_INPUT_FIELDS = [
  'pattern_id',
  'symbol',
  'pattern_type',
  'direction',
  'timeframe',
  'rule_confidence',
  'pattern_start_index',
  'pattern_end_index',
  'breakout_price',
  'target_price',
  'stop_price',
  'candles',
] as const satisfies ReadonlyArray<keyof PatternInputDto>;
export const PATTERN_INPUT_KEYS: ReadonlySet<string> = new Set(PATTERN_INPUT_FIELDS);
