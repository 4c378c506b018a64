import http, { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { bodyLimitBytes, installScoringFastPath, ScoringFastPath } from './scoring-fast-path';
import type { ScoringRoute } from './scoring-routes';

/**
 * The fast path on a bare node:http server (no Nest, no Express): what it does at the edges of a
 * request's life that the e2e suite cannot time — draining mid-request, clients that go away.
 */
describe('ScoringFastPath', () => {
  let server: Server;
  let url: string;
  let fastPath: ScoringFastPath;
  let draining = false;
  let release: (() => void) | null = null;
  const fallback: string[] = [];
  const observed: number[] = [];

  const route: ScoringRoute = {
    path: '/score',
    bodyLimit: '1kb',
    validate: (body) => body,
    // Holds the answer until the test releases it, so a test can act while the request is in flight.
    score: (input) =>
      new Promise((resolve) => {
        release = () => resolve({ echo: input });
      }),
  };

  beforeEach(async () => {
    draining = false;
    release = null;
    fallback.length = 0;
    observed.length = 0;
    server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
      fallback.push(`${req.method} ${req.url}`);
      res.statusCode = 418;
      res.end();
    });
    fastPath = installScoringFastPath(server, {
      routes: [route],
      logger: pino({ level: 'silent' }),
      securityHeaders: (_req, res, next) => {
        res.setHeader('X-Content-Type-Options', 'nosniff');
        next();
      },
      observe: (_method, _route, _path, status) => observed.push(status),
      draining: () => draining,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function untilInFlight(): Promise<void> {
    while (!release) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${url}/score`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it('answers with the route, the security headers and a request id, and observes the 200', async () => {
    const pending = post('{"a":1}');
    await untilInFlight();
    release!();
    const res = await pending;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ echo: { a: 1 } });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('connection')).toBe('keep-alive');
    expect(observed).toEqual([200]);
    expect(fallback).toEqual([]);
    expect(fastPath.served).toBe(1);
  });

  it('closes the connection of a request answered after draining began', async () => {
    const pending = post('{"a":2}');
    await untilInFlight();
    draining = true;
    release!();
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.headers.get('connection')).toBe('close');
  });

  it('leaves requests that arrive while draining to the fallback', async () => {
    draining = true;
    const res = await post('{"a":3}');
    expect(res.status).toBe(418);
    expect(fallback).toEqual(['POST /score']);
    expect(fastPath.served).toBe(0);
  });

  it('answers nothing and calls nothing for a client that leaves mid-body', async () => {
    await new Promise<void>((resolve) => {
      const req = http.request(`${url}/score`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': '500' },
      });
      req.on('error', () => resolve());
      req.write('{"a": "only part of the body');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(release).toBeNull();
    expect(fallback).toEqual([]);
    expect(observed).toEqual([]);
    expect(fastPath.served + fastPath.handedOff).toBe(0);
  });

  it('refuses to install beside anything but one request listener', () => {
    const bare = http.createServer();
    expect(() =>
      installScoringFastPath(bare, {
        routes: [],
        logger: pino({ level: 'silent' }),
        securityHeaders: (_q, _s, next) => next(),
        observe: () => undefined,
        draining: () => false,
      }),
    ).toThrow(/found 0/);
  });

  it('reads body limits as body-parser does (1024 multiples)', () => {
    expect(bodyLimitBytes('2mb')).toBe(2 * 1024 * 1024);
    expect(bodyLimitBytes('512KB')).toBe(512 * 1024);
    expect(() => bodyLimitBytes('2 megabytes')).toThrow(/2mb or 512kb/);
  });
});
