/**
 * Operator page: polls the service's JSON API (and the Prometheus text for the live rates) and draws
 * it. No framework: DOM built with textContent only, charts by uPlot, everything from this origin
 * so it runs under a strict Content-Security-Policy.
 */
import { groupLabel, groupRanges, proportions } from '../histogram-groups.util';
import {
  AlertsResponse,
  AlertView,
  ApiError,
  Baseline,
  DriftReport,
  DriftReportSummary,
  getJson,
  getText,
  HealthResponse,
  MetricsResponse,
  postAdmin,
  ReadinessItem,
  ReadinessResponse,
  RolloutView,
  SeriesDrift,
} from './api';
import { GroupBarsChart, TimeChart } from './charts';
import { byId, fill, fillMeta, fmt, h, showError } from './dom';
import { CounterSample, parseCounters, ratesBetween } from './prometheus';

const params = new URLSearchParams(window.location.search);
const clampParam = (name: string, def: number, min: number, max: number): number => {
  const v = Number(params.get(name) ?? def);
  return Number.isFinite(v) ? Math.min(max, Math.max(min, v)) : def;
};
/** Seconds between polls of the fast-moving data (`?refresh=`). */
const REFRESH_S = clampParam('refresh', 5, 1, 60);
/** Minutes of per-minute history to chart (`?history=`). */
const HISTORY_MIN = clampParam('history', 60, 5, 1440);
/** The slow sections (drift report, readiness) refresh every this many polls. */
const SLOW_EVERY = Math.max(1, Math.round(30 / REFRESH_S));
/** Live samples kept in the browser: 30 minutes at the default rate. */
const LIVE_KEEP = Math.ceil(1800 / REFRESH_S);

const FALLBACK_REASONS = [
  'ml_disabled',
  'not_in_rollout',
  'model_unavailable',
  'inference_error',
  'inference_timeout',
  'circuit_open',
  'invalid_features',
] as const;
const REASON_COLORS = ['#7c3aed', '#0891b2', '#b91c1c', '#dc2626', '#ea580c', '#a16207', '#db2777'];

/** The admin token for Ack: asked for once, kept in this variable only (never in storage). */
let adminToken: string | null = null;

const loaded = new Set<string>();
const SECTIONS = ['metrics', 'live', 'health', 'alerts', 'rollout', 'drift', 'readiness'] as const;
type SectionName = (typeof SECTIONS)[number];

