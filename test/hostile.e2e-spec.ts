import request from 'supertest';
import type { PatternInput } from '@app/features';
import { makeModelDir } from './support/model-fixture';
import { patterns } from './support/patterns';
import { bootTestApp, TestApp } from './support/test-app';
import { withClient } from './support/test-database';

const TOKEN = 'hostile-test-token-0000000';
const STRING_FIELDS = ['pattern_id', 'symbol', 'pattern_type', 'direction', 'timeframe'] as const;
const NASTY_STRINGS = [
  "'; DROP TABLE ml_predictions; --",
  '" OR 1=1 --',
  '\\x00\u0000nul',
  '\u202e\u200bzero-width',
  '𝕦𝕟𝕚𝕔𝕠𝕕𝕖 🚀',
  '<script>alert(1)</script>',
  '$1 $$ %s %n {{7*7}}',
  '\r\nX-Injected: 1',
];

function nested(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

/**
 * Hostile input, table-driven: whatever arrives, the process stays up, never answers 500, never
 * lets an unauthenticated caller through the admin surface.
 */
describe('hostile input', () => {
  let t: TestApp;
  let valid: PatternInput;

  beforeAll(async () => {
    t = await bootTestApp({
      ENABLE_PHASE5_ML: true,
      ML_MODEL_DIR: makeModelDir('rf'),
      ML_ADMIN_TOKEN: TOKEN,
      ADMIN_RATE_LIMIT_PER_MINUTE: 10_000,
    });
    [valid] = patterns(1, 111);
  });
  afterAll(async () => t.close());

  afterEach(async () => {
    // The process must still answer after every case.
    await request(t.url).get('/health/live').expect(200);
  });

  const raw = (path: string, body: string, type = 'application/json') =>
    request(t.url).post(path).set('Content-Type', type).send(body);

  it.each([
    ['a 3 MB body', () => raw('/api/ml/confidence', JSON.stringify({ ...valid, pad: 'x'.repeat(3_000_000) })), [413]],
    [
      '10^6 candles',
      () => raw('/api/ml/confidence', JSON.stringify({ ...valid, candles: Array(1_000_000).fill(valid.candles[0]) })),
      [413],
    ],
    ['JSON nested 100,000 deep', () => raw('/api/ml/confidence', nested(100_000)), [400, 413]],
    ['JSON nested 5,000 deep in an object', () => raw('/api/ml/confidence', `{"a":${nested(5000)}}`), [400]],
    [
      'a __proto__ key',
      () => raw('/api/ml/confidence', JSON.stringify(valid).replace('{', '{"__proto__":{"polluted":true},')),
      [400],
    ],
    [
      'a constructor key',
      () => raw('/api/ml/confidence', JSON.stringify(valid).replace('{', '{"constructor":{"prototype":{"x":1}},')),
      [400],
    ],
    [
      '__proto__ inside a candle',
      () =>
        raw('/api/ml/confidence', JSON.stringify(valid).replace('"candles":[{', '"candles":[{"__proto__":{"o":1},')),
      [400],
    ],
    [
      'numbers as strings everywhere',
      () =>
        request(t.url)
          .post('/api/ml/confidence')
          .send(JSON.parse(JSON.stringify(valid), (_k, v: unknown) => (typeof v === 'number' ? String(v) : v))),
      [400],
    ],
    ['text/plain', () => raw('/api/ml/confidence', JSON.stringify(valid), 'text/plain'), [415]],
    ['application/xml', () => raw('/api/ml/confidence', '<a/>', 'application/xml'), [415]],
    ['form-encoded', () => raw('/api/ml/confidence', 'a=1&b=2', 'application/x-www-form-urlencoded'), [415]],
    ['an empty JSON body', () => raw('/api/ml/confidence', ''), [400]],
    ['JSON null', () => raw('/api/ml/confidence', 'null'), [400]],
    ['a JSON string', () => raw('/api/ml/confidence', '"x"'), [400]],
    [
      'a batch of junk',
      () =>
        request(t.url)
          .post('/api/ml/confidence/batch')
          .send({ items: [null, 1, 'x', [], {}] }),
      [200],
    ],
    [
      'invalid UTF-8 bytes',
      () =>
        request(t.url)
          .post('/api/ml/confidence')
          .set('Content-Type', 'application/json')
          .send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])),
      [400],
    ],
    [
      'a huge number',
      () =>
        raw(
          '/api/ml/confidence',
          JSON.stringify(valid).replace(/"rule_confidence":[0-9.]+/, '"rule_confidence":1e309'),
        ),
      [400],
    ],
  ])('%s → refused cleanly', async (_name, send, statuses) => {
    const res = await send();
    expect(statuses).toContain(res.status);
    expect(res.headers['content-type']).toMatch(/json/);
    expect(JSON.stringify(res.body)).not.toMatch(/\.ts:\d+|node_modules|at [A-Z][a-zA-Z]+\./);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  for (const field of STRING_FIELDS) {
    it(`survives unicode, control and SQL metacharacters in ${field}`, async () => {
      for (const nasty of NASTY_STRINGS) {
        const res = await request(t.url)
          .post('/api/ml/confidence')
          .send({ ...valid, pattern_id: `${valid.pattern_id}-${field}`, [field]: nasty });
        expect([200, 400]).toContain(res.status);
        if (res.status === 200) {
          expect(Number.isFinite(res.body.confidence)).toBe(true);
        }
      }
    });
  }

  it('stores metacharacters verbatim (parameterised SQL) and the tables survive', async () => {
    const id = "x'); DELETE FROM ml_predictions; --";
    await request(t.url)
      .post('/api/ml/confidence')
      .send({ ...valid, pattern_id: id })
      .expect(200);
    await new Promise((r) => setTimeout(r, 300));
    const rows = await withClient(t.db.url, (c) =>
      c.query('SELECT pattern_id FROM ml_predictions WHERE pattern_id = $1', [id]),
    );
    expect(rows.rows).toEqual([{ pattern_id: id }]);
  });

  const ADMIN_ROUTES: Array<[string, string, object]> = [
    ['put', '/api/ml/rollout', { enabled: true, percent: 100 }],
    ['post', '/api/ml/models/reload', {}],
    ['post', '/api/ml/baseline', { source: 'training' }],
    ['post', '/api/ml/drift/run', {}],
    ['post', '/api/ml/alerts/1/ack', {}],
  ];
  const BAD_AUTH = [
    undefined,
    '',
    'Bearer',
    'Bearer ',
    `Bearer ${TOKEN}x`,
    `Bearer ${TOKEN.slice(0, -1)}`,
    `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`,
    `Token ${TOKEN}`,
    `Bearer ${TOKEN} extra`,
    `Bearer ${'A'.repeat(4000)}`,
    'Bearer \u00e9\u00e9',
    `Bearer\t${TOKEN}x`,
  ];

  it.each(ADMIN_ROUTES)('never lets %s %s through without the token (header fuzz)', async (method, path, body) => {
    for (const header of BAD_AUTH) {
      let req = request(t.url)[method as 'put' | 'post'](path);
      if (header !== undefined) {
        req = req.set('Authorization', header);
      }
      const res = await req.send(body);
      expect(res.status).toBe(401);
    }
  });

  it.each([
    '/api/ml/rollout/',
    '/api/ml//rollout',
    '/API/ML/ROLLOUT',
    '/api/ml/rollout%00',
    '/api/ml/./rollout',
    '/api/ml/rollout;x=1',
    '/api/ml/rollout?admin=true',
    '/api/ml/%72ollout',
  ])('route fuzz %s: no bypass, no 500', async (path) => {
    const res = await request(t.url).put(path).send({ enabled: true, percent: 100 });
    expect(res.status).not.toBe(500);
    expect(res.status === 200 || res.status === 204).toBe(false);
  });

  it('never writes the admin token to a log line', async () => {
    await request(t.url)
      .put('/api/ml/rollout')
      .set('Authorization', `Bearer ${TOKEN}`)
      .send({ percent: 100 })
      .expect(200);
    await request(t.url)
      .put('/api/ml/rollout')
      .set('Authorization', `Bearer ${TOKEN}-wrong`)
      .send({ percent: 100 })
      .expect(401);
    await request(t.url).get('/api/ml/nope').set('Authorization', `Bearer ${TOKEN}`).expect(404);
    await new Promise((r) => setTimeout(r, 100));
    expect(t.logs.length).toBeGreaterThan(0);
    expect(JSON.stringify(t.logs)).not.toContain(TOKEN);
  });

  it('sends security headers', async () => {
    const res = await request(t.url).get('/api/ml/health');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBeDefined();
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

describe('admin rate limit', () => {
  it('answers 429 after the per-minute budget, even to wrong tokens', async () => {
    const t = await bootTestApp({ ML_ADMIN_TOKEN: TOKEN, ADMIN_RATE_LIMIT_PER_MINUTE: 5 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        statuses.push(
          (await request(t.url).put('/api/ml/rollout').set('Authorization', 'Bearer guess').send({ percent: 1 }))
            .status,
        );
      }
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(statuses.slice(5)).toEqual([429, 429, 429]);
      // Reading is not rate limited.
      await request(t.url).get('/api/ml/rollout').expect(200);
    } finally {
      await t.close();
    }
  });
});
