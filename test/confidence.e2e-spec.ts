import request from 'supertest';
import { FEATURE_NAMES } from '@app/features';
import { FaultyRuntime } from './support/faulty-runtime';
import { fixtureCard, makeModelDir } from './support/model-fixture';
import { patterns, sleep, zeroVolume } from './support/patterns';
import { bootTestApp, TestApp } from './support/test-app';
import { withClient } from './support/test-database';

describe('POST /api/ml/confidence with a model', () => {
  let t: TestApp;
  const runtime = new FaultyRuntime();
  const traffic = patterns(60, 21);

  beforeAll(async () => {
    t = await bootTestApp(
      { ENABLE_PHASE5_ML: true, ML_ROLLOUT_PERCENT: 100, ML_MODEL_DIR: makeModelDir('rf', 'lr') },
      { runtime },
    );
  });
  afterAll(async () => t.close());
  beforeEach(() => {
    runtime.mode = 'ok';
  });

  it('blends 0.6·ml + 0.4·rule and applies the 0.55 threshold', async () => {
    const p = traffic[0];
    const res = await request(t.url).post('/api/ml/confidence').send(p).expect(200);
    const b = res.body;
    expect(b).toMatchObject({
      pattern_id: p.pattern_id,
      source: 'ml_blended',
      fallback_reason: null,
      arm: 'ml',
      model_version: fixtureCard('rf').model_version,
      confidence_rule: p.rule_confidence,
      cache_hit: false,
      features_count: 52,
    });
    expect(b.confidence_ml).toBeGreaterThanOrEqual(0);
    expect(b.confidence_ml).toBeLessThanOrEqual(1);
    expect(b.confidence_blended).toBeCloseTo(0.6 * b.confidence_ml + 0.4 * p.rule_confidence, 10);
    expect(b.confidence).toBe(b.confidence_blended);
    expect(b.passes_threshold).toBe(b.confidence >= 0.55);
    expect(typeof b.inference_latency_ms).toBe('number');
  });

  it('serves a repeated pattern from the cache with the same score', async () => {
    const p = traffic[1];
    const first = await request(t.url).post('/api/ml/confidence').send(p).expect(200);
    const runsBefore = runtime.runs;
    const second = await request(t.url).post('/api/ml/confidence').send(p).expect(200);
    expect(second.body.cache_hit).toBe(true);
    expect(second.body.confidence_ml).toBe(first.body.confidence_ml);
    expect(runtime.runs).toBe(runsBefore);
  });

  it('returns the 52 features by name with ?include_features=true', async () => {
    const p = traffic[2];
    const res = await request(t.url).post('/api/ml/confidence?include_features=true').send(p).expect(200);
    expect(Object.keys(res.body.features)).toEqual([...FEATURE_NAMES]);
    expect(res.body.features.rule_confidence).toBeCloseTo(p.rule_confidence, 6);
    expect(res.body.features.direction).toBe(p.direction === 'bullish' ? 1 : -1);
    expect(res.body.features.pattern_bars).toBe(p.pattern_end_index - p.pattern_start_index + 1);
    const plain = await request(t.url).post('/api/ml/confidence').send(traffic[3]).expect(200);
    expect(plain.body.features).toBeUndefined();
  });

  it('falls back with invalid_features when the features are not finite (all volumes zero)', async () => {
    const res = await request(t.url).post('/api/ml/confidence').send(zeroVolume(traffic[4])).expect(200);
    expect(res.body).toMatchObject({
      source: 'rule_fallback',
      fallback_reason: 'invalid_features',
      confidence_ml: null,
    });
    expect(res.body.confidence).toBe(traffic[4].rule_confidence);
    const metrics = await request(t.url).get('/metrics');
    expect(metrics.text).toMatch(/ml_feature_extraction_total\{result="invalid"\} [1-9]/);
  });

  it('falls back with inference_timeout when the model answers after the timeout', async () => {
    runtime.mode = 'slow';
    runtime.delayMs = 300; // ML_INFERENCE_TIMEOUT_MS defaults to 100
    const res = await request(t.url).post('/api/ml/confidence').send(traffic[5]).expect(200);
    expect(res.body).toMatchObject({
      source: 'rule_fallback',
      fallback_reason: 'inference_timeout',
      confidence_ml: null,
    });
    expect(res.body.inference_latency_ms).toBeLessThan(300);
  });

  it('scores a batch in order with one model call, a bad item failing alone', async () => {
    const items: unknown[] = traffic.slice(20, 30).map((p) => ({ ...p, pattern_id: `${p.pattern_id}-batch` }));
    items[3] = { ...(items[3] as object), rule_confidence: 7 };
    const fresh = new FaultyRuntime();
    const b = await bootTestApp(
      { ENABLE_PHASE5_ML: true, ML_MODEL_DIR: makeModelDir('rf'), ML_CACHE_ENABLED: false },
      { runtime: fresh },
    );
    try {
      const runs = fresh.runs;
      const res = await request(b.url).post('/api/ml/confidence/batch').send({ items }).expect(200);
      expect(fresh.runs - runs).toBe(1);
      expect(res.body.results).toHaveLength(10);
      res.body.results.forEach((r: { pattern_id: string }, i: number) =>
        expect(r.pattern_id).toBe((items[i] as { pattern_id: string }).pattern_id),
      );
      expect(res.body.results[3].error.statusCode).toBe(400);
      expect(res.body.results[3].error.message.join(' ')).toMatch(/items\[3\]\.rule_confidence/);
      expect(res.body.results.filter((r: { source?: string }) => r.source === 'ml_blended')).toHaveLength(9);
    } finally {
      await b.close();
    }
  });

  it("writes the plan's inference_complete event with a request id", async () => {
    await request(t.url).post('/api/ml/confidence').set('x-request-id', 'req-abc-123').send(traffic[40]).expect(200);
    const event = t.logs.find((l) => l.event === 'inference_complete' && l.pattern_id === traffic[40].pattern_id);
    expect(event).toBeDefined();
    for (const key of [
      'timestamp',
      'service',
      'level',
      'event',
      'pattern_id',
      'model_version',
      'inference_latency_ms',
      'confidence_ml',
      'confidence_rule',
      'confidence_blended',
      'cache_hit',
      'features_count',
    ]) {
      expect(event).toHaveProperty(key);
    }
    expect(event).toMatchObject({
      service: 'pattern_confidence',
      level: 'INFO',
      request_id: 'req-abc-123',
      features_count: 52,
    });
  });

  it('logs and counts a refused scoring request like any other route: one WARN line with its request id', async () => {
    const counted = async (): Promise<number> => {
      const text = (await request(t.url).get('/metrics')).text;
      const line = text
        .split('\n')
        .find((l) => l.startsWith('http_requests_total{method="POST",route="/api/ml/confidence",status_code="400"}'));
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const before = await counted();
    const res = await request(t.url)
      .post('/api/ml/confidence')
      .set('x-request-id', 'bad-req-7')
      .send({ ...traffic[42], rule_confidence: 7 })
      .expect(400);
    expect(res.headers['x-request-id']).toBe('bad-req-7');
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(JSON.stringify(res.body.message)).toContain('rule_confidence');
    await sleep(50);
    const lines = t.logs.filter((l) => l.request_id === 'bad-req-7');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'WARN',
      res: { status_code: 400 },
      req: { method: 'POST', url: '/api/ml/confidence' },
    });
    expect(await counted()).toBe(before + 1);
    // Without a usable id of its own, the request gets a fresh one.
    const fresh = await request(t.url)
      .post('/api/ml/confidence')
      .set('x-request-id', 'bad id!')
      .send(traffic[43])
      .expect(200);
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs every scored request to ml_predictions with the three confidences', async () => {
    const p = traffic[41];
    const res = await request(t.url).post('/api/ml/confidence?include_features=true').send(p).expect(200);
    await sleep(300);
    const rows = await withClient(t.db.url, (c) =>
      c.query(
        `SELECT arm, source, fallback_reason, model_version, cache_hit, confidence_ml, confidence_rule, confidence_blended,
                features
         FROM ml_predictions WHERE pattern_id = $1`,
        [p.pattern_id],
      ),
    );
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0]).toMatchObject({ arm: 'ml', source: 'ml_blended', fallback_reason: null, cache_hit: false });
    expect(rows.rows[0].confidence_ml).toBeCloseTo(res.body.confidence_ml, 5);
    expect(rows.rows[0].confidence_blended).toBeCloseTo(res.body.confidence_blended, 5);
    // The logged vector is the served one, bit for bit (float32).
    const served = FEATURE_NAMES.map((name) => Math.fround(res.body.features[name] as number));
    expect((rows.rows[0].features as number[]).map(Number).map(Math.fround)).toEqual(served);
  });
});

