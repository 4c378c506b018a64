import { makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { CONFIDENCE_BUCKETS, LATENCY_BUCKETS, METRIC } from './metric-names.constants';

/** The one place metrics are declared; inject them with @InjectMetric(METRIC.x). */
export const METRIC_PROVIDERS = [
  makeHistogramProvider({
    name: METRIC.inferenceDuration,
    help: 'Time to score one request (features, cache, model), seconds',
    buckets: LATENCY_BUCKETS,
  }),
  makeCounterProvider({
    name: METRIC.predictions,
    help: 'Scored requests by answer source, rollout arm and model version',
    labelNames: ['source', 'arm', 'model_version'],
  }),
  makeCounterProvider({ name: METRIC.fallbacks, help: 'Rule fallbacks by reason', labelNames: ['reason'] }),
  makeCounterProvider({
    name: METRIC.inferenceErrors,
    help: 'Model calls that failed or timed out',
    labelNames: ['reason'],
  }),
  makeCounterProvider({
    name: METRIC.cacheRequests,
    help: 'Score cache lookups by result (hit, miss, error)',
    labelNames: ['result'],
  }),
  makeGaugeProvider({ name: METRIC.activeInferences, help: 'Model calls in flight' }),
  makeHistogramProvider({
    name: METRIC.confidence,
    help: 'Distribution of confidences by kind (ml, rule, blended)',
    labelNames: ['kind'],
    buckets: CONFIDENCE_BUCKETS,
  }),
  makeGaugeProvider({
    name: METRIC.modelInfo,
    help: 'The serving model (value 1)',
    labelNames: ['model_version', 'model_type', 'feature_schema_version'],
  }),
  makeGaugeProvider({ name: METRIC.modelLoaded, help: '1 when a model is loaded and serving, else 0' }),
  makeCounterProvider({
    name: METRIC.modelLoadFailures,
    help: 'Model artifacts refused at load, by reason',
    labelNames: ['slot', 'reason'],
  }),
  makeCounterProvider({
    name: METRIC.featureExtraction,
    help: 'Feature vectors built, by result (success, invalid)',
    labelNames: ['result'],
  }),
  makeGaugeProvider({ name: METRIC.featureDriftScore, help: 'Max per-feature PSI of the last drift run' }),
  makeGaugeProvider({
    name: METRIC.featurePsi,
    help: 'PSI per feature of the last drift run',
    labelNames: ['feature'],
  }),
  makeGaugeProvider({ name: METRIC.predictionDriftScore, help: 'PSI of the ML confidence of the last drift run' }),
  makeGaugeProvider({
    name: METRIC.healthCheckStatus,
    help: 'Health indicator status (1 up, 0 down)',
    labelNames: ['check'],
  }),
  makeGaugeProvider({ name: METRIC.rolloutPercent, help: 'Share of traffic bucketed into the ML arm (0..100)' }),
  makeGaugeProvider({ name: METRIC.enabled, help: 'Kill switch: 1 when ML is enabled' }),
  makeGaugeProvider({ name: METRIC.circuitOpen, help: '1 while the model circuit breaker is open' }),
  makeGaugeProvider({ name: METRIC.predictionLogQueueDepth, help: 'Predictions waiting to be written' }),
  makeCounterProvider({
    name: METRIC.predictionLogDropped,
    help: 'Predictions dropped because the log queue was full',
  }),
  makeCounterProvider({ name: METRIC.predictionLogWritten, help: 'Predictions written to ml_predictions' }),
  makeCounterProvider({
    name: METRIC.histogramFlushDropped,
    help: 'Feature histogram rows dropped because the flush buffer was full',
  }),
  makeCounterProvider({ name: METRIC.driftJobRuns, help: 'Drift job runs by result', labelNames: ['result'] }),
  makeGaugeProvider({ name: METRIC.driftJobLastSuccess, help: 'Unix time of the last successful drift job run' }),
  makeGaugeProvider({
    name: METRIC.outcomeAccuracy,
    help: 'Accuracy at the threshold on labelled predictions, by arm',
    labelNames: ['arm'],
  }),
  makeGaugeProvider({ name: METRIC.falsePositiveRate, help: 'False positive rate by arm', labelNames: ['arm'] }),
  makeGaugeProvider({ name: METRIC.falseNegativeRate, help: 'False negative rate by arm', labelNames: ['arm'] }),
  makeCounterProvider({
    name: METRIC.outcomesReceived,
    help: 'Outcomes received, by whether a prediction with that pattern_id exists',
    labelNames: ['matched'],
  }),
  makeCounterProvider({
    name: METRIC.httpRequests,
    help: 'HTTP requests by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'],
  }),
  makeHistogramProvider({
    name: METRIC.httpDuration,
    help: 'HTTP request duration, seconds',
    labelNames: ['method', 'route', 'status_code'],
    buckets: LATENCY_BUCKETS,
  }),
];
