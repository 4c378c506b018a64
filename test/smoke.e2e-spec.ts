import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { generatePatterns } from '@app/simulation';
import { freePort, spawnService } from './support/service-process';
import { bootTestApp } from './support/test-app';
import { withClient } from './support/test-database';

interface Target {
  url: string;
  dbUrl: string;
  close(): Promise<void>;
}

const embedded = process.env.TEST_EMBEDDED === '1';

/**
 * The boot path: migrate, score, log, probe. With TEST_EMBEDDED=1 the service is started as
 * `npm start` would on a fresh clone (no DATABASE_URL → embedded PGlite under DATA_DIR).
 */
async function start(): Promise<Target> {
  if (embedded) {
    const dataDir = mkdtempSync(join(tmpdir(), 'ml-smoke-'));
    const svc = await spawnService({
      PORT: String(await freePort()),
      DATA_DIR: dataDir,
      PREDICTION_LOG_FLUSH_MS: '50',
    });
    return {
      url: svc.url,
      dbUrl: svc.embeddedDbUrl!,
      close: async () => {
        await svc.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const t = await bootTestApp({ ENABLE_PHASE5_ML: false });
  return { url: t.url, dbUrl: t.db.url, close: () => t.close() };
}

describe(`smoke (${embedded ? 'embedded PGlite' : 'PostgreSQL'}): boot, score, log, probes`, () => {
  let t: Target;
  const [pattern] = generatePatterns(101, 1).map((p) => p.input);

  beforeAll(async () => {
    t = await start();
  }, 120_000);
  afterAll(async () => t.close());

  it('is live and ready once migrations ran', async () => {
    await request(t.url).get('/health/live').expect(200);
    const ready = await request(t.url).get('/health/ready').expect(200);
    expect(ready.body.details.migrations.status).toBe('up');
  });

  it('answers with the rule confidence and reason ml_disabled while the kill switch is off', async () => {
    const res = await request(t.url).post('/api/ml/confidence').send(pattern).expect(200);
    expect(res.body).toMatchObject({
      pattern_id: pattern.pattern_id,
      confidence: pattern.rule_confidence,
      confidence_ml: null,
      confidence_blended: null,
      confidence_rule: pattern.rule_confidence,
      source: 'rule_fallback',
      fallback_reason: 'ml_disabled',
      arm: 'control',
      features_count: 52,
      cache_hit: false,
    });
    expect(res.body.passes_threshold).toBe(pattern.rule_confidence >= 0.55);
  });

  it('logs the prediction to ml_predictions with all 52 features', async () => {
    const id = `smoke-${Date.now()}`;
    await request(t.url)
      .post('/api/ml/confidence')
      .send({ ...pattern, pattern_id: id })
      .expect(200);
    await new Promise((r) => setTimeout(r, 500));
    const rows = await withClient(t.dbUrl, (c) =>
      c.query(
        'SELECT source, fallback_reason, arm, array_length(features, 1) AS n FROM ml_predictions WHERE pattern_id = $1',
        [id],
      ),
    );
    expect(rows.rows).toEqual([{ source: 'rule_fallback', fallback_reason: 'ml_disabled', arm: 'control', n: 52 }]);
  });

  it('answers JSON 404 for an unknown route and 405 for a wrong method', async () => {
    const notFound = await request(t.url).get('/api/ml/nope').expect(404);
    expect(notFound.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    const wrongMethod = await request(t.url).delete('/api/ml/confidence').expect(405);
    expect(wrongMethod.body.statusCode).toBe(405);
    expect(wrongMethod.headers.allow).toBe('POST');
  });

  it('keeps idle connections open longer than a load balancer would (HTTP_KEEP_ALIVE_TIMEOUT_MS)', async () => {
    const res = await request(t.url).get('/health/live').set('Connection', 'keep-alive').expect(200);
    expect(res.headers['keep-alive']).toBe('timeout=65');
  });

  it('answers the monitoring endpoints before any drift run', async () => {
    const alerts = await request(t.url).get('/api/ml/alerts').expect(200);
    expect(alerts.body).toMatchObject({
      drift: { status: 'no_report', feature_drift_score: null, drifted_features: [] },
      alerts: [],
      next_cursor: null,
    });
    const metrics = await request(t.url).get('/api/ml/metrics').expect(200);
    expect(metrics.body.current.request_count).toBeGreaterThan(0);
    await request(t.url).get('/api/ml/rollout/readiness').expect(200);
    await request(t.url).get('/api/ml/baseline').expect(404);
  });

  it('exports the Prometheus metrics', async () => {
    const res = await request(t.url).get('/metrics').expect(200);
    expect(res.text).toContain('ml_predictions_total{source="rule_fallback",arm="control"');
    expect(res.text).toContain('ml_fallback_total{reason="ml_disabled"}');
  });
});