describe('circuit breaker over real model calls', () => {
  let t: TestApp;
  const runtime = new FaultyRuntime();
  const traffic = patterns(20, 23);

  beforeAll(async () => {
    t = await bootTestApp(
      { ENABLE_PHASE5_ML: true, ML_MODEL_DIR: makeModelDir('rf'), ML_CIRCUIT_MIN_REQUESTS: 5, ML_CACHE_ENABLED: false },
      { runtime },
    );
  });
  afterAll(async () => t.close());

  it('falls back with inference_error when the model call fails, then opens the circuit', async () => {
    runtime.mode = 'fail';
    const reasons: string[] = [];
    for (const p of traffic.slice(0, 10)) {
      const res = await request(t.url).post('/api/ml/confidence').send(p).expect(200);
      reasons.push(res.body.fallback_reason);
    }
    expect(reasons[0]).toBe('inference_error');
    expect(reasons).toContain('circuit_open');
    const runsWhileOpen = runtime.runs;
    runtime.mode = 'ok';
    const open = await request(t.url).post('/api/ml/confidence').send(traffic[11]).expect(200);
    expect(open.body.fallback_reason).toBe('circuit_open');
    expect(runtime.runs).toBe(runsWhileOpen);
    const health = await request(t.url).get('/api/ml/health');
    expect(health.body.details.inference).toMatchObject({ status: 'down', severity: 'WARNING', circuit: 'open' });
    const metrics = await request(t.url).get('/metrics');
    expect(metrics.text).toMatch(/ml_circuit_open 1/);
    expect(metrics.text).toMatch(/ml_inference_errors_total\{reason="inference_error"\} [1-9]/);
  });
});

