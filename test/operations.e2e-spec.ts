import request from 'supertest';
import { ManualClock } from '@app/common';
import { FEATURE_NAMES } from '@app/features';
import { MetricSnapshotService } from '@app/ml-service/monitoring/metric-snapshot.service';
import { FeatureHistogramService } from '@app/ml-service/monitoring/feature-histogram.service';
import { HistogramBinning } from '@app/ml-service/monitoring/histogram-binning';
import { HistogramWindowRepository } from '@app/ml-service/monitoring/histogram-window.repository';
import { RetentionJob } from '@app/ml-service/monitoring/retention.job';
import { makeModelDir } from './support/model-fixture';
import { patterns } from './support/patterns';
import { bootTestApp, TestApp } from './support/test-app';
import { createTestDatabase, withClient } from './support/test-database';

const TOKEN = 'ops-test-token-0000000';
const auth = { Authorization: `Bearer ${TOKEN}` };

async function send(url: string, items: unknown[]): Promise<void> {
  for (let k = 0; k < items.length; k += 200) {
    await request(url)
      .post('/api/ml/confidence/batch')
      .send({ items: items.slice(k, k + 200) })
      .expect(200);
  }
}

describe('GET /api/ml/metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootTestApp({ ENABLE_PHASE5_ML: true, ML_ROLLOUT_PERCENT: 5, ML_MODEL_DIR: makeModelDir('rf') });
  });
  afterAll(async () => t.close());

  it('counts only ML-eligible traffic in fallback_rate: a healthy 5% canary is not a 95% fallback rate', async () => {
    await send(t.url, patterns(400, 81));
    const res = await request(t.url).get('/api/ml/metrics').expect(200);
    const c = res.body.current;
    expect(c.request_count).toBe(400);
    expect(c.fallback_rate).toBe(0);
    expect(c.ml_usage_rate).toBeGreaterThan(0.01);
    expect(c.ml_usage_rate).toBeLessThan(0.12);
    expect(c.error_rate).toBe(0);
    expect(c.window_seconds).toBe(300);
    expect(c.inference_latency_p95).toBeGreaterThan(0);
    expect(res.body.thresholds).toMatchObject({
      inference_latency_p95: { target: 75, alert: 100 },
      cache_hit_rate: { target: 0.8, alert: 0.6 },
      fallback_rate: { target: 0.1, alert: 0.2 },
      error_rate: { target: 0.05, alert: 0.1 },
    });
    // Latency status depends on this machine's speed, so only its shape is checked (no timed assertion).
    expect(res.body.status).toMatchObject({ fallback_rate: 'ok', error_rate: 'ok' });
    expect(['ok', 'warning', 'alert']).toContain(res.body.status.inference_latency_p95);
    expect(res.body.status.cache_hit_rate).toBe('alert'); // 20 ML lookups, all distinct: 0% hits
  });

  it('keeps per-minute history in ml_metric_snapshots', async () => {
    await t.app.get(MetricSnapshotService).snapshot();
    const res = await request(t.url).get('/api/ml/metrics?history=5&window=1m').expect(200);
    expect(res.body.current.window_seconds).toBe(60);
    expect(res.body.history.length).toBeGreaterThanOrEqual(1);
    const last = res.body.history[res.body.history.length - 1];
    expect(last.request_count).toBe(400);
    expect(last.timestamp).toMatch(/Z$/);
    const rows = await withClient(t.db.url, (c) =>
      c.query('SELECT instance_id, request_count FROM ml_metric_snapshots'),
    );
    expect(rows.rows).toEqual([{ instance_id: t.config.INSTANCE_ID, request_count: 400 }]);
  });

  it('refuses a malformed window or history', async () => {
    await request(t.url).get('/api/ml/metrics?window=5x').expect(400);
    await request(t.url).get('/api/ml/metrics?history=-1').expect(400);
  });
});

