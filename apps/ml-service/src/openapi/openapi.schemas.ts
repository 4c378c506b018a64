import {
  DIRECTIONS,
  FEATURE_NAMES,
  MAX_CANDLES,
  MAX_PATTERN_ID_LENGTH,
  MAX_SYMBOL_LENGTH,
  MIN_CANDLES,
  PATTERN_INPUT_FIELDS,
  PATTERN_TYPES,
  TIMEFRAMES,
} from '@app/features';
import { FALLBACK_REASONS } from '../inference/inference.types';
import { MAX_BATCH_ITEMS } from '../inference/confidence-request.dto';

type Schema = Record<string, unknown>;
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const nullable = (s: Schema): Schema => ({ ...s, nullable: true });
const num = { type: 'number' };
const int = { type: 'integer' };
const str = { type: 'string' };
const bool = { type: 'boolean' };
const time = { type: 'string', format: 'date-time' };

const candleExample = { t: 1727740800000, o: 100.1, h: 101.0, l: 99.5, c: 100.7, v: 120000 };

/** Request/response shapes of DESIGN §4, with its examples. */
export const SCHEMAS: Record<string, Schema> = {
  Candle: {
    type: 'object',
    required: ['t', 'o', 'h', 'l', 'c', 'v'],
    additionalProperties: false,
    properties: {
      t: { ...int, description: 'epoch ms, strictly increasing' },
      o: { ...num, exclusiveMinimum: 0 },
      h: { ...num, description: '>= max(o, c)' },
      l: { ...num, description: '<= min(o, c), > 0' },
      c: { ...num, exclusiveMinimum: 0 },
      v: { ...num, minimum: 0 },
    },
    example: candleExample,
  },
  ConfidenceRequest: {
    type: 'object',
    additionalProperties: false,
    required: [...PATTERN_INPUT_FIELDS],
    properties: {
      pattern_id: { ...str, minLength: 1, maxLength: MAX_PATTERN_ID_LENGTH },
      symbol: { ...str, minLength: 1, maxLength: MAX_SYMBOL_LENGTH },
      pattern_type: { ...str, enum: [...PATTERN_TYPES] },
      direction: { ...str, enum: [...DIRECTIONS] },
      timeframe: { ...str, enum: [...TIMEFRAMES] },
      rule_confidence: { ...num, minimum: 0, maximum: 1 },
      pattern_start_index: { ...int, minimum: 0, description: '< pattern_end_index' },
      pattern_end_index: { ...int, description: '<= last candle index' },
      breakout_price: { ...num, exclusiveMinimum: 0 },
      target_price: {
        ...num,
        exclusiveMinimum: 0,
        description: 'bullish: target > breakout > stop; bearish: reversed',
      },
      stop_price: { ...num, exclusiveMinimum: 0 },
      candles: { type: 'array', minItems: MIN_CANDLES, maxItems: MAX_CANDLES, items: ref('Candle') },
    },
    example: {
      pattern_id: '6f1c2a9e-...',
      symbol: 'AAPL',
      pattern_type: 'double_bottom',
      direction: 'bullish',
      timeframe: '1d',
      rule_confidence: 0.72,
      pattern_start_index: 70,
      pattern_end_index: 110,
      breakout_price: 101.2,
      target_price: 109.0,
      stop_price: 97.5,
      candles: [candleExample],
    },
  },
  ConfidenceResponse: {
    type: 'object',
    required: [
      'pattern_id',
      'confidence',
      'confidence_ml',
      'confidence_rule',
      'confidence_blended',
      'passes_threshold',
      'source',
      'fallback_reason',
      'arm',
      'model_version',
      'cache_hit',
      'inference_latency_ms',
      'features_count',
    ],
    properties: {
      pattern_id: str,
      confidence: num,
      confidence_ml: nullable(num),
      confidence_rule: num,
      confidence_blended: nullable(num),
      passes_threshold: bool,
      source: { ...str, enum: ['ml_blended', 'rule_fallback'] },
      fallback_reason: nullable({ ...str, enum: [...FALLBACK_REASONS] }),
      arm: { ...str, enum: ['ml', 'control'] },
      model_version: nullable(str),
      cache_hit: bool,
      inference_latency_ms: num,
      features_count: { ...int, example: 52 },
      features: {
        type: 'object',
        description: 'only with ?include_features=true: all 52 features by name, non-finite as null',
        properties: Object.fromEntries(FEATURE_NAMES.map((n) => [n, nullable(num)])),
      },
    },
    example: {
      pattern_id: '6f1c2a9e-...',
      confidence: 0.8,
      confidence_ml: 0.85,
      confidence_rule: 0.72,
      confidence_blended: 0.8,
      passes_threshold: true,
      source: 'ml_blended',
      fallback_reason: null,
      arm: 'ml',
      model_version: 'v1.2.0',
      cache_hit: false,
      inference_latency_ms: 0.41,
      features_count: 52,
    },
  },
  BatchRequest: {
    type: 'object',
    required: ['items'],
    additionalProperties: false,
    properties: { items: { type: 'array', minItems: 1, maxItems: MAX_BATCH_ITEMS, items: ref('ConfidenceRequest') } },
  },
  BatchItemError: {
    type: 'object',
    properties: { pattern_id: nullable(str), error: ref('Error') },
  },
  BatchResponse: {
    type: 'object',
    properties: { results: { type: 'array', items: { oneOf: [ref('ConfidenceResponse'), ref('BatchItemError')] } } },
  },
  Error: {
    type: 'object',
    required: ['statusCode', 'error', 'message'],
    properties: {
      statusCode: int,
      error: str,
      message: { oneOf: [str, { type: 'array', items: str }] },
    },
    example: { statusCode: 400, error: 'Bad Request', message: ['candles[3].h must be >= max(o, c)'] },
  },
  HealthIndicator: {
    type: 'object',
    properties: { status: { ...str, enum: ['up', 'down'] }, severity: { ...str, enum: ['CRITICAL', 'WARNING'] } },
    additionalProperties: true,
  },
  Health: {
    type: 'object',
    properties: {
      status: { ...str, enum: ['ok', 'error'] },
      severity: nullable({ ...str, enum: ['CRITICAL', 'WARNING'] }),
      critical: { type: 'array', items: str },
      warnings: { type: 'array', items: str },
      details: {
        type: 'object',
        properties: Object.fromEntries(
          ['model', 'inference', 'feature_builder', 'cache', 'fallback', 'database'].map((k) => [
            k,
            ref('HealthIndicator'),
          ]),
        ),
      },
    },
  },
  WindowMetrics: {
    type: 'object',
    properties: {
      inference_latency_p50: nullable(num),
      inference_latency_p95: nullable(num),
      inference_latency_p99: nullable(num),
      cache_hit_rate: nullable(num),
      ml_usage_rate: nullable(num),
      fallback_rate: nullable(num),
      error_rate: nullable(num),
      request_count: int,
      window_seconds: int,
    },
  },
  Metrics: {
    type: 'object',
    properties: {
      current: ref('WindowMetrics'),
      history: {
        type: 'array',
        items: { allOf: [ref('WindowMetrics'), { type: 'object', properties: { timestamp: time } }] },
      },
      thresholds: { type: 'object', additionalProperties: { type: 'object', properties: { target: num, alert: num } } },
      status: { type: 'object', additionalProperties: { ...str, enum: ['ok', 'warning', 'alert', 'unknown'] } },
    },
    example: {
      current: {
        inference_latency_p50: 0.4,
        inference_latency_p95: 0.9,
        inference_latency_p99: 1.6,
        cache_hit_rate: 0.85,
        ml_usage_rate: 0.92,
        fallback_rate: 0.08,
        error_rate: 0.02,
        request_count: 12000,
        window_seconds: 300,
      },
      history: [],
      thresholds: { inference_latency_p95: { target: 75, alert: 100 } },
      status: { inference_latency_p95: 'ok', cache_hit_rate: 'ok' },
    },
  },
  Alert: {
    type: 'object',
    properties: {
      id: int,
      type: { ...str, enum: ['DRIFT_DETECTED', 'PERFORMANCE_DEGRADED', 'DATA_QUALITY_ISSUE'] },
      severity: { ...str, enum: ['INFO', 'WARNING', 'CRITICAL'] },
      status: { ...str, enum: ['open', 'acknowledged', 'resolved'] },
      fingerprint: str,
      title: str,
      message: str,
      details: {
        type: 'object',
        properties: {
          feature: nullable(str),
          metric: str,
          value: nullable(num),
          threshold: num,
          window_start: time,
          window_end: time,
          sample_size: int,
          baseline_id: nullable(int),
        },
      },
      first_seen_at: time,
      last_seen_at: time,
      resolved_at: nullable(time),
      occurrences: int,
    },
  },
  DriftSummary: {
    type: 'object',
    properties: {
      feature_drift_score: nullable(num),
      prediction_drift_score: nullable(num),
      drifted_features: { type: 'array', items: str },
      computed_at: time,
      baseline_id: nullable(int),
      report_id: int,
      status: str,
      sample_size: int,
    },
  },
  AlertsResponse: {
    type: 'object',
    properties: {
      drift: nullable(ref('DriftSummary')),
      alerts: { type: 'array', items: ref('Alert') },
      next_cursor: nullable(str),
    },
  },
  BaselineRequest: {
    type: 'object',
    additionalProperties: false,
    properties: {
      source: { ...str, enum: ['recent', 'training'], default: 'recent' },
      window_hours: { ...num, example: 24 },
      from: time,
      to: time,
      min_samples: { ...int, example: 500 },
      label: str,
    },
  },
  BaselineSummary: {
    type: 'object',
    properties: {
      id: int,
      created_at: time,
      source: str,
      sample_size: int,
      feature_count: int,
      window_start: nullable(time),
      window_end: nullable(time),
      active: bool,
      label: nullable(str),
      model_version: nullable(str),
    },
  },
  DriftRunRequest: { type: 'object', additionalProperties: false, properties: { from: time, to: time } },
  DriftReport: {
    type: 'object',
    properties: {
      id: int,
      created_at: time,
      baseline_id: nullable(int),
      window_start: time,
      window_end: time,
      status: { ...str, enum: ['ok', 'drift', 'insufficient_data', 'no_baseline'] },
      sample_size: int,
      feature_drift_score: nullable(num),
      prediction_drift_score: nullable(num),
      drifted_features: { type: 'array', items: str },
      report: {
        type: 'object',
        description:
          'per-feature PSI and JS distance (overall and per arm), prediction drift, data quality, performance',
      },
    },
  },
  OutcomesRequest: {
    type: 'object',
    required: ['outcomes'],
    properties: {
      outcomes: {
        type: 'array',
        minItems: 1,
        maxItems: 10000,
        items: {
          type: 'object',
          required: ['pattern_id', 'outcome', 'resolved_at'],
          properties: { pattern_id: str, outcome: { ...str, enum: ['success', 'failure'] }, resolved_at: time },
        },
      },
    },
  },
  OutcomesResponse: { type: 'object', properties: { accepted: int, matched: int, unknown: int } },
  Rollout: {
    type: 'object',
    properties: {
      enabled: bool,
      percent: { ...int, minimum: 0, maximum: 100 },
      source: { ...str, enum: ['database', 'boot_default'] },
      updated_at: nullable(time),
      updated_by: nullable(str),
    },
  },
  RolloutUpdate: {
    type: 'object',
    additionalProperties: false,
    properties: { enabled: bool, percent: { ...int, minimum: 0, maximum: 100 } },
    example: { enabled: true, percent: 5 },
  },
  ReadinessItem: {
    type: 'object',
    properties: { id: str, title: str, result: { ...str, enum: ['pass', 'fail', 'unknown'] }, evidence: {} },
  },
  Readiness: {
    type: 'object',
    properties: {
      ready_to_enable: bool,
      checklist: { type: 'array', items: ref('ReadinessItem') },
      success_criteria: { type: 'array', items: ref('ReadinessItem') },
      evaluated_at: time,
    },
  },
  Models: {
    type: 'object',
    properties: {
      state: { ...str, enum: ['loaded', 'rules_only', 'loading'] },
      slot: nullable(str),
      model_version: nullable(str),
      model_type: nullable(str),
      loaded_at: nullable(time),
      card: nullable({ type: 'object' }),
      refusals: {
        type: 'array',
        items: { type: 'object', properties: { slot: str, path: str, reason: str, message: str, at: time } },
      },
    },
  },
};
