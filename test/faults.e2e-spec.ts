import { Client } from 'pg';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeModelDir } from './support/model-fixture';
import { eventually, patterns, sleep } from './support/patterns';
import { startLoad } from './support/load';
import { PrivatePostgres, PrivateRedis } from './support/private-services';
import { freePort, ServiceProcess, spawnService } from './support/service-process';

const TOKEN = 'faults-test-token-000000';
const admin = { Authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

async function status(url: string): Promise<number> {
  try {
    return (await fetch(url)).status;
  } catch {
    return 0;
  }
}

/**
 * Faults under a steady load, with real components: the service as a process, its own PostgreSQL
 * cluster (stopped and started for real) and its own Redis. The reliability promise: scoring keeps
 * answering 200, nothing accepted is lost, readiness tells the truth.
 */
describe('faults under load', () => {
  const pg = new PrivatePostgres();
  const redis = new PrivateRedis();
  const modelDir = makeModelDir('rf', 'lr');
  let svc: ServiceProcess;
  const accepted: string[] = [];
  const statuses: Record<number, number> = {};
  const transportErrors: string[] = [];

  beforeAll(async () => {
    pg.create();
    redis.start();
    svc = await spawnService({
      DATABASE_URL: pg.url,
      REDIS_URL: redis.url,
      PORT: String(await freePort()),
      ENABLE_PHASE5_ML: 'true',
      ML_MODEL_DIR: modelDir,
      ML_ADMIN_TOKEN: TOKEN,
      ADMIN_RATE_LIMIT_PER_MINUTE: '1000',
      DRIFT_SCHEDULE_ENABLED: 'false',
      PREDICTION_LOG_FLUSH_MS: '100',
    });
  }, 120_000);

  afterAll(async () => {
    await svc?.stop();
    redis.stop();
    pg.drop();
  });

  const items = patterns(300, 151, 'fault');

  async function underLoad(action: () => Promise<void>): Promise<void> {
    const load = startLoad(svc.url, items);
    await sleep(500);
    try {
      await action();
      await sleep(500);
    } finally {
      const r = await load.stop();
      accepted.push(...r.accepted);
      transportErrors.push(...r.errors);
      for (const [code, n] of Object.entries(r.statuses)) {
        statuses[Number(code)] = (statuses[Number(code)] ?? 0) + n;
      }
    }
  }

  it('PostgreSQL restarted: scoring continues, readiness goes not-ready and back', async () => {
    await underLoad(async () => {
      pg.stop();
      await eventually(async () => (await status(`${svc.url}/health/ready`)) === 503, 15_000, 200);
      await sleep(1500);
      pg.start();
      await eventually(async () => (await status(`${svc.url}/health/ready`)) === 200, 30_000, 200);
    });
    expect(Object.keys(statuses)).toEqual(['200']);
  });

  it('Redis stopped: a cache WARNING and no errors', async () => {
    await underLoad(async () => {
      redis.stop();
      await eventually(
        async () => {
          const res = await fetch(`${svc.url}/api/ml/health`);
          const body = (await res.json()) as { details: { cache: { status: string; severity: string } } };
          return (
            res.status === 200 && body.details.cache.status === 'down' && body.details.cache.severity === 'WARNING'
          );
        },
        15_000,
        200,
      );
      redis.start();
    });
    expect(Object.keys(statuses)).toEqual(['200']);
  });

  it('model reloads and kill-switch toggles: no failed request', async () => {
    await underLoad(async () => {
      for (let i = 0; i < 4; i++) {
        expect(
          (await fetch(`${svc.url}/api/ml/rollout`, { method: 'PUT', headers: admin, body: '{"enabled": false}' }))
            .status,
        ).toBe(200);
        expect((await fetch(`${svc.url}/api/ml/models/reload`, { method: 'POST', headers: admin })).status).toBe(200);
        expect(
          (await fetch(`${svc.url}/api/ml/rollout`, { method: 'PUT', headers: admin, body: '{"enabled": true}' }))
            .status,
        ).toBe(200);
        await sleep(200);
      }
    });
    expect(Object.keys(statuses)).toEqual(['200']);
  });

  it('the champion corrupted on disk, then reload: the backup keeps serving', async () => {
    await underLoad(async () => {
      writeFileSync(join(modelDir, 'champion', 'model.onnx'), Buffer.from('not an onnx model'));
      const res = await fetch(`${svc.url}/api/ml/models/reload`, { method: 'POST', headers: admin });
      const body = (await res.json()) as { slot: string; refusals: Array<{ slot: string; reason: string }> };
      expect(body.slot).toBe('backup');
      expect(body.refusals[0]).toMatchObject({ slot: 'champion', reason: 'sha256_mismatch' });
    });
    const scored = await fetch(`${svc.url}/api/ml/confidence`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(items[0]),
    });
    expect(((await scored.json()) as { source: string }).source).toBe('ml_blended');
    expect(Object.keys(statuses)).toEqual(['200']);
    expect(transportErrors).toEqual([]);
  });

  it('SIGTERM under load: in-flight requests complete and every accepted prediction is written', async () => {
    const load = startLoad(svc.url, items);
    await sleep(800);
    const exitCode = await svc.stop('SIGTERM');
    const r = await load.stop();
    accepted.push(...r.accepted);
    expect(exitCode).toBe(0);
    // After the listener closes, new connections are refused (never accepted); nothing answered 5xx.
    expect(Object.keys(r.statuses).filter((s) => Number(s) >= 500)).toEqual([]);
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    try {
      const rows = await client.query<{ pattern_id: string }>(
        'SELECT pattern_id FROM ml_predictions WHERE pattern_id = ANY($1)',
        [accepted],
      );
      const stored = new Set(rows.rows.map((x) => x.pattern_id));
      expect(accepted.length).toBeGreaterThan(100);
      expect(accepted.filter((id) => !stored.has(id))).toEqual([]);
    } finally {
      await client.end();
    }
  });
});
