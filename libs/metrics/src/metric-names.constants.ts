/** Every Prometheus metric the service exports, named once (DESIGN §4). Alert rules and the dashboard use these. */
export const METRIC = {
  inferenceDuration: 'ml_inference_duration_seconds',
  predictions: 'ml_predictions_total',
  fallbacks: 'ml_fallback_total',
  inferenceErrors: 'ml_inference_errors_total',
  cacheRequests: 'ml_cache_requests_total',
  activeInferences: 'ml_active_inferences',
  confidence: 'ml_confidence',
  modelInfo: 'ml_model_info',
  modelLoaded: 'ml_model_loaded',
  modelLoadFailures: 'ml_model_load_failures_total',
  featureExtraction: 'ml_feature_extraction_total',
  featureDriftScore: 'ml_feature_drift_score',
  featurePsi: 'ml_feature_psi',
  predictionDriftScore: 'ml_prediction_drift_score',
  healthCheckStatus: 'ml_health_check_status',
  rolloutPercent: 'ml_rollout_percent',
  enabled: 'ml_enabled',
  circuitOpen: 'ml_circuit_open',
  predictionLogQueueDepth: 'ml_prediction_log_queue_depth',
  predictionLogDropped: 'ml_prediction_log_dropped_total',
  predictionLogWritten: 'ml_prediction_log_written_total',
  histogramFlushDropped: 'ml_feature_histogram_dropped_total',
  driftJobRuns: 'ml_drift_job_runs_total',
  driftJobLastSuccess: 'ml_drift_job_last_success_timestamp_seconds',
  outcomeAccuracy: 'ml_outcome_accuracy',
  falsePositiveRate: 'ml_false_positive_rate',
  falseNegativeRate: 'ml_false_negative_rate',
  outcomesReceived: 'ml_outcomes_received_total',
  httpRequests: 'http_requests_total',
  httpDuration: 'http_request_duration_seconds',
} as const;

/** Latency buckets (seconds): fine below 5 ms where inference lives, and edges at the 75/100/150 ms thresholds. */
export const LATENCY_BUCKETS = [
  0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5,
];

/** Confidence buckets: 0.05 wide, with the 0.55 threshold on an edge. */
export const CONFIDENCE_BUCKETS = Array.from({ length: 20 }, (_, i) => Math.round((i + 1) * 5) / 100);