describe('log sampling', () => {
  it('writes about LOG_SAMPLE_RATE of the successful inference_complete events, and every fallback', async () => {
    const t = await bootTestApp({
      ENABLE_PHASE5_ML: true,
      ML_ROLLOUT_PERCENT: 50,
      ML_MODEL_DIR: makeModelDir('rf'),
      LOG_SAMPLE_RATE: 0.1,
    });
    try {
      const items = patterns(400, 29, 'sampled');
      await request(t.url)
        .post('/api/ml/confidence/batch')
        .send({ items: items.slice(0, 200) })
        .expect(200);
      const res = await request(t.url)
        .post('/api/ml/confidence/batch')
        .send({ items: items.slice(200) })
        .expect(200);
      expect(res.body.results).toHaveLength(200);
      const events = t.logs.filter(
        (l) => l.event === 'inference_complete' && String(l.pattern_id).startsWith('sampled-'),
      );
      const blended = events.filter((e) => e.source === 'ml_blended').length;
      const fallbacks = events.filter((e) => e.source === 'rule_fallback').length;
      const answered = await request(t.url).post('/api/ml/confidence/batch').send({ items }).expect(200);
      const expectedFallbacks = answered.body.results.filter(
        (r: { source: string }) => r.source === 'rule_fallback',
      ).length;
      expect(fallbacks).toBe(expectedFallbacks);
      const mlAnswers = 400 - expectedFallbacks;
      expect(blended).toBeGreaterThanOrEqual(Math.floor(mlAnswers / 10) - 1);
      expect(blended).toBeLessThanOrEqual(Math.ceil(mlAnswers / 10) + 1);
    } finally {
      await t.close();
    }
  });
});

describe('rollout bucketing and the kill switch', () => {
  it('puts everyone in control with not_in_rollout at 0%, and splits deterministically at 50%', async () => {
    const dir = makeModelDir('rf');
    const zero = await bootTestApp({ ENABLE_PHASE5_ML: true, ML_ROLLOUT_PERCENT: 0, ML_MODEL_DIR: dir });
    const half = await bootTestApp({ ENABLE_PHASE5_ML: true, ML_ROLLOUT_PERCENT: 50, ML_MODEL_DIR: dir });
    try {
      const items = patterns(200, 31);
      const z = await request(zero.url).post('/api/ml/confidence/batch').send({ items }).expect(200);
      expect(new Set(z.body.results.map((r: { fallback_reason: string }) => r.fallback_reason))).toEqual(
        new Set(['not_in_rollout']),
      );
      const h1 = await request(half.url).post('/api/ml/confidence/batch').send({ items }).expect(200);
      const h2 = await request(half.url).post('/api/ml/confidence/batch').send({ items }).expect(200);
      const arms1 = h1.body.results.map((r: { arm: string }) => r.arm);
      expect(h2.body.results.map((r: { arm: string }) => r.arm)).toEqual(arms1);
      const ml = arms1.filter((a: string) => a === 'ml').length;
      expect(ml).toBeGreaterThan(70);
      expect(ml).toBeLessThan(130);
      for (const r of h1.body.results) {
        expect(r.source === 'ml_blended').toBe(r.arm === 'ml');
      }
    } finally {
      await zero.close();
      await half.close();
    }
  });
});
