import { Client } from 'pg';
import request from 'supertest';
import { ManualClock } from '@app/common';
import { FEATURE_NAMES, PatternInput } from '@app/features';
import { generatePatterns, SimulationOptions } from '@app/simulation';
import { makeModelDir } from './support/model-fixture';
import { zeroVolume } from './support/patterns';
import { bootTestApp, TestApp } from './support/test-app';
import { withClient } from './support/test-database';

const TOKEN = 'drift-test-token-000000';
const MIN = 60_000;
const auth = { Authorization: `Bearer ${TOKEN}` };

interface Phase {
  start: number;
  end: number;
  ids: string[];
  outcomes: Map<string, 0 | 1>;
}

/** Independent slot of x: a linear scan over the layout [underflow, bins…, overflow, non-finite]. */
function naiveSlot(edges: number[], x: number): number {
  const m = edges.length;
  const nBins = Math.max(m - 1, 1);
  if (!Number.isFinite(x)) {
    return nBins + 2;
  }
  if (x < edges[0]) {
    return 0;
  }
  if (x > edges[m - 1]) {
    return nBins + 1;
  }
  for (let i = nBins - 1; i >= 0; i--) {
    if (x >= edges[i]) {
      return 1 + i;
    }
  }
  return 1;
}

function naivePsi(base: number[], cur: number[]): number {
  const norm = (c: number[]) => {
    const t = c.reduce((a, b) => a + b, 0);
    const raised = c.map((v) => Math.max(v / t, 1e-4));
    const z = raised.reduce((a, b) => a + b, 0);
    return raised.map((v) => v / z);
  };
  const e = norm(base);
  const a = norm(cur);
  return e.reduce((s, ei, i) => s + (a[i] - ei) * Math.log(a[i] / ei), 0);
}

function naiveJs(base: number[], cur: number[]): number {
  const tb = base.reduce((a, b) => a + b, 0);
  const tc = cur.reduce((a, b) => a + b, 0);
  let js = 0;
  base.forEach((b, i) => {
    const p = b / tb;
    const q = cur[i] / tc;
    const m = (p + q) / 2;
    js += (p > 0 ? 0.5 * p * Math.log2(p / m) : 0) + (q > 0 ? 0.5 * q * Math.log2(q / m) : 0);
  });
  return Math.sqrt(js);
}

function grouped(counts: number[], starts: number[]): number[] {
  return starts.map((s, g) =>
    counts.slice(s, g + 1 < starts.length ? starts[g + 1] : counts.length - 1).reduce((a, b) => a + b, 0),
  );
}