describe('rollout controls and readiness', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootTestApp({
      ENABLE_PHASE5_ML: false,
      ML_ROLLOUT_PERCENT: 100,
      ML_MODEL_DIR: makeModelDir('rf'),
      ML_ADMIN_TOKEN: TOKEN,
    });
  });
  afterAll(async () => t.close());

  it('starts from the boot flags', async () => {
    const res = await request(t.url).get('/api/ml/rollout').expect(200);
    expect(res.body).toMatchObject({ enabled: false, percent: 100, source: 'boot_default' });
  });

  it.each([
    [{ percent: 101 }, /percent/],
    [{ percent: -1 }, /percent/],
    [{ percent: 5.5 }, /percent/],
    [{ enabled: 'yes' }, /enabled/],
    [{}, /enabled.*percent/],
    [{ enabled: true, extra: 1 }, /extra/],
  ])('refuses %j with 400 naming the field', async (body, field) => {
    const res = await request(t.url).put('/api/ml/rollout').set(auth).send(body).expect(400);
    expect(JSON.stringify(res.body.message)).toMatch(field);
  });

  it('refuses a wrong token with 401 and writes the refusal to the audit log', async () => {
    await request(t.url).put('/api/ml/rollout').set('Authorization', 'Bearer nope').send({ percent: 5 }).expect(401);
    await new Promise((r) => setTimeout(r, 200));
    const rows = await withClient(t.db.url, (c) =>
      c.query(`SELECT action, outcome FROM ml_audit_log WHERE outcome = 'refused'`),
    );
    expect(rows.rows).toContainEqual({ action: 'PUT /api/ml/rollout', outcome: 'refused' });
  });

  it('persists a change, audits before/after, and applies it without a restart', async () => {
    const p = patterns(1, 91)[0];
    const before = await request(t.url).post('/api/ml/confidence').send(p).expect(200);
    expect(before.body.fallback_reason).toBe('ml_disabled');
    const res = await request(t.url)
      .put('/api/ml/rollout')
      .set(auth)
      .set('X-Actor', 'alice')
      .send({ enabled: true, percent: 100 })
      .expect(200);
    expect(res.body).toMatchObject({ enabled: true, percent: 100, source: 'database', updated_by: 'admin:alice' });
    const after = await request(t.url).post('/api/ml/confidence').send(p).expect(200);
    expect(after.body.source).toBe('ml_blended');
    const audit = await withClient(t.db.url, (c) =>
      c.query(`SELECT actor, before, after FROM ml_audit_log WHERE action = 'rollout.update' ORDER BY id`),
    );
    expect(audit.rows[0]).toMatchObject({
      actor: 'admin:alice',
      before: { enabled: false, percent: 100 },
      after: { enabled: true, percent: 100 },
    });
    const metrics = await request(t.url).get('/metrics');
    expect(metrics.text).toMatch(/^ml_enabled 1$/m);
  });

  it('judges the readiness checklist from real state', async () => {
    let res = await request(t.url).get('/api/ml/rollout/readiness').expect(200);
    const item = (id: string) =>
      [...res.body.checklist, ...res.body.success_criteria].find((i: { id: string }) => i.id === id);
    expect(item('migrations_applied').result).toBe('pass');
    expect(item('champion_deployed').result).toBe('pass');
    expect(item('baseline_established').result).toBe('fail');
    expect(item('rollback_tested').result).toBe('fail');
    expect(item('team_briefed').result).toBe('unknown');
    expect(item('latency_p95').result).toBe('unknown'); // no 24 h of history yet
    // Exercise the rollback through the API, as the runbook says.
    await request(t.url).put('/api/ml/rollout').set(auth).send({ enabled: false }).expect(200);
    await request(t.url).post('/api/ml/baseline').set(auth).send({ source: 'training' }).expect(201);
    res = await request(t.url).get('/api/ml/rollout/readiness').expect(200);
    expect(item('rollback_tested').result).toBe('pass');
    expect(item('baseline_established').result).toBe('pass');
    for (const i of [...res.body.checklist, ...res.body.success_criteria]) {
      expect(['pass', 'fail', 'unknown']).toContain(i.result);
      expect(i.evidence).toBeDefined();
    }
  });

  it('answers 403 with how to enable when no admin token is configured', async () => {
    const open = await bootTestApp({ ML_MODEL_DIR: makeModelDir('rf') });
    try {
      const res = await request(open.url).put('/api/ml/rollout').set(auth).send({ percent: 5 }).expect(403);
      expect(res.body.message).toMatch(/ML_ADMIN_TOKEN/);
    } finally {
      await open.close();
    }
  });
});