function markLoaded(name: SectionName): void {
  loaded.add(name);
  document.body.dataset.loaded = [...loaded].sort().join(' ');
  if (SECTIONS.every((s) => loaded.has(s))) {
    document.body.dataset.ready = 'true';
  }
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

// ---------------------------------------------------------------- serving metrics

const latencyChart = new TimeChart(
  byId('chart-latency'),
  [
    { label: 'p50', stroke: '#2563eb', format: fmt.ms },
    { label: 'p95', stroke: '#e0762f', format: fmt.ms },
    { label: 'p99', stroke: '#b91c1c', format: fmt.ms },
    { label: 'p95 target', stroke: '#8795a5', dash: [6, 4], format: fmt.ms },
  ],
  { y: 'ms' },
);
const requestsChart = new TimeChart(
  byId('chart-requests'),
  [
    { label: 'requests / min', stroke: '#1d2733', format: fmt.int },
    { label: 'fallback rate', stroke: '#db2777', scale: 'r', format: (v) => (v === null ? '—' : `${v.toFixed(1)}%`) },
    { label: 'error rate', stroke: '#b91c1c', scale: 'r', format: (v) => (v === null ? '—' : `${v.toFixed(2)}%`) },
  ],
  { y: 'requests / min', r: '%' },
);
const cacheChart = new TimeChart(
  byId('chart-cache'),
  [
    { label: 'cache hit rate', stroke: '#059669', format: (v) => (v === null ? '—' : `${v.toFixed(1)}%`) },
    { label: 'ML usage rate', stroke: '#2563eb', format: (v) => (v === null ? '—' : `${v.toFixed(1)}%`) },
    { label: 'cache target', stroke: '#8795a5', dash: [6, 4], format: (v) => (v === null ? '—' : `${v.toFixed(0)}%`) },
  ],
  { y: '%' },
);
const liveChart = new TimeChart(
  byId('chart-live'),
  [
    { label: 'requests', stroke: '#1d2733', format: (v) => (v === null ? '—' : `${v.toFixed(2)}/s`) },
    ...FALLBACK_REASONS.map((reason, i) => ({
      label: reason,
      stroke: REASON_COLORS[i],
      format: (v: number | null) => (v === null ? '—' : `${v.toFixed(2)}/s`),
    })),
  ],
  { y: 'per second' },
  'second',
);

const toPct = (v: number | null): number | null => (v === null ? null : v * 100);

function kpi(label: string, value: string, status: string | undefined, hint: string): HTMLElement {
  return h(
    'div',
    { className: `kpi ${status ?? 'neutral'}`, title: hint },
    h('span', { className: 'kpi-label' }, label),
    h('span', { className: 'kpi-value' }, value),
    status ? h('span', { className: 'kpi-status' }, status) : null,
  );
}

async function refreshMetrics(): Promise<void> {
  const m = await getJson<MetricsResponse>(`/api/ml/metrics?history=${HISTORY_MIN}&window=5m`);
  const c = m.current;
  const t = m.thresholds;
  const target = (name: string, f: (v: number) => string): string =>
    t[name] ? `target ${f(t[name].target)}, alert ${f(t[name].alert)}` : '';
  byId('metrics-window').textContent =
    `current ${Math.round((c.window_seconds ?? 300) / 60)}-minute window · ${fmt.int(c.request_count)} requests`;
  fill(
    byId('kpis'),
    kpi('Latency p50', fmt.ms(c.inference_latency_p50), undefined, 'model inference latency, median'),
    kpi(
      'Latency p95',
      fmt.ms(c.inference_latency_p95),
      m.status.inference_latency_p95,
      target('inference_latency_p95', (v) => `${v} ms`),
    ),
    kpi('Latency p99', fmt.ms(c.inference_latency_p99), undefined, 'model inference latency, 99th percentile'),
    kpi('Cache hit rate', fmt.pct(c.cache_hit_rate), m.status.cache_hit_rate, target('cache_hit_rate', fmt.pct)),
    kpi('ML usage rate', fmt.pct(c.ml_usage_rate), undefined, 'requests answered by the model / all scored requests'),
    kpi('Fallback rate', fmt.pct(c.fallback_rate), m.status.fallback_rate, target('fallback_rate', fmt.pct)),
    kpi('Error rate', fmt.pct(c.error_rate), m.status.error_rate, target('error_rate', fmt.pct)),
    kpi('Requests', fmt.int(c.request_count), undefined, 'scored requests in the window'),
  );
  const xs = m.history.map((p) => Date.parse(p.timestamp) / 1000);
  const p95Target = t.inference_latency_p95?.target ?? null;
  const cacheTarget = t.cache_hit_rate ? t.cache_hit_rate.target * 100 : null;
  latencyChart.setData(xs, [
    m.history.map((p) => p.inference_latency_p50),
    m.history.map((p) => p.inference_latency_p95),
    m.history.map((p) => p.inference_latency_p99),
    m.history.map(() => p95Target),
  ]);
  requestsChart.setData(xs, [
    m.history.map((p) => p.request_count),
    m.history.map((p) => toPct(p.fallback_rate)),
    m.history.map((p) => toPct(p.error_rate)),
  ]);
  cacheChart.setData(xs, [
    m.history.map((p) => toPct(p.cache_hit_rate)),
    m.history.map((p) => toPct(p.ml_usage_rate)),
    m.history.map(() => cacheTarget),
  ]);
  markLoaded('metrics');
}

// ---------------------------------------------------------------- live rates from /metrics

let lastCounters: CounterSample | null = null;
const live = { xs: [] as number[], requests: [] as number[], reasons: FALLBACK_REASONS.map(() => [] as number[]) };

async function refreshLive(): Promise<void> {
  const sample = parseCounters(await getText('/metrics'), Date.now() / 1000);
  const rates = lastCounters ? ratesBetween(lastCounters, sample, FALLBACK_REASONS) : null;
  lastCounters = sample;
  if (rates) {
    live.xs.push(sample.at);
    live.requests.push(rates.requests);
    rates.fallbacks.forEach((r, i) => live.reasons[i].push(r));
    if (live.xs.length > LIVE_KEEP) {
      live.xs.shift();
      live.requests.shift();
      live.reasons.forEach((s) => s.shift());
    }
  }
  liveChart.setData(live.xs, [live.requests, ...live.reasons]);
  markLoaded('live');
}

// ---------------------------------------------------------------- health and rollout (header)

async function refreshHealth(): Promise<void> {
  const health = await getJson<HealthResponse>('/api/ml/health', [503]);
  const pill = byId('health-pill');
  const down = [...health.critical, ...health.warnings];
  pill.className = `pill ${health.severity === 'CRITICAL' ? 'alert' : health.severity === 'WARNING' ? 'warning' : 'ok'}`;
  pill.textContent = down.length > 0 ? `health: ${health.severity} (${down.join(', ')})` : 'health: ok';
  pill.title = Object.entries(health.details)
    .map(([k, d]) => `${k}: ${d.status}`)
    .join('\n');
  const model = health.details.model ?? {};
  const version = typeof model.model_version === 'string' ? model.model_version : null;
  const state = typeof model.state === 'string' ? model.state : model.status;
  byId('model-pill').textContent = `model ${version ?? '—'} (${state})`;
  markLoaded('health');
}

async function refreshRollout(): Promise<void> {
  const r = await getJson<RolloutView>('/api/ml/rollout');
  const pill = byId('rollout-pill');
  pill.className = `pill ${r.enabled ? 'ok' : 'neutral'}`;
  pill.textContent = r.enabled ? `ML on · ${r.percent}% rollout` : 'ML off (kill switch)';
  fillMeta(byId('rollout-meta'), [
    [
      'ML enabled',
      h('span', { className: `pill ${r.enabled ? 'ok' : 'warning'}` }, r.enabled ? 'enabled' : 'disabled'),
    ],
    ['Rollout percent', `${r.percent}% of patterns in the ml arm`],
    ['Source', r.source === 'database' ? 'set through the API' : 'boot defaults (environment)'],
    ['Updated', r.updated_at ? `${fmt.time(r.updated_at)} by ${r.updated_by ?? '—'}` : '—'],
  ]);
  markLoaded('rollout');
}

// ---------------------------------------------------------------- alerts and Ack

async function acknowledge(alert: AlertView, button: HTMLButtonElement): Promise<void> {
  const status = byId('ack-status');
  if (!adminToken) {
    const entered = window.prompt(
      `Admin token (ML_ADMIN_TOKEN) to acknowledge alert #${alert.id}.\nIt is kept in this tab's memory only.`,
    );
    if (!entered || !entered.trim()) {
      status.textContent = 'Ack cancelled: no token given.';
      return;
    }
    adminToken = entered.trim();
    byId('forget-token').hidden = false;
  }
  button.disabled = true;
  try {
    await postAdmin<AlertView>(`/api/ml/alerts/${alert.id}/ack`, adminToken);
    status.textContent = `Alert #${alert.id} acknowledged.`;
    status.className = 'status-line ok';
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
      adminToken = null;
      byId('forget-token').hidden = true;
    }
    status.textContent = `Ack of alert #${alert.id} failed: ${messageOf(err)}`;
    status.className = 'status-line alert';
    button.disabled = false;
    return;
  }
  await refreshAlerts().catch((err: unknown) => showError(byId('alerts-error'), messageOf(err)));
}

