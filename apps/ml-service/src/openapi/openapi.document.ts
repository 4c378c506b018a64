import type { OpenAPIObject } from '@nestjs/swagger';
import { SCHEMAS } from './openapi.schemas';

type Op = Record<string, unknown>;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown, description = 'OK') => ({ description, content: { 'application/json': { schema } } });
const error = (description: string) => json(ref('Error'), description);
const admin = { security: [{ bearer: [] }] };
const adminErrors = {
  401: error('missing or wrong bearer token'),
  403: error('ML_ADMIN_TOKEN is not set: admin endpoints are disabled'),
  429: error('admin rate limit'),
};
const body = (name: string, required = true) => ({ required, content: { 'application/json': { schema: ref(name) } } });
const query = (name: string, schema: unknown, description?: string) => ({
  name,
  in: 'query',
  required: false,
  schema,
  description,
});
const path = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'integer' } });

/** Every route the service serves, by OpenAPI path and method (a test checks none is missing). */
export const OPERATIONS: Record<string, Record<string, Op>> = {
  '/api/ml/confidence': {
    post: {
      tags: ['inference'],
      summary: 'Score one pattern: blended ML + rule confidence, or the rule confidence with a fallback reason',
      parameters: [query('include_features', { type: 'boolean' }, 'add the 52 features by name')],
      requestBody: body('ConfidenceRequest'),
      responses: {
        200: json(ref('ConfidenceResponse')),
        400: error('invalid input; message names every bad field'),
        413: error('body too large'),
        415: error('not application/json'),
      },
    },
  },
  '/api/ml/confidence/batch': {
    post: {
      tags: ['inference'],
      summary: 'Score 1..1000 patterns in order with one model call; a bad item fails alone',
      parameters: [query('include_features', { type: 'boolean' })],
      requestBody: body('BatchRequest'),
      responses: { 200: json(ref('BatchResponse')), 400: error('invalid envelope'), 413: error('body too large') },
    },
  },
  '/api/ml/models': {
    get: {
      tags: ['models'],
      summary: 'Loaded model card, state and refusals',
      responses: { 200: json(ref('Models')) },
    },
  },
  '/api/ml/models/reload': {
    post: {
      tags: ['models'],
      summary: 'Hot-swap models from disk (champion → backup → rules only) without failing in-flight requests',
      ...admin,
      responses: { 200: json(ref('Models')), ...adminErrors },
    },
  },
  '/api/ml/health': {
    get: {
      tags: ['health'],
      summary: 'Indicators with severities; any CRITICAL indicator down answers 503',
      responses: { 200: json(ref('Health')), 503: json(ref('Health'), 'a CRITICAL indicator is down') },
    },
  },
  '/health/live': {
    get: {
      tags: ['health'],
      summary: 'Liveness: the process and event loop answer',
      responses: { 200: json({ type: 'object' }) },
    },
  },
  '/health/ready': {
    get: {
      tags: ['health'],
      summary: 'Readiness: migrations applied, database reachable, model warm-up decided',
      responses: { 200: json({ type: 'object' }), 503: json({ type: 'object' }, 'not ready') },
    },
  },
  '/metrics': {
    get: {
      tags: ['monitoring'],
      summary: 'Prometheus metrics (text exposition format)',
      responses: { 200: { description: 'OK', content: { 'text/plain': { schema: { type: 'string' } } } } },
    },
  },
  '/api/ml/metrics': {
    get: {
      tags: ['monitoring'],
      summary: "The plan's metrics: current window, per-minute history (all instances), thresholds, status",
      parameters: [
        query('window', { type: 'string', example: '5m' }, 'current window, 10s..1h'),
        query('history', { type: 'integer', default: 60 }, 'minutes of history'),
      ],
      responses: { 200: json(ref('Metrics')), 400: error('bad window or history') },
    },
  },
  '/api/ml/alerts': {
    get: {
      tags: ['monitoring'],
      summary: 'Alerts (newest first, cursor pagination) and the latest drift summary',
      parameters: [
        query('type', { type: 'string', enum: ['DRIFT_DETECTED', 'PERFORMANCE_DEGRADED', 'DATA_QUALITY_ISSUE'] }),
        query('severity', { type: 'string', enum: ['INFO', 'WARNING', 'CRITICAL'] }),
        query('status', { type: 'string', enum: ['open', 'acknowledged', 'resolved', 'all'], default: 'open' }),
        query('since', { type: 'string', format: 'date-time' }),
        query('limit', { type: 'integer', default: 50, maximum: 500 }),
        query('cursor', { type: 'string' }),
      ],
      responses: { 200: json(ref('AlertsResponse')), 400: error('bad filter') },
    },
  },
  '/api/ml/alerts/{id}/ack': {
    post: {
      tags: ['monitoring'],
      summary: 'Acknowledge an alert',
      ...admin,
      parameters: [path('id')],
      responses: { 200: json(ref('Alert')), 404: error('no such alert'), ...adminErrors },
    },
  },
  '/api/ml/baseline': {
    post: {
      tags: ['drift'],
      summary: "Capture and activate a baseline (recent window histograms, or the champion card's training statistics)",
      ...admin,
      requestBody: body('BaselineRequest', false),
      responses: {
        201: json(ref('BaselineSummary'), 'created and active'),
        422: error('too few samples: message and body state found and needed'),
        ...adminErrors,
      },
    },
    get: {
      tags: ['drift'],
      summary: 'The active baseline with per-feature statistics',
      responses: { 200: json({ type: 'object' }), 404: error('no baseline') },
    },
  },
  '/api/ml/baselines': {
    get: {
      tags: ['drift'],
      summary: 'Baseline history',
      parameters: [query('limit', { type: 'integer', default: 50 })],
      responses: { 200: json({ type: 'array', items: ref('BaselineSummary') }) },
    },
  },
  '/api/ml/drift/run': {
    post: {
      tags: ['drift'],
      summary: "Run the drift job now (flushes this instance's histograms first) and return its report",
      ...admin,
      requestBody: body('DriftRunRequest', false),
      responses: {
        200: json(ref('DriftReport')),
        409: error('skipped: the drift advisory lock is held'),
        ...adminErrors,
      },
    },
  },
  '/api/ml/drift/reports': {
    get: {
      tags: ['drift'],
      summary: 'Recent drift reports (summaries)',
      parameters: [query('limit', { type: 'integer', default: 20 })],
      responses: { 200: json({ type: 'array', items: ref('DriftReport') }) },
    },
  },
  '/api/ml/drift/reports/{id}': {
    get: {
      tags: ['drift'],
      summary: 'One drift report with per-feature scores',
      parameters: [path('id')],
      responses: { 200: json(ref('DriftReport')), 404: error('not found') },
    },
  },
  '/api/ml/drift/reports/{id}/html': {
    get: {
      tags: ['drift'],
      summary: 'One drift report as a self-contained HTML file (opens offline)',
      parameters: [path('id')],
      responses: {
        200: { description: 'OK', content: { 'text/html': { schema: { type: 'string' } } } },
        404: error('not found'),
      },
    },
  },
  '/api/ml/outcomes': {
    post: {
      tags: ['outcomes'],
      summary: 'Record outcomes (idempotent per pattern_id; unknown ids accepted and counted)',
      requestBody: body('OutcomesRequest'),
      responses: { 202: json(ref('OutcomesResponse'), 'accepted'), 400: error('invalid outcomes') },
    },
  },
  '/api/ml/rollout': {
    get: {
      tags: ['rollout'],
      summary: 'Kill switch and rollout percent in force',
      responses: { 200: json(ref('Rollout')) },
    },
    put: {
      tags: ['rollout'],
      summary: 'Change the kill switch / percent: persisted, audited, applied by every replica within seconds',
      ...admin,
      requestBody: body('RolloutUpdate'),
      responses: {
        200: json(ref('Rollout')),
        400: error('percent outside 0..100 or enabled not boolean'),
        ...adminErrors,
      },
    },
  },
  '/api/ml/rollout/readiness': {
    get: {
      tags: ['rollout'],
      summary: "The plan's pre-enablement checklist and success criteria, each pass | fail | unknown with evidence",
      responses: { 200: json(ref('Readiness')) },
    },
  },
  '/dashboard': {
    get: {
      tags: ['ui'],
      summary: 'Operator page',
      responses: { 200: { description: 'HTML', content: { 'text/html': {} } } },
    },
  },
  '/dashboard/assets/{name}': {
    get: {
      tags: ['ui'],
      summary: 'Operator page assets (bundled JS/CSS)',
      parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        200: { description: 'asset' },
        404: error('no such asset'),
        503: error('bundle not built: run npm run build:dashboard'),
      },
    },
  },
};

/** The OpenAPI 3 document of DESIGN §4. */
export function openApiDocument(version: string): OpenAPIObject {
  return {
    openapi: '3.0.3',
    info: {
      title: 'Pattern-confidence ML service',
      version,
      description:
        'Scores chart patterns with an ONNX model blended with the rule confidence (60/40, threshold 0.55), ' +
        'falls back to rules with a named reason, and monitors itself (DESIGN §4).',
    },
    paths: OPERATIONS,
    components: {
      schemas: SCHEMAS,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'ML_ADMIN_TOKEN' } },
    },
  };
}
