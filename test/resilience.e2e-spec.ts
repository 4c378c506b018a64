import request from 'supertest';
import { makeModelDir } from './support/model-fixture';
import { eventually, patterns } from './support/patterns';
import { TcpProxy } from './support/tcp-proxy';
import { bootTestApp, TestApp } from './support/test-app';
import { createTestDatabase, TestDatabase, withClient } from './support/test-database';

function metricValue(text: string, name: string): number {
  const m = new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

describe('database unreachable mid-run', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    const direct = new URL(db.url);
    proxy = new TcpProxy(direct.hostname, Number(direct.port || 5432));
    const port = await proxy.start();
    const viaProxy = new URL(db.url);
    viaProxy.port = String(port);
    t = await bootTestApp(
      { ENABLE_PHASE5_ML: true, ML_MODEL_DIR: makeModelDir('rf'), PREDICTION_LOG_QUEUE_MAX: 40 },
      { db: { url: viaProxy.toString(), drop: () => Promise.resolve() } },
    );
  });
  afterAll(async () => {
    proxy.restore();
    await t.close();
    await proxy.stop();
    await db.drop();
  });

  it('keeps scoring, goes not-ready, drops past the queue bound, and writes the buffer once it returns', async () => {
    const before = patterns(10, 61, 'before');
    for (const p of before) {
      await request(t.url).post('/api/ml/confidence').send(p).expect(200);
    }
    await eventually(async () => (await countRows(db.url, 'before-%')) === 10);

    proxy.cut();
    const during = patterns(60, 62, 'during');
    for (const p of during) {
      const res = await request(t.url).post('/api/ml/confidence').send(p).expect(200);
      expect(res.body.source).toBe('ml_blended');
    }
    await request(t.url).get('/health/ready').expect(503);
    // An endpoint that needs the database fails as a 500 without internals, logged with its request id.
    const failed = await request(t.url).get('/api/ml/baselines').set('x-request-id', 'outage-req-1').expect(500);
    expect(failed.body).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' });
    expect(t.logs.some((l) => l.request_id === 'outage-req-1' && l.level === 'ERROR')).toBe(true);
    const health = await request(t.url).get('/api/ml/health').expect(503);
    expect(health.body.details.database).toMatchObject({ status: 'down', severity: 'CRITICAL' });
    const metrics = await request(t.url).get('/metrics');
    expect(metricValue(metrics.text, 'ml_prediction_log_dropped_total')).toBe(20); // 60 sent, queue holds 40

    proxy.restore();
    await eventually(async () => (await request(t.url).get('/health/ready')).status === 200, 20_000);
    await eventually(async () => (await countRows(db.url, 'during-%')) === 40, 20_000);
    const after = patterns(5, 63, 'after');
    for (const p of after) {
      await request(t.url).post('/api/ml/confidence').send(p).expect(200);
    }
    await eventually(async () => (await countRows(db.url, 'after-%')) === 5, 10_000);
  });
});

function countRows(url: string, like: string): Promise<number> {
  return withClient(url, async (c) => {
    const r = await c.query<{ n: string }>('SELECT count(*) AS n FROM ml_predictions WHERE pattern_id LIKE $1', [like]);
    return Number(r.rows[0].n);
  });
}

describe('cache tiers', () => {
  it('shares scores through Redis: a second replica hits on its first request', async () => {
    const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
    const dir = makeModelDir('rf');
    const db = await createTestDatabase();
    const a = await bootTestApp({ ENABLE_PHASE5_ML: true, ML_MODEL_DIR: dir, REDIS_URL: redisUrl }, { db });
    const b = await bootTestApp({ ENABLE_PHASE5_ML: true, ML_MODEL_DIR: dir, REDIS_URL: redisUrl }, { db });
    try {
      const [p] = patterns(1, 70 + Math.floor(Math.random() * 1e6), 'redis');
      await eventually(async () => (await request(a.url).get('/api/ml/health')).body.details.cache.redis === 'ready');
      const first = await request(a.url).post('/api/ml/confidence').send(p).expect(200);
      expect(first.body.cache_hit).toBe(false);
      await eventually(async () => (await request(b.url).get('/api/ml/health')).body.details.cache.redis === 'ready');
      await new Promise((r) => setTimeout(r, 100)); // the Redis write is fire-and-forget
      const second = await request(b.url).post('/api/ml/confidence').send(p).expect(200);
      expect(second.body.cache_hit).toBe(true);
      expect(second.body.confidence_ml).toBe(first.body.confidence_ml);
    } finally {
      await a.close();
      await b.close();
      await db.drop();
    }
  });

  it('reports a cache WARNING and keeps answering when Redis is unreachable', async () => {
    const t = await bootTestApp({
      ENABLE_PHASE5_ML: true,
      ML_MODEL_DIR: makeModelDir('rf'),
      REDIS_URL: 'redis://127.0.0.1:1',
    });
    try {
      for (const p of patterns(5, 71, 'noredis')) {
        const res = await request(t.url).post('/api/ml/confidence').send(p).expect(200);
        expect(res.body.source).toBe('ml_blended');
      }
      const health = await request(t.url).get('/api/ml/health').expect(200);
      expect(health.body.details.cache).toMatchObject({ status: 'down', severity: 'WARNING' });
      expect(health.body.warnings).toContain('cache');
      const metrics = await request(t.url).get('/metrics');
      expect(metrics.text).toMatch(/ml_cache_requests_total\{result="error"\} [1-9]/);
    } finally {
      await t.close();
    }
  });
});

describe('a row the database refuses', () => {
  it('is dropped and counted alone; the rest of its batch is written and the queue keeps moving', async () => {
    const t = await bootTestApp({ ENABLE_PHASE5_ML: false, PREDICTION_LOG_FLUSH_MS: 200 });
    try {
      // A real refusal by Postgres (check_violation, SQLSTATE 23514), as a corrupt value would be.
      await withClient(t.db.url, (c) =>
        c.query(`ALTER TABLE ml_predictions ADD CONSTRAINT no_poison CHECK (pattern_id <> 'poison')`),
      );
      // prom-client's registry is per process: compare with the value before (other tests drop rows too).
      const droppedBefore = metricValue((await request(t.url).get('/metrics')).text, 'ml_prediction_log_dropped_total');
      const items = patterns(20, 75, 'batchmate');
      items[7] = { ...items[7], pattern_id: 'poison' };
      await request(t.url).post('/api/ml/confidence/batch').send({ items }).expect(200);
      await eventually(async () => (await countRows(t.db.url, 'batchmate-%')) === 19, 10_000);
      const later = patterns(5, 76, 'later');
      await request(t.url).post('/api/ml/confidence/batch').send({ items: later }).expect(200);
      await eventually(async () => (await countRows(t.db.url, 'later-%')) === 5, 10_000);
      const metrics = await request(t.url).get('/metrics');
      expect(metricValue(metrics.text, 'ml_prediction_log_dropped_total') - droppedBefore).toBe(1);
    } finally {
      await t.close();
    }
  });
});
