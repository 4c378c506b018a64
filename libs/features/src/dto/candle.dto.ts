import { IsInt, IsNumber, IsPositive, Min } from 'class-validator';
import type { Candle } from '../pattern-input.interface';

/** Real JSON numbers only: NaN and ±Infinity are refused, numeric strings are not converted. */
export const FINITE_NUMBER = { allowNaN: false, allowInfinity: false } as const;

/**
 * One OHLCV bar of a request (`t` epoch ms). Its field decorators let a single candle be validated
 * on its own; inside a request the whole `candles` array is checked in one pass by
 * `@IsValidCandleSeries()` (fast for 1000 bars, messages like `candles[3].h must be >= max(o, c)`).
 */
export class CandleDto implements Candle {
  @IsInt()
  t!: number;

  @IsNumber(FINITE_NUMBER)
  @IsPositive()
  o!: number;

  @IsNumber(FINITE_NUMBER)
  @IsPositive()
  h!: number;

  @IsNumber(FINITE_NUMBER)
  @IsPositive()
  l!: number;

  @IsNumber(FINITE_NUMBER)
  @IsPositive()
  c!: number;

  @IsNumber(FINITE_NUMBER)
  @Min(0)
  v!: number;
}
