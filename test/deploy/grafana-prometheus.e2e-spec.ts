import request from 'supertest';
import { generatePatterns } from '@app/simulation';
import { FaultyRuntime } from '../support/faulty-runtime';
import { makeModelDir } from '../support/model-fixture';
import { eventually, patterns, sleep, zeroVolume } from '../support/patterns';
import { bootTestApp, TestApp } from '../support/test-app';
import {
  alertRules,
  loadYaml,
  ManagedProcess,
  metricNames,
  promQuery,
  readRepoFile,
  ROOT,
  startPrometheus,
} from './monitoring-tools';

const TOKEN = 'grafana-e2e-admin-token';
const auth = { Authorization: `Bearer ${TOKEN}` };
const MIN = 60_000;

interface Target {
  expr?: string;
  refId: string;
  format?: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  targets?: Target[];
  panels?: Panel[];
  gridPos: { x: number; y: number; w: number; h: number };
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query?: { query: string } | string }> };
  annotations: { list: Array<{ expr?: string }> };
}

/**
 * Grafana's variables as Grafana would expand them here: one job, every replica, and windows that
 * cover the traffic this test sends (Prometheus scrapes every second).
 */
const VARIABLES: Record<string, string> = {
  __rate_interval: '30s',
  __interval: '15s',
  __range: '5m',
  job: 'ml-service',
  instance: '.*',
};

function expand(expr: string): string {
  const out = expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (m: string, a?: string, b?: string) => VARIABLES[a ?? b ?? ''] ?? m);
  if (out.includes('$')) {
    throw new Error(`unexpanded Grafana variable in: ${expr}`);
  }
  return out;
}

/** Panels in dashboard order with the row each belongs to (rows are not collapsed, so panels are top-level). */
function panelsByRow(d: Dashboard): Array<{ row: string; panel: Panel }> {
  let row = '';
  const out: Array<{ row: string; panel: Panel }> = [];
  for (const p of d.panels) {
    if (p.type === 'row') {
      row = p.title;
      for (const inner of p.panels ?? []) {
        out.push({ row, panel: inner });
      }
    } else {
      out.push({ row, panel: p });
    }
  }
  return out;
}

const dashboard = JSON.parse(readRepoFile('deploy/grafana/dashboards/ml-service.json')) as Dashboard;
const panels = panelsByRow(dashboard);

