import type { Direction, PatternType, Timeframe } from './feature-schema.constants';

/** One OHLCV bar; `t` is epoch milliseconds. */
export interface Candle {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

/** A detected pattern as the host application sends it (DESIGN §4), already validated. */
export interface PatternInput {
  pattern_id: string;
  symbol: string;
  pattern_type: PatternType;
  direction: Direction;
  timeframe: Timeframe;
  rule_confidence: number;
  pattern_start_index: number;
  pattern_end_index: number;
  breakout_price: number;
  target_price: number;
  stop_price: number;
  candles: Candle[];
}
