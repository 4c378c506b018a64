/** The service's JSON API as the page reads it (shapes of DESIGN §4; only the fields the page uses). */

export interface WindowMetrics {
  inference_latency_p50: number | null;
  inference_latency_p95: number | null;
  inference_latency_p99: number | null;
  cache_hit_rate: number | null;
  ml_usage_rate: number | null;
  fallback_rate: number | null;
  error_rate: number | null;
  request_count: number;
  window_seconds?: number;
}

export type MetricStatus = 'ok' | 'warning' | 'alert' | 'unknown';

export interface MetricsResponse {
  current: WindowMetrics;
  history: Array<WindowMetrics & { timestamp: string; instances: number }>;
  thresholds: Record<string, { target: number; alert: number; direction: 'lower' | 'higher' }>;
  status: Record<string, MetricStatus>;
}

export interface HealthResponse {
  status: string;
  severity: 'CRITICAL' | 'WARNING' | null;
  critical: string[];
  warnings: string[];
  details: Record<string, { status: string; severity?: string; [k: string]: unknown }>;
}

export interface AlertView {
  id: number;
  type: string;
  severity: 'INFO' | 'WARNING' | 'CRITICAL';
  status: 'open' | 'acknowledged' | 'resolved';
  title: string;
  message: string;
  details: Record<string, unknown>;
  first_seen_at: string;
  last_seen_at: string;
  occurrences: number;
  acknowledged_by?: string | null;
}

export interface DriftSummary {
  report_id: number | null;
  status: string;
  feature_drift_score: number | null;
  prediction_drift_score: number | null;
  drifted_features: string[];
  computed_at: string | null;
  baseline_id: number | null;
  sample_size: number;
}

export interface AlertsResponse {
  drift: DriftSummary | null;
  alerts: AlertView[];
  next_cursor: string | null;
}

export interface SeriesDrift {
  feature: string;
  psi: number | null;
  js_distance: number | null;
  baseline_groups: number[];
  current_groups: number[];
  sample_size: number;
  non_finite_rate: number;
  share_below_baseline_range: number;
  share_above_baseline_range: number;
  drifted: boolean;
}

export interface DriftReportSummary {
  id: number;
  created_at: string;
  baseline_id: number | null;
  window_start: string;
  window_end: string;
  trigger: string;
  status: 'ok' | 'drift' | 'insufficient_data' | 'no_baseline';
  sample_size: number;
  feature_drift_score: number | null;
  prediction_drift_score: number | null;
  drifted_features: string[];
}

export interface DriftReport extends DriftReportSummary {
  report: { features?: SeriesDrift[]; prediction?: SeriesDrift | null; message?: string };
}

export interface FeatureReference {
  edges: number[];
  counts: number[];
  groups: number[];
}

export interface Baseline {
  id: number;
  source: string;
  label: string | null;
  features: Record<string, FeatureReference>;
}

export interface RolloutView {
  enabled: boolean;
  percent: number;
  source: string;
  updated_at: string | null;
  updated_by: string | null;
}

export interface ReadinessItem {
  id: string;
  title: string;
  result: 'pass' | 'fail' | 'unknown';
  evidence: Record<string, unknown> | string;
}

export interface ReadinessResponse {
  ready_to_enable: boolean;
  checklist: ReadinessItem[];
  success_criteria: ReadinessItem[];
  evaluated_at: string;
}

/** An API answer that was not what the page asked for; carries the service's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function messageOf(body: unknown, fallback: string): string {
  if (body && typeof body === 'object' && 'message' in body) {
    const m = body.message;
    return Array.isArray(m) ? m.join('; ') : String(m);
  }
  return fallback;
}

/** GET a JSON resource; `accept` lists non-2xx statuses whose body is still the answer (health's 503). */
export async function getJson<T>(path: string, accept: number[] = []): Promise<T> {
  const res = await fetch(path, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok && !accept.includes(res.status)) {
    throw new ApiError(res.status, `${path}: ${res.status} ${messageOf(body, res.statusText)}`);
  }
  return body as T;
}

/** GET a text resource (the Prometheus exposition). */
export async function getText(path: string): Promise<string> {
  const res = await fetch(path, { cache: 'no-store' });
  if (!res.ok) {
    throw new ApiError(res.status, `${path}: ${res.status} ${res.statusText}`);
  }
  return res.text();
}

/** POST with the admin bearer token; resolves to the JSON answer or throws ApiError with the service's message. */
export async function postAdmin<T>(path: string, token: string): Promise<T> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { Accept: 'application/json', Authorization: `Bearer ${token}` },
    cache: 'no-store',
  });
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    throw new ApiError(res.status, messageOf(body, `${res.status} ${res.statusText}`));
  }
  return body as T;
}
