import request from 'supertest';
import { makeModelDir } from './support/model-fixture';
import { eventually, patterns } from './support/patterns';
import { freePort, ServiceProcess, spawnService } from './support/service-process';
import { createTestDatabase, TestDatabase, withClient } from './support/test-database';

const TOKEN = 'replica-test-token-00000';

function metricSum(text: string, pattern: RegExp): number {
  return text
    .split('\n')
    .filter((l) => pattern.test(l))
    .reduce((s, l) => s + Number(l.split(' ').pop()), 0);
}

/** Two service processes on different ports against one Postgres (DESIGN §3 scale path). */
describe('two replicas', () => {
  let db: TestDatabase;
  let a: ServiceProcess;
  let b: ServiceProcess;

  beforeAll(async () => {
    db = await createTestDatabase('replicas');
    const env = async (id: string) => ({
      DATABASE_URL: db.url,
      PORT: String(await freePort()),
      INSTANCE_ID: id,
      ENABLE_PHASE5_ML: 'true',
      ML_MODEL_DIR: makeModelDir('rf'),
      ML_ADMIN_TOKEN: TOKEN,
      DRIFT_CRON: '*/2 * * * * *',
      DRIFT_MIN_SAMPLES: '10',
      SETTINGS_POLL_MS: '1000',
      PREDICTION_LOG_FLUSH_MS: '100',
    });
    // Sequential: the first runs the migrations, the second finds them applied.
    a = await spawnService(await env('replica-a'));
    b = await spawnService(await env('replica-b'));
  }, 180_000);

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await db?.drop();
  });

  it('applies a rollout change made on one replica on the other within 5 s', async () => {
    await request(a.url)
      .put('/api/ml/rollout')
      .set('Authorization', `Bearer ${TOKEN}`)
      .send({ percent: 0 })
      .expect(200);
    const started = Date.now();
    await eventually(async () => (await request(b.url).get('/api/ml/rollout')).body.percent === 0, 5000, 100);
    const seenAfterMs = Date.now() - started;
    const res = await request(b.url).post('/api/ml/confidence').send(patterns(1, 97)[0]).expect(200);
    expect(res.body.fallback_reason).toBe('not_in_rollout');
    expect(seenAfterMs).toBeLessThan(5000);
    await request(a.url)
      .put('/api/ml/rollout')
      .set('Authorization', `Bearer ${TOKEN}`)
      .send({ percent: 100 })
      .expect(200);
  });

  it('runs the scheduled drift job once per tick across both, the other replica skipping', async () => {
    await eventually(
      async () => {
        const [ma, mb] = await Promise.all([request(a.url).get('/metrics'), request(b.url).get('/metrics')]);
        const text = ma.text + mb.text;
        return (
          metricSum(text, /^ml_drift_job_runs_total\{result="skipped"\}/) >= 3 &&
          metricSum(text, /^ml_drift_job_runs_total\{result="success"\}/) >= 1
        );
      },
      30_000,
      500,
    );
    const rows = await withClient(db.url, (c) =>
      c.query<{ window_end: Date; n: string }>(
        `SELECT window_end, count(*) AS n FROM ml_drift_reports WHERE trigger = 'schedule' GROUP BY window_end`,
      ),
    );
    expect(rows.rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.rows.every((r) => Number(r.n) === 1)).toBe(true);
  });

  it('exports health and the latest drift gauges on every replica, not only on the one that ran the job', async () => {
    await request(a.url)
      .post('/api/ml/confidence/batch')
      .send({ items: patterns(60, 96, 'gauge') })
      .expect(200);
    await request(a.url)
      .post('/api/ml/baseline')
      .set('Authorization', `Bearer ${TOKEN}`)
      .send({ source: 'training' })
      .expect(201);
    await eventually(
      async () => {
        // The window must hold this test's traffic: end it at the next minute boundary.
        const to = Math.ceil(Date.now() / 60_000) * 60_000;
        const run = await request(a.url)
          .post('/api/ml/drift/run')
          .set('Authorization', `Bearer ${TOKEN}`)
          .send({ from: new Date(to - 600_000).toISOString(), to: new Date(to).toISOString() });
        return run.status === 200 && ['ok', 'drift'].includes(run.body.status as string);
      },
      20_000,
      500,
    );
    // Nobody calls /api/ml/health here: the gauges come from each replica's own timers.
    await eventually(
      async () => {
        const [ma, mb] = await Promise.all([request(a.url).get('/metrics'), request(b.url).get('/metrics')]);
        return [ma.text, mb.text].every(
          (t) =>
            /^ml_health_check_status\{check="overall"\} 1$/m.test(t) &&
            /^ml_feature_drift_score [1-9e.0-9-]*[1-9]/m.test(t),
        );
      },
      45_000,
      1000,
    );
  }, 60_000);

  it('logs every prediction from both and keeps metrics history for both instances', async () => {
    const items = patterns(400, 98, 'rep');
    await request(a.url)
      .post('/api/ml/confidence/batch')
      .send({ items: items.slice(0, 200) })
      .expect(200);
    await request(b.url)
      .post('/api/ml/confidence/batch')
      .send({ items: items.slice(200) })
      .expect(200);
    // A graceful stop flushes the prediction log and this minute's snapshot.
    expect(await a.stop('SIGTERM')).toBe(0);
    expect(await b.stop('SIGTERM')).toBe(0);
    const counts = await withClient(db.url, async (c) => {
      const p = await c.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ml_predictions WHERE pattern_id LIKE 'rep-%'`,
      );
      const s = await c.query<{ instance_id: string }>(
        `SELECT DISTINCT instance_id FROM ml_metric_snapshots ORDER BY 1`,
      );
      return { predictions: p.rows[0].n, instances: s.rows.map((r) => r.instance_id) };
    });
    expect(counts.predictions).toBe(400);
    expect(counts.instances).toEqual(['replica-a', 'replica-b']);
  });
});
