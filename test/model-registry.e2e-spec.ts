import request from 'supertest';
import { fixtureCard, fillSlot, makeModelDir } from './support/model-fixture';
import { patterns } from './support/patterns';
import { bootTestApp } from './support/test-app';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

const TOKEN = 'test-admin-token-0123456789';

describe('model registry: champion → backup → rules only', () => {
  const [p] = patterns(1, 41);

  it('serves rules only with health CRITICAL (503) when ML is enabled and the model directory is empty', async () => {
    const t = await bootTestApp({ ENABLE_PHASE5_ML: true, ML_MODEL_DIR: makeModelDir('empty', 'empty') });
    try {
      const res = await request(t.url).post('/api/ml/confidence').send(p).expect(200);
      expect(res.body).toMatchObject({ source: 'rule_fallback', fallback_reason: 'model_unavailable', arm: 'ml' });
      const health = await request(t.url).get('/api/ml/health').expect(503);
      expect(health.body.details.model).toMatchObject({ status: 'down', severity: 'CRITICAL', state: 'rules_only' });
      expect(health.body.critical).toContain('model');
      const metrics = await request(t.url).get('/metrics');
      expect(metrics.text).toMatch(/^ml_model_loaded 0$/m);
      await request(t.url).get('/health/ready').expect(200); // rules-only mode is a decided, ready state
    } finally {
      await t.close();
    }
  });

  it('reports the model indicator up with state "disabled" when ML is switched off on purpose', async () => {
    const t = await bootTestApp({ ENABLE_PHASE5_ML: false, ML_MODEL_DIR: makeModelDir('empty') });
    try {
      const health = await request(t.url).get('/api/ml/health').expect(200);
      expect(health.body.details.model).toMatchObject({ status: 'up', state: 'disabled' });
    } finally {
      await t.close();
    }
  });

  it.each([
    ['corrupt', 'onnx_unparsable'],
    ['sha_mismatch', 'sha256_mismatch'],
    ['schema_mismatch', 'schema_mismatch'],
  ] as const)('refuses a %s champion, serves the backup and says why', async (content, reason) => {
    const t = await bootTestApp({
      ENABLE_PHASE5_ML: true,
      ML_MODEL_DIR: makeModelDir(content, 'lr'),
      ML_ADMIN_TOKEN: TOKEN,
    });
    try {
      const res = await request(t.url).post('/api/ml/confidence').send(p).expect(200);
      expect(res.body).toMatchObject({ source: 'ml_blended', model_version: fixtureCard('lr').model_version });
      const models = await request(t.url).get('/api/ml/models').expect(200);
      expect(models.body).toMatchObject({ state: 'loaded', slot: 'backup' });
      expect(models.body.refusals).toEqual([expect.objectContaining({ slot: 'champion', reason })]);
      expect(models.body.card.model_type).toBe('logistic_regression');
      const health = await request(t.url).get('/api/ml/health').expect(200);
      expect(health.body.details.model.refusals[0].reason).toBe(reason);
      // Each refusal is logged with its reason (a reload repeats the boot-time load where logs are captured).
      await request(t.url).post('/api/ml/models/reload').set('Authorization', `Bearer ${TOKEN}`).expect(200);
      expect(t.logs.some((l) => l.event === 'model_refused' && l.reason === reason && l.slot === 'champion')).toBe(
        true,
      );
    } finally {
      await t.close();
    }
  });

  it('hot-swaps on reload during 200 concurrent requests without failing one', async () => {
    const dir = makeModelDir('rf', 'lr');
    const t = await bootTestApp({
      ENABLE_PHASE5_ML: true,
      ML_MODEL_DIR: dir,
      ML_ADMIN_TOKEN: TOKEN,
      ML_CACHE_ENABLED: false,
    });
    try {
      const traffic = patterns(200, 43);
      // The champion becomes the logistic regression on disk; the reload must pick it up mid-traffic.
      rmSync(join(dir, 'champion'), { recursive: true });
      fillSlot(join(dir, 'champion'), 'lr');
      const requests = traffic.map((item) => request(t.url).post('/api/ml/confidence').send(item));
      const reload = request(t.url).post('/api/ml/models/reload').set('Authorization', `Bearer ${TOKEN}`);
      const [reloaded, ...results] = await Promise.all([reload, ...requests]);
      expect(reloaded.status).toBe(200);
      expect(reloaded.body).toMatchObject({
        state: 'loaded',
        slot: 'champion',
        model_version: fixtureCard('lr').model_version,
      });
      expect(results.map((r) => r.status)).toEqual(traffic.map(() => 200));
      expect(results.every((r) => r.body.source === 'ml_blended')).toBe(true);
      const after = await request(t.url).post('/api/ml/confidence').send(traffic[0]).expect(200);
      expect(after.body.model_version).toBe(fixtureCard('lr').model_version);
    } finally {
      await t.close();
    }
  });

  it('refuses reload without the admin token', async () => {
    const t = await bootTestApp({ ML_MODEL_DIR: makeModelDir('rf'), ML_ADMIN_TOKEN: TOKEN });
    try {
      await request(t.url).post('/api/ml/models/reload').expect(401);
      await request(t.url).post('/api/ml/models/reload').set('Authorization', 'Bearer wrong').expect(401);
    } finally {
      await t.close();
    }
    const noToken = await bootTestApp({ ML_MODEL_DIR: makeModelDir('rf') });
    try {
      const res = await request(noToken.url)
        .post('/api/ml/models/reload')
        .set('Authorization', `Bearer ${TOKEN}`)
        .expect(403);
      expect(res.body.message).toMatch(/ML_ADMIN_TOKEN/);
    } finally {
      await noToken.close();
    }
  });
});
