/** Version of the feature schema; a model card must declare the same version to be loaded. */
export const FEATURE_SCHEMA_VERSION = 'v1';

/** The 52 features of schema v1, in the fixed order the model sees them (DESIGN §5). */
export const FEATURE_NAMES = [
  'ret_1',
  'ret_5',
  'ret_10',
  'ret_20',
  'vol_10',
  'vol_20',
  'atr_14_pct',
  'range_mean_10',
  'rsi_14',
  'macd_pct',
  'macd_signal_pct',
  'macd_hist_pct',
  'stoch_k_14',
  'stoch_d_3',
  'cci_20',
  'adx_14',
  'mfi_14',
  'sma_ratio_20',
  'sma_ratio_50',
  'sma20_sma50_ratio',
  'slope_20',
  'slope_50',
  'r2_20',
  'bb_percent_b_20',
  'bb_width_20',
  'volume_ratio_20',
  'volume_ratio_5_20',
  'volume_slope_20',
  'up_volume_share_20',
  'obv_slope_20',
  'vwap_ratio_20',
  'dist_high_20',
  'dist_low_20',
  'dist_high_50',
  'dist_low_50',
  'gap_pct',
  'body_pct',
  'upper_wick_pct',
  'lower_wick_pct',
  'close_location',
  'pattern_bars',
  'pattern_height_pct',
  'bars_since_pattern_end',
  'breakout_distance_pct',
  'target_distance_pct',
  'stop_distance_pct',
  'reward_risk',
  'pattern_volume_ratio',
  'rule_confidence',
  'direction',
  'timeframe_log_minutes',
  'pattern_is_reversal',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];

export const FEATURE_COUNT = FEATURE_NAMES.length; // 52

/** Index of each feature in the vector, for code that reads single features by name. */
export const FEATURE_INDEX: Readonly<Record<FeatureName, number>> = Object.freeze(
  Object.fromEntries(FEATURE_NAMES.map((name, i) => [name, i])) as Record<FeatureName, number>,
);

export const REVERSAL_PATTERN_TYPES = [
  'head_and_shoulders',
  'inverse_head_and_shoulders',
  'double_top',
  'double_bottom',
  'triple_top',
  'triple_bottom',
  'rising_wedge',
  'falling_wedge',
] as const;

export const CONTINUATION_PATTERN_TYPES = [
  'ascending_triangle',
  'descending_triangle',
  'symmetrical_triangle',
  'bull_flag',
  'bear_flag',
  'cup_and_handle',
] as const;

export const PATTERN_TYPES = [...REVERSAL_PATTERN_TYPES, ...CONTINUATION_PATTERN_TYPES] as const;
export type PatternType = (typeof PATTERN_TYPES)[number];

export const DIRECTIONS = ['bullish', 'bearish'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** Minutes per bar of each accepted timeframe. */
export const TIMEFRAME_MINUTES = {
  '1m': 1,
  '5m': 5,
  '15m': 15,
  '30m': 30,
  '1h': 60,
  '4h': 240,
  '1d': 1440,
  '1w': 10080,
} as const;
export type Timeframe = keyof typeof TIMEFRAME_MINUTES;
export const TIMEFRAMES = Object.keys(TIMEFRAME_MINUTES) as Timeframe[];

export const MIN_CANDLES = 60;
export const MAX_CANDLES = 1000;
/** Longest `pattern_id` and `symbol` a request may carry (DESIGN §4). */
export const MAX_PATTERN_ID_LENGTH = 128;
export const MAX_SYMBOL_LENGTH = 32;
