import request from 'supertest';
import { generatePatterns } from '@app/simulation';
import { bootTestApp, TestApp } from './support/test-app';
import { withClient } from './support/test-database';

/** The boot path on either database (TEST_EMBEDDED=1 runs it on PGlite): migrate, score, log, probe. */
describe('smoke: boot, score, log, probes', () => {
  let t: TestApp;
  const [pattern] = generatePatterns(101, 1).map((p) => p.input);

  beforeAll(async () => {
    t = await bootTestApp({ ENABLE_PHASE5_ML: false });
  });
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
    await request(t.url).post('/api/ml/confidence').send({ ...pattern, pattern_id: id }).expect(200);
    await new Promise((r) => setTimeout(r, 400));
    const rows = await withClient(t.db.url, (c) =>
      c.query('SELECT source, fallback_reason, arm, array_length(features, 1) AS n FROM ml_predictions WHERE pattern_id = $1', [id]),
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

  it('exports the Prometheus metrics', async () => {
    const res = await request(t.url).get('/metrics').expect(200);
    expect(res.text).toContain('ml_predictions_total{source="rule_fallback",arm="control"');
    expect(res.text).toContain('ml_fallback_total{reason="ml_disabled"}');
  });
});
