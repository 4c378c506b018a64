import http from 'node:http';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import type { Server } from 'node:http';
import { ConfidenceController } from '@app/ml-service/inference/confidence.controller';
import { ScoringFastPath, scoringFastPathOf } from '@app/ml-service/inference/scoring-fast-path';
import { makeModelDir } from './support/model-fixture';
import { patterns } from './support/patterns';
import { bootTestApp, TestApp } from './support/test-app';

/** 32 kB: two 200-candle patterns do not fit, one does. */
const LIMIT_BYTES = 32 * 1024;

/**
 * The fast path (inference/scoring-fast-path.ts) answers well-formed scoring requests from node:http.
 * Every answer it gives must be the one the Express routes give, and everything it does not own must
 * reach Express untouched; its counts show which of the two served a request.
 */
describe('scoring fast path', () => {
  let fast: TestApp;
  let plain: TestApp;
  let path: ScoringFastPath;
  const traffic = patterns(40, 91, 'fp');
  let next = 0;
  const fresh = () => traffic[next++];

  beforeAll(async () => {
    const dir = makeModelDir('rf', 'lr');
    const common = { ENABLE_PHASE5_ML: true, ML_ROLLOUT_PERCENT: 100, ML_MODEL_DIR: dir, ML_CACHE_ENABLED: false };
    fast = await bootTestApp({ ...common, BODY_LIMIT: '32kb' });
    plain = await bootTestApp({ ...common, BODY_LIMIT: '32kb', HTTP_FAST_PATH: false });
    path = scoringFastPathOf(fast.app.getHttpServer() as Server)!;
  });
  afterAll(async () => {
    await fast?.close();
    await plain?.close();
  });

  /** Runs `send` and returns how the fast path's counts moved. */
  async function counted(send: () => Promise<unknown>): Promise<{ served: number; handedOff: number }> {
    const before = { served: path.served, handedOff: path.handedOff };
    await send();
    return { served: path.served - before.served, handedOff: path.handedOff - before.handedOff };
  }

  async function metric(app: TestApp, series: string): Promise<number> {
    const text = (await request(app.url).get('/metrics').expect(200)).text;
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.split(' ')[1]) : 0;
  }

  /** Sends bytes as they are (supertest would JSON-encode a Buffer under a JSON content type). */
  function postRaw(
    app: TestApp,
    body: Buffer,
    headers: Record<string, string>,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const req = http.request(`${app.url}/api/ml/confidence`, { method: 'POST', headers });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>,
          }),
        );
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  const withoutLatency = (body: Record<string, unknown>) => ({ ...body, inference_latency_ms: 0 });

  it('is installed only when HTTP_FAST_PATH is on', () => {
    expect(path).toBeInstanceOf(ScoringFastPath);
    expect(scoringFastPathOf(plain.app.getHttpServer() as Server)).toBeUndefined();
  });

  it('answers a single request as the Express route does: body, headers, request id', async () => {
    const p = fresh();
    let a!: request.Response;
    const moved = await counted(async () => {
      a = await request(fast.url)
        .post('/api/ml/confidence?include_features=true')
        .set('x-request-id', 'fast-1')
        .send(p);
    });
    const b = await request(plain.url)
      .post('/api/ml/confidence?include_features=true')
      .set('x-request-id', 'fast-1')
      .send(p);
    expect(moved).toEqual({ served: 1, handedOff: 0 });
    expect(a.status).toBe(200);
    expect(a.body.source).toBe('ml_blended');
    expect(Object.keys(a.body.features)).toHaveLength(52);
    expect(withoutLatency(a.body)).toEqual(withoutLatency(b.body));
    const names = (r: request.Response) =>
      Object.keys(r.headers)
        .filter((h) => h !== 'date' && h !== 'content-length')
        .sort();
    expect(names(a)).toEqual(names(b));
    for (const h of ['content-type', 'x-request-id', 'content-security-policy', 'x-content-type-options']) {
      expect(a.headers[h]).toBe(b.headers[h]);
    }
    expect(a.headers['x-powered-by']).toBeUndefined();
  });

  it('runs the handler in the request log scope: inference_complete carries the request id', async () => {
    const p = fresh();
    await request(fast.url).post('/api/ml/confidence').set('x-request-id', 'fast-log-2').send(p).expect(200);
    const event = fast.logs.find((l) => l.event === 'inference_complete' && l.pattern_id === p.pattern_id);
    expect(event?.request_id).toBe('fast-log-2');
  });

  it('reads include_features as Express does: a repeated key is not "true"', async () => {
    const p = fresh();
    const res = await request(fast.url).post('/api/ml/confidence?include_features=true&include_features=true').send(p);
    expect(res.status).toBe(200);
    expect(res.body.features).toBeUndefined();
  });

  it('serves a batch, one answer per item, and counts it once in http metrics', async () => {
    const series = 'http_requests_total{method="POST",route="/api/ml/confidence/batch",status_code="200"}';
    const before = await metric(fast, series);
    const items = [fresh(), { pattern_id: 'fp-bad', candles: [] }];
    let res!: request.Response;
    const moved = await counted(async () => {
      res = await request(fast.url).post('/api/ml/confidence/batch').send({ items });
    });
    expect(moved).toEqual({ served: 1, handedOff: 0 });
    expect(res.status).toBe(200);
    expect(res.body.results[0].pattern_id).toBe(items[0].pattern_id);
    expect(res.body.results[1].error.statusCode).toBe(400);
    expect((await metric(fast, series)) - before).toBe(1);
    const histogram =
      'http_request_duration_seconds_count{method="POST",route="/api/ml/confidence/batch",status_code="200"}';
    expect(await metric(fast, histogram)).toBeGreaterThanOrEqual(1);
  });

  it('hands a body that is not JSON to Express: the same 400, counted once', async () => {
    const series = 'http_requests_total{method="POST",route="/api/ml/confidence",status_code="400"}';
    const before = await metric(fast, series);
    const moved = await counted(() =>
      request(fast.url)
        .post('/api/ml/confidence')
        .set('Content-Type', 'application/json')
        .send('{"pattern_id": ')
        .expect(400),
    );
    expect(moved).toEqual({ served: 0, handedOff: 1 });
    expect((await metric(fast, series)) - before).toBe(1);
  });

  it('words a malformed or non-object body exactly as body-parser behind Express does', async () => {
    const bodies = ['{"pattern_id": ', ' "text"', '\n 42 ', '   ', 'nul', '[1, 2', '{"a": 1}}', '\ufeff true'];
    for (const text of bodies) {
      const send = (app: TestApp) =>
        postRaw(app, Buffer.from(text), {
          'Content-Type': 'application/json',
          'Content-Length': String(Buffer.byteLength(text)),
        });
      const [a, b] = [await send(fast), await send(plain)];
      expect({ text, ...a }).toEqual({ text, ...b });
      expect(a.status).toBe(400);
    }
  });

  it('hands an invalid pattern to Express, which names the bad field', async () => {
    const p = { ...fresh(), rule_confidence: 2 };
    let res!: request.Response;
    const moved = await counted(async () => {
      res = await request(fast.url).post('/api/ml/confidence').set('x-request-id', 'fast-bad-3').send(p);
    });
    const expected = await request(plain.url).post('/api/ml/confidence').send(p);
    expect(moved).toEqual({ served: 0, handedOff: 1 });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(expected.body);
    expect(res.body.message.join(' ')).toContain('rule_confidence');
    expect(res.headers['x-request-id']).toBe('fast-bad-3');
  });

  it('accepts a UTF-8 byte order mark as body-parser does', async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(fresh()))]);
    let res!: { status: number };
    const moved = await counted(async () => {
      res = await postRaw(fast, body, { 'Content-Type': 'application/json', 'Content-Length': String(body.length) });
    });
    expect(res.status).toBe(200);
    expect(moved).toEqual({ served: 1, handedOff: 0 });
  });

  it('takes a body of exactly the limit and leaves a byte more to Express (413)', async () => {
    const json = JSON.stringify(fresh());
    expect(json.length).toBeLessThan(LIMIT_BYTES);
    const atLimit = json + ' '.repeat(LIMIT_BYTES - json.length);
    const moved = await counted(() =>
      request(fast.url).post('/api/ml/confidence').set('Content-Type', 'application/json').send(atLimit).expect(200),
    );
    expect(moved).toEqual({ served: 1, handedOff: 0 });
    const over = await counted(async () => {
      const res = await request(fast.url)
        .post('/api/ml/confidence')
        .set('Content-Type', 'application/json')
        .send(`${atLimit} `);
      expect(res.status).toBe(413);
      expect(res.body.message).toBe('Request body is too large');
    });
    expect(over).toEqual({ served: 0, handedOff: 0 });
  });

  it('leaves to Express what it does not own, which still answers as before', async () => {
    const json = JSON.stringify(fresh());
    const cases: Array<[string, () => Promise<request.Response>, number]> = [
      ['trailing slash', () => request(fast.url).post('/api/ml/confidence/').send(fresh()), 200],
      ['upper case path', () => request(fast.url).post('/API/ml/confidence').send(fresh()), 200],
      [
        'text/plain',
        () => request(fast.url).post('/api/ml/confidence').set('Content-Type', 'text/plain').send(json),
        415,
      ],
      [
        'latin1 charset',
        () =>
          request(fast.url)
            .post('/api/ml/confidence')
            .set('Content-Type', 'application/json; charset=latin1')
            .send(json),
        415,
      ],
      ['GET', () => request(fast.url).get('/api/ml/confidence'), 405],
    ];
    const gzip = () => {
      const body = gzipSync(json);
      return postRaw(fast, body, {
        'Content-Type': 'application/json',
        'Content-Encoding': 'gzip',
        'Content-Length': String(body.length),
      }) as unknown as Promise<request.Response>;
    };
    cases.push(['gzip body', gzip, 200]);
    // A corrupt compressed body is the client's fault: 400, not the 500 it was before the filter knew http-errors.
    const corrupt = () =>
      postRaw(fast, Buffer.from('not gzip at all'), {
        'Content-Type': 'application/json',
        'Content-Encoding': 'gzip',
        'Content-Length': '15',
      }) as unknown as Promise<request.Response>;
    cases.push(['corrupt gzip body', corrupt, 400]);
    for (const [name, send, status] of cases) {
      const moved = await counted(async () => {
        const res = await send();
        expect({ name, status: res.status }).toEqual({ name, status });
      });
      expect({ name, ...moved }).toEqual({ name, served: 0, handedOff: 0 });
    }
  });

  it('leaves a chunked body (no Content-Length) to Express, which scores it', async () => {
    const p = fresh();
    const moved = await counted(async () => {
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request(`${fast.url}/api/ml/confidence`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        const json = JSON.stringify(p);
        req.write(json.slice(0, 1000));
        req.end(json.slice(1000));
      });
      expect(status).toBe(200);
    });
    expect(moved).toEqual({ served: 0, handedOff: 0 });
  });

  it('hands a scoring failure to the global filter: 500 without internals, logged with the request id', async () => {
    // A controller that throws stands in for a bug: the real inference path never rejects.
    const controller = fast.app.get(ConfidenceController);
    const original = controller.score.bind(controller);
    controller.score = () => Promise.reject(new Error('secret internal detail'));
    try {
      let res!: request.Response;
      const moved = await counted(async () => {
        res = await request(fast.url).post('/api/ml/confidence').set('x-request-id', 'fast-boom-4').send(fresh());
      });
      expect(moved).toEqual({ served: 0, handedOff: 1 });
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' });
      expect(res.headers['x-request-id']).toBe('fast-boom-4');
      expect(fast.logs.some((l) => l.message === 'unhandled error' && l.request_id === 'fast-boom-4')).toBe(true);
    } finally {
      controller.score = original;
    }
  });
});