describe('drift detection over mergeable histograms', () => {
  let t: TestApp;
  const clock = new ManualClock();
  const t0 = Math.floor(Date.now() / MIN) * MIN - 12 * 3_600_000;
  let phaseIndex = 0;

  /** Sends `n` simulated patterns inside a fresh 10-minute window of the manual clock. */
  async function phase(
    n: number,
    seed: number,
    opts: SimulationOptions = {},
    mutate?: (p: PatternInput, i: number) => PatternInput,
  ): Promise<Phase> {
    const start = t0 + phaseIndex++ * 10 * MIN;
    const sims = generatePatterns(seed, n, opts);
    const items = sims.map((s, i) => {
      const input = { ...s.input, pattern_id: `ph${phaseIndex}-${seed}-${i}` };
      return mutate ? mutate(input, i) : input;
    });
    for (let k = 0; k < items.length; k += 250) {
      clock.set(start + Math.floor((k / items.length) * 8 * MIN));
      const res = await request(t.url)
        .post('/api/ml/confidence/batch')
        .send({ items: items.slice(k, k + 250) })
        .expect(200);
      expect(res.body.results.every((r: { error?: unknown }) => !r.error)).toBe(true);
    }
    return {
      start,
      end: start + 10 * MIN,
      ids: items.map((i) => i.pattern_id),
      outcomes: new Map(sims.map((s, i) => [items[i].pattern_id, s.outcome])),
    };
  }

  async function postOutcomes(p: Phase, invert = false): Promise<void> {
    const outcomes = [...p.outcomes].map(([pattern_id, o]) => ({
      pattern_id,
      outcome: (invert ? 1 - o : o) === 1 ? 'success' : 'failure',
      resolved_at: new Date(p.end).toISOString(),
    }));
    await request(t.url).post('/api/ml/outcomes').send({ outcomes }).expect(202);
  }

  async function drift(p: Phase) {
    const res = await request(t.url)
      .post('/api/ml/drift/run')
      .set(auth)
      .send({ from: new Date(p.start).toISOString(), to: new Date(p.end).toISOString() })
      .expect(200);
    return res.body;
  }

  async function openAlerts(type?: string) {
    const res = await request(t.url)
      .get(`/api/ml/alerts?status=open&limit=500${type ? `&type=${type}` : ''}`)
      .expect(200);
    return res.body.alerts as Array<{
      id: number;
      fingerprint: string;
      type: string;
      severity: string;
      occurrences: number;
      details: { feature: string };
    }>;
  }

  let baselinePhase: Phase;

  beforeAll(async () => {
    t = await bootTestApp(
      {
        ENABLE_PHASE5_ML: true,
        ML_MODEL_DIR: makeModelDir('rf'),
        ML_ADMIN_TOKEN: TOKEN,
        DRIFT_MIN_SAMPLES: 500,
        PERFORMANCE_MIN_LABELLED: 200,
        ML_CACHE_ENABLED: false,
      },
      { clock },
    );
    baselinePhase = await phase(2000, 1001);
    await postOutcomes(baselinePhase);
  }, 300_000);
  afterAll(async () => t.close());

  it('refuses a baseline below min_samples with 422 stating found and needed', async () => {
    const res = await request(t.url)
      .post('/api/ml/baseline')
      .set(auth)
      .send({
        from: new Date(baselinePhase.start).toISOString(),
        to: new Date(baselinePhase.end).toISOString(),
        min_samples: 100000,
      })
      .expect(422);
    expect(res.body).toMatchObject({ statusCode: 422, found: 2000, needed: 100000 });
    expect(res.body.message).toMatch(/found 2000 .* need at least 100000/);
  });

  it('captures a recent baseline from the window histograms and keeps one active', async () => {
    const res = await request(t.url)
      .post('/api/ml/baseline')
      .set(auth)
      .send({
        source: 'recent',
        from: new Date(baselinePhase.start).toISOString(),
        to: new Date(baselinePhase.end).toISOString(),
        label: 'normal',
      })
      .expect(201);
    expect(res.body).toMatchObject({ source: 'recent', sample_size: 2000, feature_count: 52, active: true });
    const active = await request(t.url).get('/api/ml/baseline').expect(200);
    expect(active.body.id).toBe(res.body.id);
    expect(active.body.features.rsi_14.groups.length).toBeGreaterThan(5);
    expect(active.body.performance.ml.labelled).toBe(2000);
    const list = await request(t.url).get('/api/ml/baselines').expect(200);
    expect(list.body.filter((b: { active: boolean }) => b.active)).toHaveLength(1);
  });

  it('(a) raises no drift alert for the same distribution with other seeds', async () => {
    for (const seed of [2002, 2003, 2004]) {
      const p = await phase(1000, seed);
      const report = await drift(p);
      expect(report.status).toBe('ok');
      expect(report.drifted_features).toEqual([]);
      expect(report.feature_drift_score).toBeLessThan(0.3);
    }
    expect(await openAlerts('DRIFT_DETECTED')).toEqual([]);
  });

  let surge: Phase;
  let surgeReport: {
    id: number;
    drifted_features: string[];
    report: { features: Array<{ feature: string; psi: number; js_distance: number }> };
  };

  it('(b) names the volume features after a volume surge on the recent bars', async () => {
    surge = await phase(1000, 3001, { volumeMultiplier: 4, recentBars: 8 });
    surgeReport = await drift(surge);
    const drifted = surgeReport.drifted_features;
    expect(drifted.length).toBeGreaterThan(0);
    const volumeish = drifted.filter((f) => /volume|obv|mfi|vwap/.test(f));
    expect(volumeish.length).toBeGreaterThanOrEqual(1);
    expect(drifted.length - volumeish.length).toBeLessThanOrEqual(2);
    const alerts = await openAlerts('DRIFT_DETECTED');
    expect(alerts.map((a) => a.details.feature).sort()).toEqual([...drifted].sort());
    expect(alerts.every((a) => a.severity === 'INFO')).toBe(true);
    const metrics = await request(t.url).get('/metrics');
    expect(metrics.text).toMatch(/ml_feature_drift_score [0-9.]+/);
    expect(metrics.text).toContain(`ml_feature_psi{feature="${drifted[0]}"}`);
  });

  it('gives PSI and JS distance equal to an independent computation from the raw rows (1e-9)', async () => {
    const baseline = (await request(t.url).get('/api/ml/baseline').expect(200)).body as {
      features: Record<string, { edges: number[]; groups: number[]; counts: number[] }>;
    };
    const rows = await withClient(t.db.url, (c) =>
      c.query<{ features: number[] }>(
        'SELECT features FROM ml_predictions WHERE created_at >= $1 AND created_at < $2',
        [new Date(surge.start), new Date(surge.end)],
      ),
    );
    expect(rows.rows).toHaveLength(1000);
    for (const name of ['volume_ratio_20', 'rsi_14', 'vol_20', 'reward_risk']) {
      const j = FEATURE_NAMES.indexOf(name as (typeof FEATURE_NAMES)[number]);
      const ref = baseline.features[name];
      const counts = new Array<number>(ref.counts.length).fill(0);
      for (const r of rows.rows) {
        counts[naiveSlot(ref.edges, Number(r.features[j]))]++;
      }
      const base = grouped(ref.counts, ref.groups);
      const cur = grouped(counts, ref.groups);
      const reported = surgeReport.report.features.find((f) => f.feature === name)!;
      expect(Math.abs(reported.psi - naivePsi(base, cur))).toBeLessThan(1e-9);
      expect(Math.abs(reported.js_distance - naiveJs(base, cur))).toBeLessThan(1e-9);
    }
  });

  it('(f) updates the same open alert on a rerun instead of duplicating it', async () => {
    const before = await openAlerts('DRIFT_DETECTED');
    await drift(surge);
    const after = await openAlerts('DRIFT_DETECTED');
    expect(after.map((a) => a.id).sort()).toEqual(before.map((a) => a.id).sort());
    expect(after.every((a) => a.occurrences === 2)).toBe(true);
  });

  it('(f) resolves drift alerts when the condition clears', async () => {
    const calm = await phase(1000, 4001);
    const report = await drift(calm);
    expect(report.drifted_features).toEqual([]);
    expect(await openAlerts('DRIFT_DETECTED')).toEqual([]);
    const resolved = await request(t.url).get('/api/ml/alerts?status=resolved&type=DRIFT_DETECTED').expect(200);
    expect(resolved.body.alerts.length).toBeGreaterThan(0);
    expect(resolved.body.alerts.every((a: { resolved_at: string | null }) => a.resolved_at)).toBe(true);
  });

  it('(c) names the volatility features after a volatility regime change', async () => {
    const p = await phase(1000, 5001, { volatilityRegime: 'high' });
    const report = await drift(p);
    const volatility = ['vol_10', 'vol_20', 'atr_14_pct', 'range_mean_10', 'bb_width_20'];
    expect(report.drifted_features.filter((f: string) => volatility.includes(f)).length).toBeGreaterThanOrEqual(2);
  });

  it('(d) raises DATA_QUALITY_ISSUE when features come out non-finite', async () => {
    const p = await phase(1000, 6001, {}, (input, i) => (i % 10 === 0 ? zeroVolume(input) : input));
    const report = await drift(p);
    expect(report.report.data_quality.some((q: { kind: string }) => q.kind === 'non_finite')).toBe(true);
    const dq = await openAlerts('DATA_QUALITY_ISSUE');
    expect(dq.some((a) => a.fingerprint === 'DATA_QUALITY_ISSUE:non_finite:volume_ratio_20')).toBe(true);
    expect(dq.every((a) => a.severity === 'WARNING')).toBe(true);
  });

  it('(e) raises PERFORMANCE_DEGRADED when outcomes go against the model', async () => {
    const p = await phase(1000, 7001);
    await postOutcomes(p, true);
    const report = await drift(p);
    expect(report.report.performance.ml.auc).toBeLessThan(0.5);
    const perf = await openAlerts('PERFORMANCE_DEGRADED');
    expect(perf.map((a) => a.fingerprint)).toContain('PERFORMANCE_DEGRADED:ml:auc');
    const metrics = await request(t.url).get('/metrics');
    expect(metrics.text).toMatch(/ml_outcome_accuracy\{arm="ml"\} [0-9.]+/);
  });

  it('reports "insufficient data" below DRIFT_MIN_SAMPLES and raises nothing', async () => {
    const before = (await openAlerts()).length;
    const p = await phase(100, 8001, { volumeMultiplier: 6, recentBars: 8 });
    const report = await drift(p);
    expect(report.status).toBe('insufficient_data');
    expect(report.report.message).toMatch(/insufficient data/);
    expect((await openAlerts()).length).toBe(before);
  });

  it('skips and says so while another session holds the advisory lock', async () => {
    const holder = new Client({ connectionString: t.db.url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(5120001)');
      const res = await request(t.url).post('/api/ml/drift/run').set(auth).send({}).expect(409);
      expect(res.body.message).toMatch(/skipped.*lock/);
    } finally {
      await holder.query('SELECT pg_advisory_unlock(5120001)');
      await holder.end();
    }
  });

  it('lists reports, serves one by id, and acks an alert', async () => {
    const list = await request(t.url).get('/api/ml/drift/reports?limit=3').expect(200);
    expect(list.body).toHaveLength(3);
    const one = await request(t.url).get(`/api/ml/drift/reports/${list.body[0].id}`).expect(200);
    expect(one.body.report).toBeDefined();
    const alerts = await request(t.url).get('/api/ml/alerts?limit=1').expect(200);
    expect(alerts.body.drift).toMatchObject({ baseline_id: expect.any(Number) });
    const id = alerts.body.alerts[0].id;
    await request(t.url).post(`/api/ml/alerts/${id}/ack`).expect(401);
    const acked = await request(t.url).post(`/api/ml/alerts/${id}/ack`).set(auth).expect(200);
    expect(acked.body.status).toBe('acknowledged');
    if (alerts.body.next_cursor) {
      const next = await request(t.url).get(`/api/ml/alerts?limit=1&cursor=${alerts.body.next_cursor}`).expect(200);
      expect(next.body.alerts[0].id).toBeLessThan(id);
    }
  });
});