function alertRow(a: AlertView): HTMLTableRowElement {
  let action: HTMLElement | string = '';
  if (a.status === 'open') {
    const button = h('button', { className: 'ack', attrs: { type: 'button', 'data-alert-id': String(a.id) } }, 'Ack');
    button.addEventListener('click', () => void acknowledge(a, button));
    action = button;
  } else if (a.acknowledged_by) {
    action = h('span', { className: 'muted' }, `by ${a.acknowledged_by}`);
  }
  return h(
    'tr',
    { attrs: { 'data-alert-id': String(a.id), 'data-status': a.status } },
    h('td', {}, h('span', { className: `pill sev-${a.severity.toLowerCase()}` }, a.severity)),
    h('td', { className: 'mono' }, a.type),
    h('td', {}, h('div', { className: 'alert-title' }, a.title), h('div', { className: 'muted small' }, a.message)),
    h('td', {}, h('span', { className: `pill st-${a.status}` }, a.status)),
    h('td', { className: 'n', title: `first seen ${fmt.time(a.first_seen_at)}` }, `${a.occurrences}×`),
    h('td', { title: fmt.time(a.last_seen_at) }, fmt.ago(a.last_seen_at)),
    h('td', {}, action),
  );
}

async function refreshAlerts(): Promise<void> {
  const res = await getJson<AlertsResponse>('/api/ml/alerts?status=open&limit=100');
  const body = byId('alerts-body');
  if (res.alerts.length === 0) {
    fill(body, h('tr', {}, h('td', { className: 'muted', attrs: { colspan: '7' } }, 'No open alerts.')));
  } else {
    fill(body, ...res.alerts.map(alertRow));
  }
  const open = res.alerts.filter((a) => a.status === 'open').length;
  byId('alerts-count').textContent =
    `${open} open, ${res.alerts.length - open} acknowledged${res.next_cursor ? ' (first 100)' : ''}`;
  const d = res.drift;
  byId('drift-summary').textContent =
    d && d.report_id !== null
      ? `Latest drift run #${d.report_id} (${fmt.ago(d.computed_at)}): ${d.status}, feature drift score ${fmt.num(d.feature_drift_score)}, prediction drift ${fmt.num(d.prediction_drift_score)}${d.drifted_features.length > 0 ? `, drifted: ${d.drifted_features.join(', ')}` : ''}.`
      : 'No drift run yet.';
  showError(byId('alerts-error'), null);
  markLoaded('alerts');
}