describe('Grafana provisioning and dashboard (static)', () => {
  it("has the plan's four rows with the plan's panels", () => {
    expect(dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title)).toEqual([
      'Real-time Performance',
      'Model Health',
      'Business Metrics',
      'System Resources',
    ]);
    const titles = (row: string) => panels.filter((p) => p.row === row).map((p) => p.panel.title);
    expect(titles('Real-time Performance')).toEqual(
      expect.arrayContaining([
        'Inference latency p50 / p95 / p99',
        'Inference latency histogram',
        'Scoring throughput by answer source',
        'Scoring request rate by route and status',
        'Cache hits / misses',
        'Cache hit rate',
        'Active inferences',
      ]),
    );
    expect(titles('Model Health')).toEqual(
      expect.arrayContaining([
        'Mean confidence: ML vs rule vs blended',
        'ML confidence distribution',
        'Rule confidence distribution',
        'Fallback trigger reasons',
        'Model version in use',
        'Feature extraction success rate',
      ]),
    );
    expect(titles('Business Metrics')).toEqual(
      expect.arrayContaining([
        'Pattern confidence accuracy by arm',
        'False positive / false negative rate by arm',
        'Adoption: ML usage rate vs rollout',
        'API usage by endpoint',
      ]),
    );
    expect(titles('System Resources')).toEqual(
      expect.arrayContaining(['Memory (model loading)', 'CPU utilization (inference)', 'Event-loop lag']),
    );
    const latency = panels.find((p) => p.panel.title === 'Inference latency p50 / p95 / p99')!.panel;
    expect(latency.targets!.map((t) => /histogram_quantile\((0\.\d+),/.exec(t.expr!)?.[1])).toEqual([
      '0.5',
      '0.95',
      '0.99',
    ]);
  });

  it('lays panels out without overlaps on the 24-column grid, with unique ids', () => {
    const all = dashboard.panels;
    expect(new Set(all.map((p) => p.id)).size).toBe(all.length);
    for (const p of all) {
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
    }
    for (let i = 0; i < all.length; i++) {
      for (let j = i + 1; j < all.length; j++) {
        const a = all[i].gridPos;
        const b = all[j].gridPos;
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        expect({ a: all[i].title, b: all[j].title, overlap }).toEqual({
          a: all[i].title,
          b: all[j].title,
          overlap: false,
        });
      }
    }
  });

  it('is provisioned from the directory compose mounts, against a provisioned Prometheus datasource', () => {
    const ds = loadYaml<{ datasources: Array<{ type: string; url: string; uid: string }> }>(
      'deploy/grafana/provisioning/datasources/prometheus.yml',
    );
    expect(ds.datasources).toEqual([expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090' })]);
    const prov = loadYaml<{ providers: Array<{ type: string; options: { path: string } }> }>(
      'deploy/grafana/provisioning/dashboards/ml-service.yml',
    );
    expect(prov.providers[0]).toMatchObject({ type: 'file', options: { path: '/var/lib/grafana/dashboards' } });
    const compose = readRepoFile('docker-compose.yml');
    expect(compose).toContain('./deploy/grafana/dashboards:/var/lib/grafana/dashboards:ro');
    expect(compose).toContain('./deploy/grafana/provisioning:/etc/grafana/provisioning:ro');
    // Every panel and target asks the dashboard's datasource variable, so an import can pick its own.
    for (const { panel } of panels) {
      expect((panel as unknown as { datasource: { uid: string } }).datasource.uid).toBe('${datasource}');
    }
  });
});

describe('Grafana dashboard queries on a real Prometheus scraping the service', () => {
  let t: TestApp;
  let prom: ManagedProcess;
  const runtime = new FaultyRuntime();

  beforeAll(async () => {
    t = await bootTestApp(
      {
        ENABLE_PHASE5_ML: true,
        ML_ROLLOUT_PERCENT: 70, // both arms, so the business panels have ML and control
        ML_MODEL_DIR: makeModelDir('rf', 'lr'),
        ML_ADMIN_TOKEN: TOKEN,
        DRIFT_MIN_SAMPLES: 50,
      },
      { runtime },
    );
    const port = new URL(t.url).port;
    prom = await startPrometheus(
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'rule_files:',
        `  - ${ROOT}/deploy/prometheus/alerts.yml`,
        'scrape_configs:',
        '  - job_name: ml-service',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${port}']`,
        '',
      ].join('\n'),
    );

    // Prometheus must have scraped the idle service before traffic starts, or rates see no increase.
    await eventually(
      async () => (await promQuery(prom.url, 'up{job="ml-service"} == 1')).data?.result.length === 1,
      20_000,
      250,
    );

    // Labelled traffic first: outcomes, a baseline and a drift run fill the business and drift gauges.
    const sims = generatePatterns(4242, 300);
    const items = sims.map((s, i) => ({ ...s.input, pattern_id: `gp-${i}` }));
    for (let k = 0; k < items.length; k += 100) {
      await request(t.url)
        .post('/api/ml/confidence/batch')
        .send({ items: items.slice(k, k + 100) })
        .expect(200);
    }
    await request(t.url)
      .post('/api/ml/outcomes')
      .send({
        outcomes: sims.map((s, i) => ({
          pattern_id: `gp-${i}`,
          outcome: s.outcome === 1 ? 'success' : 'failure',
          resolved_at: new Date().toISOString(),
        })),
      })
      .expect(202);
    await request(t.url).post('/api/ml/baseline').set(auth).send({ source: 'training' }).expect(201);
    const to = Math.floor(Date.now() / MIN) * MIN + MIN;
    await request(t.url)
      .post('/api/ml/drift/run')
      .set(auth)
      .send({ from: new Date(to - 60 * MIN).toISOString(), to: new Date(to).toISOString() })
      .expect(200);

    // Then live traffic inside the 30 s rate window: misses, repeats (cache hits), invalid features,
    // model timeouts, bad requests. Twice, a few scrapes apart: a labelled counter appears on its first
    // increment, so its first round only creates the series and the second gives rate() an increase.
    const timeouts: string[] = [];
    const liveRound = async (seed: number) => {
      const fresh = patterns(30, seed, `live${seed}`);
      for (const p of fresh) {
        await request(t.url).post('/api/ml/confidence').send(p).expect(200);
      }
      for (const p of fresh.slice(0, 20)) {
        await request(t.url).post('/api/ml/confidence').send(p).expect(200);
      }
      for (const p of patterns(3, seed + 1, `zero${seed}`)) {
        await request(t.url).post('/api/ml/confidence').send(zeroVolume(p)).expect(200);
      }
      runtime.mode = 'slow';
      runtime.delayMs = 250;
      const slow = await Promise.all(
        patterns(8, seed + 2, `slow${seed}`).map((p) => request(t.url).post('/api/ml/confidence').send(p).expect(200)),
      );
      runtime.mode = 'ok';
      timeouts.push(...slow.map((r) => r.body.fallback_reason as string).filter((r) => r === 'inference_timeout'));
      await request(t.url).post('/api/ml/confidence').send({ pattern_id: 'bad' }).expect(400);
    };
    await liveRound(4300);
    await sleep(2500);
    await liveRound(4400);
    expect(timeouts.length).toBeGreaterThan(1);
    await request(t.url).get('/api/ml/health').expect(200);
    await request(t.url).get('/api/ml/metrics').expect(200);

    // Wait until Prometheus has scraped the final counts.
    const served = async () => {
      const text = (await request(t.url).get('/metrics')).text;
      return [...text.matchAll(/^ml_predictions_total\{[^}]*\} (\d+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
    };
    const total = await served();
    await eventually(
      async () => {
        const r = await promQuery(prom.url, 'sum(ml_predictions_total{job="ml-service"})');
        return Number(r.data?.result[0]?.value[1]) === total;
      },
      20_000,
      250,
    );
    await sleep(2000);
  }, 300_000);

  afterAll(async () => {
    await prom?.stop();
    await t?.close();
  });

  /** Panels whose queries may legitimately return nothing here; none at present. */
  const EXEMPT_FROM_DATA: Record<string, string> = {};

  it(`runs every panel query (${panels.reduce((n, p) => n + (p.panel.targets?.length ?? 0), 0)} in ${panels.length} panels): each parses and returns finite data`, async () => {
    const problems: string[] = [];
    let queried = 0;
    for (const { row, panel } of panels) {
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        const expr = expand(target.expr!);
        const res = await promQuery(prom.url, expr);
        queried++;
        const where = `${row} / ${panel.title} / ${target.refId}: ${expr}`;
        if (res.status !== 'success') {
          problems.push(`does not run (${res.error}): ${where}`);
          continue;
        }
        const finite = (res.data?.result ?? []).filter((s) => Number.isFinite(Number(s.value[1])));
        if (finite.length === 0 && !(panel.title in EXEMPT_FROM_DATA)) {
          problems.push(`no data (${res.data?.result.length ?? 0} series, none finite): ${where}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(queried).toBe(panels.reduce((n, p) => n + (p.panel.targets?.length ?? 0), 0));
  });

  it('shows the traffic it was given (spot checks of panel values)', async () => {
    const value = async (title: string, refId = 'A') => {
      const panel = panels.find((p) => p.panel.title === title)!.panel;
      const res = await promQuery(prom.url, expand(panel.targets!.find((x) => x.refId === refId)!.expr!));
      return res.data!.result;
    };
    const reasons = (await value('Fallback trigger reasons')).map((s) => s.metric.reason).sort();
    expect(reasons).toEqual(expect.arrayContaining(['inference_timeout', 'invalid_features', 'not_in_rollout']));
    const hitRate = Number((await value('Cache hit rate'))[0].value[1]);
    expect(hitRate).toBeGreaterThan(0);
    expect(hitRate).toBeLessThan(1);
    const arms = (await value('Pattern confidence accuracy by arm')).map((s) => s.metric.arm).sort();
    expect(arms).toEqual(['control', 'ml']);
    const version = await value('Model version in use');
    expect(version[0].metric).toMatchObject({ model_type: 'random_forest', feature_schema_version: 'v1' });
    const rollout = Number((await value('Adoption: ML usage rate vs rollout', 'B'))[0].value[1]);
    expect(rollout).toBe(0.7);
    const psi = await value('Top 10 drifting features (PSI)');
    expect(psi).toHaveLength(10);
  });

  it('selects only metric names the service really exports (dashboard, variables, alert rules)', async () => {
    const res = await fetch(`${prom.url}/api/v1/label/__name__/values`);
    const exported = new Set(((await res.json()) as { data: string[] }).data);
    const used = new Set<string>();
    for (const { panel } of panels) {
      for (const target of panel.targets ?? []) {
        metricNames(expand(target.expr!)).forEach((n) => used.add(`dashboard: ${n}`));
      }
    }
    for (const v of dashboard.templating.list) {
      const q = typeof v.query === 'string' ? v.query : v.query?.query;
      const m = q ? /label_values\((\w+)/.exec(q) : null;
      if (m) {
        used.add(`variable ${v.name}: ${m[1]}`);
      }
    }
    for (const r of alertRules()) {
      metricNames(r.expr).forEach((n) => used.add(`alert ${r.alert}: ${n}`));
    }
    const missing = [...used].filter((u) => !exported.has(u.split(': ')[1]));
    expect(missing).toEqual([]);
  });

  it('evaluates every alert rule on the live data without error, and the annotation query runs', async () => {
    const res = (await (await fetch(`${prom.url}/api/v1/rules?type=alert`)).json()) as {
      data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string; state: string }> }> };
    };
    const rules = res.data.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.name).sort()).toEqual(
      alertRules()
        .map((r) => r.alert)
        .sort(),
    );
    expect(rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`)).toEqual(
      [],
    );
    // A healthy, freshly booted service: neither unavailable, nor without a model, nor drift-job-stale.
    const state = Object.fromEntries(rules.map((r) => [r.name, r.state]));
    expect(state).toMatchObject({
      ml_service_unavailable: 'inactive',
      ml_model_not_loaded: 'inactive',
      ml_drift_job_stale: 'inactive',
    });
    for (const a of dashboard.annotations.list.filter((x) => x.expr)) {
      expect((await promQuery(prom.url, expand(a.expr!))).status).toBe('success');
    }
  });
});
