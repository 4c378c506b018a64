/**
 * The plan's operating thresholds (phase5-ml-monitoring-plan.md). One source for /api/ml/metrics
 * status, health, readiness and — checked by a test — the Prometheus alert rules.
 * `direction` says whether lower or higher values are good.
 */
export const METRIC_THRESHOLDS = {
  inference_latency_p95: { target: 75, alert: 100, direction: 'lower' },
  cache_hit_rate: { target: 0.8, alert: 0.6, direction: 'higher' },
  fallback_rate: { target: 0.1, alert: 0.2, direction: 'lower' },
  error_rate: { target: 0.05, alert: 0.1, direction: 'lower' },
} as const;

export type ThresholdedMetric = keyof typeof METRIC_THRESHOLDS;

/** Health: fallback rate above this is a WARNING (plan: "Fallback rate > 10%: WARNING"). */
export const HEALTH_FALLBACK_WARNING_RATE = 0.1;

/** Plan "Performance Degradation Response": latency above this triggers fallback; error rate above this disables ML. */
export const EMERGENCY_LATENCY_MS = 150;
export const EMERGENCY_ERROR_RATE = 0.15;

/** Success criteria of the plan, with the hours each must hold. */
export const SUCCESS_CRITERIA = {
  latency_p95_below_ms: { value: 75, hours: 24 },
  fallback_rate_below: { value: 0.1, hours: 48 },
  error_rate_below: { value: 0.05, hours: 24 },
  cache_hit_rate_above: { value: 0.8, hours: 24 },
  no_critical_alerts_hours: { value: 0, hours: 72 },
} as const;

/** Data-quality findings (DATA_QUALITY_ISSUE): rates above these in a drift window raise a WARNING. */
export const DATA_QUALITY_THRESHOLDS = {
  /** Share of a feature's values that are NaN/±Infinity (and at least twice the baseline's share). */
  non_finite_rate: 0.01,
  /** Share of a feature's values outside the baseline's observed range. */
  out_of_range_share: 0.05,
  /** Share of scoring requests refused as invalid (400/413/422). */
  invalid_request_rate: 0.05,
} as const;

/** How long raw metric snapshots are kept (plan: "Performance Metrics: 30 days raw"). */
export const METRIC_SNAPSHOT_RETENTION_DAYS = 30;
/** Per-minute feature histograms are kept this long; drift windows and baselines read them. */
export const HISTOGRAM_RETENTION_DAYS = 90;