// ---------------------------------------------------------------- drift report

const histogram = new GroupBarsChart(byId('chart-histogram'));
const drift: { report: DriftReport | null; baseline: Baseline | null; selected: string | null } = {
  report: null,
  baseline: null,
  selected: null,
};

function showFeature(name: string): void {
  const report = drift.report;
  const d = [...(report?.report.features ?? []), ...(report?.report.prediction ? [report.report.prediction] : [])].find(
    (f) => f.feature === name,
  );
  if (!report || !d) {
    return;
  }
  drift.selected = name;
  for (const row of byId('drift-body').querySelectorAll('tr')) {
    row.classList.toggle('selected', row.dataset.feature === name);
  }
  const ref = drift.baseline && drift.baseline.id === report.baseline_id ? drift.baseline.features[name] : undefined;
  const ranges =
    ref && ref.groups.length === d.baseline_groups.length
      ? groupRanges(ref.edges, ref.groups, ref.counts.length)
      : null;
  const labels = d.baseline_groups.map((_, i) => (ranges ? groupLabel(ranges[i]) : `group ${i + 1}`));
  histogram.show(
    labels,
    proportions(d.baseline_groups).map((p) => p * 100),
    proportions(d.current_groups).map((p) => p * 100),
  );
  byId('histogram-title').textContent =
    `${name}: baseline vs current share per coarse group (PSI ${fmt.num(d.psi)}, JS ${fmt.num(d.js_distance)})`;
  byId('histogram-note').textContent = ranges
    ? `Groups are the baseline's equal-mass value ranges, with values below and above the baseline's range as groups of their own; n = ${d.sample_size} in the window.`
    : `Baseline #${report.baseline_id ?? '—'} is not the active one, so group value ranges are not shown; n = ${d.sample_size}.`;
}

function driftRow(d: SeriesDrift): HTMLTableRowElement {
  const button = h('button', { className: 'link', attrs: { type: 'button' } }, d.feature);
  button.addEventListener('click', () => showFeature(d.feature));
  return h(
    'tr',
    { className: d.drifted ? 'drifted' : '', attrs: { 'data-feature': d.feature } },
    h('td', {}, button, d.drifted ? h('span', { className: 'pill alert small' }, 'drift') : null),
    h('td', { className: 'n' }, fmt.num(d.psi)),
    h('td', { className: 'n' }, fmt.num(d.js_distance)),
    h('td', { className: 'n' }, fmt.int(d.sample_size)),
    h('td', { className: 'n' }, fmt.pct(d.share_below_baseline_range + d.share_above_baseline_range)),
  );
}

