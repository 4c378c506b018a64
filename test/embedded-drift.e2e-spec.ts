import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { makeModelDir } from './support/model-fixture';
import { patterns } from './support/patterns';
import { freePort, ServiceProcess, spawnService } from './support/service-process';
import { withClient } from './support/test-database';

const TOKEN = 'embedded-test-token-0000';
const auth = { Authorization: `Bearer ${TOKEN}` };
const MIN = 60_000;

/** The drift path on embedded PGlite (no DATABASE_URL): histograms, baseline, drift run, alerts. */
describe('drift on embedded PGlite', () => {
  let svc: ServiceProcess;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ml-embedded-drift-'));
    svc = await spawnService({
      PORT: String(await freePort()),
      DATA_DIR: dataDir,
      ENABLE_PHASE5_ML: 'true',
      ML_MODEL_DIR: makeModelDir('rf'),
      ML_ADMIN_TOKEN: TOKEN,
      DRIFT_MIN_SAMPLES: '100',
      DRIFT_SCHEDULE_ENABLED: 'false',
    });
  }, 120_000);
  afterAll(async () => {
    await svc?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('captures baselines and runs drift against them', async () => {
    const items = patterns(300, 99, 'emb');
    await request(svc.url).post('/api/ml/confidence/batch').send({ items }).expect(200);
    const from = new Date(Math.floor(Date.now() / MIN) * MIN - 10 * MIN).toISOString();
    const to = new Date(Math.ceil(Date.now() / MIN) * MIN + MIN).toISOString();

    const tooFew = await request(svc.url)
      .post('/api/ml/baseline')
      .set(auth)
      .send({ from, to, min_samples: 1000 })
      .expect(422);
    expect(tooFew.body).toMatchObject({ found: 300, needed: 1000 });
    const recent = await request(svc.url)
      .post('/api/ml/baseline')
      .set(auth)
      .send({ from, to, min_samples: 100 })
      .expect(201);
    expect(recent.body).toMatchObject({ source: 'recent', sample_size: 300, active: true });

    const report = await request(svc.url).post('/api/ml/drift/run').set(auth).send({ from, to }).expect(200);
    expect(report.body.sample_size).toBe(300);
    expect(report.body.status).toBe('ok'); // the window is the baseline itself
    expect(report.body.feature_drift_score).toBeLessThan(1e-9);
    expect(report.body.report.features).toHaveLength(52);

    await request(svc.url).post('/api/ml/baseline').set(auth).send({ source: 'training' }).expect(201);
    const vsTraining = await request(svc.url).post('/api/ml/drift/run').set(auth).send({ from, to }).expect(200);
    expect(vsTraining.body.baseline_id).not.toBe(report.body.baseline_id);
    expect(['ok', 'drift']).toContain(vsTraining.body.status);
    const alerts = await request(svc.url).get('/api/ml/alerts?status=all').expect(200);
    expect(alerts.body.drift.report_id).toBe(vsTraining.body.id);
  });

  it('rebuilds the same per-minute counts from the raw log as the request path wrote', async () => {
    // Arrange: the request path's rows for the window (flushed by a drift run), then removed.
    const from = new Date(Math.floor(Date.now() / MIN) * MIN - 10 * MIN).toISOString();
    const to = new Date(Math.ceil(Date.now() / MIN) * MIN + MIN).toISOString();
    await request(svc.url).post('/api/ml/drift/run').set(auth).send({ from, to }).expect(200);
    const rows = (): Promise<Map<string, number[]>> =>
      withClient(svc.embeddedDbUrl!, async (c) => {
        const r = await c.query<{ key: string; counts: number[] }>(
          `SELECT extract(epoch FROM minute) || '|' || model_version || '|' || arm || '|' || feature AS key,
                  counts
           FROM ml_feature_histograms WHERE minute >= $1 AND minute < $2`,
          [from, to],
        );
        return new Map(r.rows.map((x) => [x.key, x.counts]));
      });
    const served = await rows();
    expect(served.size).toBeGreaterThan(0);
    await withClient(svc.embeddedDbUrl!, (c) =>
      c.query('DELETE FROM ml_feature_histograms WHERE minute >= $1 AND minute < $2', [from, to]),
    );

    // Act: a recent baseline finds the minutes missing and backfills them from ml_predictions.
    const baseline = await request(svc.url)
      .post('/api/ml/baseline')
      .set(auth)
      .send({ from, to, min_samples: 100 })
      .expect(201);

    // Assert
    expect(baseline.body.sample_size).toBe(300);
    expect(await rows()).toEqual(served);
  });
});