describe('histogram paths and retention', () => {
  it('gives identical counts from the per-request histograms and the raw-log backfill, across two instances', async () => {
    const db = await createTestDatabase();
    const clock = new ManualClock(Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000);
    const dir = makeModelDir('rf');
    const a = await bootTestApp(
      { ENABLE_PHASE5_ML: true, ML_ROLLOUT_PERCENT: 50, ML_MODEL_DIR: dir, INSTANCE_ID: 'a' },
      { db, clock },
    );
    const b = await bootTestApp(
      { ENABLE_PHASE5_ML: true, ML_ROLLOUT_PERCENT: 50, ML_MODEL_DIR: dir, INSTANCE_ID: 'b' },
      { db, clock },
    );
    try {
      const from = new Date(clock.now());
      const items = patterns(600, 95);
      items[3] = { ...items[3], candles: items[3].candles.map((c) => ({ ...c, v: 0 })) }; // non-finite features too
      for (let k = 0; k < 600; k += 100) {
        clock.set(from.getTime() + k * 1000); // spread over several minutes
        await send(k % 200 === 0 ? a.url : b.url, items.slice(k, k + 100));
      }
      const to = new Date(from.getTime() + 20 * 60_000);
      await a.app.get(FeatureHistogramService).flush(true);
      await b.app.get(FeatureHistogramService).flush(true);
      await new Promise((r) => setTimeout(r, 300)); // prediction log
      const repo = a.app.get(HistogramWindowRepository);
      const binning = a.app.get(FeatureHistogramService).currentBinning()!;
      const served = await repo.sum(binning.modelVersion, from, to);
      const instances = await withClient(db.url, (c) =>
        c.query('SELECT DISTINCT instance_id FROM ml_feature_histograms'),
      );
      expect(instances.rows).toHaveLength(2);
      // The raw rows hold what the backfill must count like the request path did: null confidences
      // (control arm, fallbacks) and non-finite features (zero volumes).
      const raw = await withClient(db.url, (c) =>
        c.query(`SELECT count(*) FILTER (WHERE confidence_ml IS NULL)::int AS null_confidence,
                        count(*) FILTER (WHERE features && '{NaN,Infinity,-Infinity}'::real[])::int AS non_finite
                 FROM ml_predictions`),
      );
      expect(raw.rows[0].null_confidence).toBeGreaterThan(0);
      expect(raw.rows[0].non_finite).toBeGreaterThan(0);

      const shadow = HistogramBinning.fromReference({
        model_version: 'backfill-check',
        features: Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, { edges: Array.from(binning.edges[i]) }])),
        prediction: { edges: Array.from(binning.edges[FEATURE_NAMES.length]) },
      });
      const binned = await repo.backfill(shadow, from, to);
      expect(binned).toBe(600);
      const rebuilt = await repo.sum('backfill-check', from, to);
      for (const arm of ['ml', 'control']) {
        for (const name of [...FEATURE_NAMES, '__prediction__']) {
          const x = served.get(arm)?.get(name) ?? [];
          const y = rebuilt.get(arm)?.get(name) ?? [];
          const len = Math.max(x.length, y.length);
          const pad = (v: number[]) => Array.from({ length: len }, (_, i) => v[i] ?? 0);
          expect({ arm, name, counts: pad(y) }).toEqual({ arm, name, counts: pad(x) });
        }
      }
      const total = [...served.values()].reduce((s, m) => s + (m.get('rsi_14') ?? []).reduce((p, q) => p + q, 0), 0);
      expect(total).toBe(600);
    } finally {
      await a.close();
      await b.close();
      await db.drop();
    }
  });

  it('deletes expired predictions, histograms and snapshots in batches and keeps the rest', async () => {
    const t = await bootTestApp({ ML_PREDICTION_RETENTION_DAYS: 10 });
    try {
      await withClient(t.db.url, async (c) => {
        await c.query(
          `INSERT INTO ml_predictions (created_at, pattern_id, symbol, pattern_type, timeframe, direction, instance_id,
             feature_schema_version, arm, source, confidence, confidence_rule, passes_threshold, cache_hit, inference_latency_ms, features)
           SELECT now() - make_interval(days => d), 'old-' || g, 'S', 'double_top', '1d', 'bearish', 'i', 'v1', 'control',
             'rule_fallback', 0.5, 0.5, false, false, 1, '{1}'
           FROM generate_series(1, 25000) g, (VALUES (11), (1)) AS ages(d)`,
        );
        await c.query(
          `INSERT INTO ml_metric_snapshots (instance_id, minute, request_count, metrics, counters)
           VALUES ('i', now() - interval '40 days', 1, '{}', '{}'), ('i', now() - interval '1 day', 1, '{}', '{}')`,
        );
      });
      const deleted = await t.app.get(RetentionJob).run();
      expect(deleted).toMatchObject({ ml_predictions: 25000, ml_metric_snapshots: 1 });
      const left = await withClient(t.db.url, (c) => c.query(`SELECT count(*)::int AS n FROM ml_predictions`));
      expect(left.rows[0].n).toBe(25000);
    } finally {
      await t.close();
    }
  });
});

describe('metric snapshots', () => {
  it('adds a second snapshot of the same minute to the first instead of replacing it', async () => {
    const t = await bootTestApp({ ENABLE_PHASE5_ML: false });
    try {
      const snapshots = t.app.get(MetricSnapshotService);
      const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 60_000); // "at" the next minute boundary
      await send(t.url, patterns(30, 141, 'snap-a'));
      await snapshots.snapshot(new Date(minute.getTime() + 10));
      await send(t.url, patterns(20, 142, 'snap-b'));
      await snapshots.snapshot(new Date(minute.getTime() + 20));
      const rows = await withClient(t.db.url, (c) => c.query('SELECT request_count FROM ml_metric_snapshots'));
      expect(rows.rows).toEqual([{ request_count: 50 }]);
    } finally {
      await t.close();
    }
  });
});