async function refreshDrift(): Promise<void> {
  const list = await getJson<DriftReportSummary[]>('/api/ml/drift/reports?limit=20');
  const latest = list.find((r) => r.status === 'ok' || r.status === 'drift') ?? list[0];
  const link = byId<HTMLAnchorElement>('drift-html-link');
  if (!latest) {
    fillMeta(byId('drift-meta'), [
      ['Report', 'No drift report yet: the drift job runs on its schedule, or POST /api/ml/drift/run (admin).'],
    ]);
    link.hidden = true;
    histogram.clear();
    markLoaded('drift');
    return;
  }
  if (drift.report?.id !== latest.id) {
    const report = await getJson<DriftReport>(`/api/ml/drift/reports/${latest.id}`);
    if (report.baseline_id !== null && drift.baseline?.id !== report.baseline_id) {
      drift.baseline = await getJson<Baseline>('/api/ml/baseline').catch(() => null);
    }
    drift.report = report;
    const features = [...(report.report.features ?? [])].sort((a, b) => (b.psi ?? -1) - (a.psi ?? -1));
    fill(byId('drift-body'), ...features.map(driftRow));
    link.href = `/api/ml/drift/reports/${report.id}/html`;
    link.hidden = false;
    const keep = drift.selected && features.some((f) => f.feature === drift.selected) ? drift.selected : null;
    const first = keep ?? features[0]?.feature ?? null;
    if (first) {
      showFeature(first);
    } else {
      histogram.clear();
      byId('histogram-note').textContent = report.report.message ?? 'This run has no per-feature scores.';
    }
  }
  const r = drift.report;
  fillMeta(byId('drift-meta'), [
    ['Report', `#${r.id} · ${r.trigger} · ${fmt.time(r.created_at)}`],
    [
      'Status',
      h(
        'span',
        { className: `pill ${r.status === 'drift' ? 'alert' : r.status === 'ok' ? 'ok' : 'warning'}` },
        r.status,
      ),
    ],
    ['Window', `${fmt.time(r.window_start)} → ${fmt.time(r.window_end)}`],
    ['Sample size', fmt.int(r.sample_size)],
    ['Baseline', r.baseline_id === null ? '—' : `#${r.baseline_id}`],
    ['Feature drift score', `${fmt.num(r.feature_drift_score)} (max PSI)`],
    ['Prediction drift score', fmt.num(r.prediction_drift_score)],
    ['Drifted features', r.drifted_features.length > 0 ? r.drifted_features.join(', ') : 'none'],
  ]);
  markLoaded('drift');
}

// ---------------------------------------------------------------- readiness

function evidenceText(e: ReadinessItem['evidence']): string {
  if (typeof e === 'string') {
    return e;
  }
  const text = Object.entries(e)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ');
  return text.length > 220 ? `${text.slice(0, 217)}…` : text;
}

function checklistItem(i: ReadinessItem): HTMLLIElement {
  return h(
    'li',
    { attrs: { 'data-result': i.result, 'data-id': i.id } },
    h('span', { className: `pill res-${i.result}` }, i.result),
    h('div', {}, h('div', {}, i.title), h('div', { className: 'muted small' }, evidenceText(i.evidence))),
  );
}

async function refreshReadiness(): Promise<void> {
  const r = await getJson<ReadinessResponse>('/api/ml/rollout/readiness');
  const pill = byId('ready-pill');
  pill.className = `pill ${r.ready_to_enable ? 'ok' : 'warning'}`;
  pill.textContent = r.ready_to_enable ? 'ready to enable' : 'not ready';
  fill(byId('readiness-checklist'), ...r.checklist.map(checklistItem));
  fill(byId('readiness-criteria'), ...r.success_criteria.map(checklistItem));
  markLoaded('readiness');
}

// ---------------------------------------------------------------- polling loop

async function guarded(errorId: string, task: () => Promise<void>): Promise<void> {
  try {
    await task();
    showError(byId(errorId), null);
  } catch (err) {
    showError(byId(errorId), `Could not load: ${messageOf(err)}`);
  }
}

let tick = 0;

async function poll(): Promise<void> {
  const jobs = [
    guarded('metrics-error', refreshMetrics),
    guarded('live-error', refreshLive),
    refreshHealth().catch((err: unknown) => {
      const pill = byId('health-pill');
      pill.className = 'pill alert';
      pill.textContent = `health: unreachable (${messageOf(err)})`;
    }),
    guarded('alerts-error', refreshAlerts),
    guarded('rollout-error', refreshRollout),
  ];
  if (tick % SLOW_EVERY === 0) {
    jobs.push(guarded('drift-error', refreshDrift), guarded('readiness-error', refreshReadiness));
  }
  tick++;
  await Promise.all(jobs);
  byId('updated-at').textContent = `updated ${new Date().toLocaleTimeString()} · every ${REFRESH_S} s`;
  window.setTimeout(() => void poll(), REFRESH_S * 1000);
}

byId('forget-token').addEventListener('click', () => {
  adminToken = null;
  byId('forget-token').hidden = true;
  byId('ack-status').textContent = 'Admin token forgotten.';
});

void poll();
