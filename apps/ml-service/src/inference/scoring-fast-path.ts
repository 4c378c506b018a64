import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parse as parseQuery } from 'node:querystring';
import { Store, storage } from 'nestjs-pino/storage';
import type pino from 'pino';
import type { HttpObserver } from '../http-metrics.middleware';
import { ScoringRoute, sendJson } from './scoring-routes';
import { Handoff, recordHandoff, startRequestLog } from './scoring-request';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;
type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

export interface ScoringFastPathOptions {
  routes: ScoringRoute[];
  logger: pino.Logger;
  /** helmet's middleware: the same headers as every Express answer. */
  securityHeaders: Middleware;
  observe: HttpObserver;
  draining: () => boolean;
}

interface FastRoute {
  route: ScoringRoute;
  limit: number;
}

/** Content types body-parser would read as UTF-8 JSON without a second look. */
const PLAIN_JSON = new Set(['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8']);

const JSON_WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * The common case of the two scoring routes, answered from node:http ahead of Express: a POST to the
 * exact path with a plain JSON body of known length within the limit, that parses and validates.
 *
 * Why: behind Express every request's object graph (router closures, body-parser, response) lives
 * long enough to be copied out of the young generation; at 500 req/s each scavenge then copies
 * ~1.8 MB and stops the event loop for ~4–7 ms, against ~600 B and ~1 ms for the same handler on
 * node:http (gc-probe.ts, docs/BENCHMARKS.md). That is most of the service's p95 at a fixed rate.
 *
 * Everything else goes to Express untouched, before a byte of the body is read: other paths and
 * methods, trailing slashes and case variants, other content types or charsets, compressed or
 * chunked bodies, empty or oversized ones, and requests while draining. A request whose body was
 * read but does not parse or validate, or whose scoring fails, is handed to the Express routes with
 * its error (scoring-request.ts), so its error answer, log line and metrics come from the one error
 * pipeline. The answer, headers, request log line and metrics of a request served here are those of
 * the Express route.
 */
export class ScoringFastPath {
  /** Requests answered here, and requests passed to Express after their body was read. */
  served = 0;
  handedOff = 0;
  private readonly routes = new Map<string, FastRoute>();

  constructor(
    private readonly opts: ScoringFastPathOptions,
    private readonly express: Listener,
  ) {
    for (const route of opts.routes) {
      this.routes.set(route.path, { route, limit: bodyLimitBytes(route.bodyLimit) });
    }
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const fast = req.method === 'POST' ? this.routes.get(query < 0 ? url : url.slice(0, query)) : undefined;
    const length = fast ? plainJsonLength(req) : -1;
    if (!fast || length <= 0 || length > fast.limit || this.opts.draining()) {
      this.express(req, res);
      return;
    }
    const started = performance.now();
    const body = Buffer.allocUnsafe(length);
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      chunk.copy(body, received);
      received += chunk.length;
    });
    // An aborted or broken request has nobody left to answer: as behind Express, nothing is sent.
    req.on('end', () => {
      if (received === length) {
        this.answer(req, res, fast.route, body, query < 0 ? undefined : url.slice(query + 1), started);
      }
    });
  };

  private answer(
    req: IncomingMessage,
    res: ServerResponse,
    route: ScoringRoute,
    raw: Buffer,
    query: string | undefined,
    started: number,
  ): void {
    let body: unknown;
    try {
      body = parseStrictJson(raw);
    } catch (error) {
      this.handOff(req, res, { error });
      return;
    }
    let input: unknown;
    try {
      input = route.validate(body);
    } catch (error) {
      // The pipe's 400, answered by the one error pipeline without validating again.
      this.handOff(req, res, { error });
      return;
    }
    this.opts.securityHeaders(req, res, noop);
    const log = startRequestLog(this.opts.logger, req, res);
    const includeFeatures = query === undefined ? undefined : includeFeaturesParam(query);
    storage
      .run(new Store(log), () => route.score(input, includeFeatures))
      .then(
        (answer) => {
          if (this.opts.draining()) {
            // Draining began while this request was scored: let the client's keep-alive connection go.
            res.setHeader('Connection', 'close');
          }
          sendJson(res, answer);
          this.served++;
          this.opts.observe('POST', route.path, route.path, res.statusCode, started);
        },
        (error: unknown) => this.handOff(req, res, { error, log }),
      );
  }

  private handOff(req: IncomingMessage, res: ServerResponse, handoff: Handoff): void {
    this.handedOff++;
    recordHandoff(req, handoff);
    this.express(req, res);
  }
}

const installed = new WeakMap<Server, ScoringFastPath>();

/** The fast path serving this server, if one was installed (for its counts). */
export function scoringFastPathOf(server: Server): ScoringFastPath | undefined {
  return installed.get(server);
}

/** Puts the fast path in front of the server's one request listener (the Express app). */
export function installScoringFastPath(server: Server, opts: ScoringFastPathOptions): ScoringFastPath {
  const listeners = server.listeners('request') as Listener[];
  if (listeners.length !== 1) {
    throw new Error(`expected the Express app as the only request listener, found ${listeners.length}`);
  }
  const fastPath = new ScoringFastPath(opts, listeners[0]);
  server.removeAllListeners('request');
  server.on('request', fastPath.handle);
  installed.set(server, fastPath);
  return fastPath;
}

/** The declared length of a plain, uncompressed UTF-8 JSON body; -1 when Express should judge the request. */
function plainJsonLength(req: IncomingMessage): number {
  const { headers } = req;
  const type = headers['content-type'];
  if (type === undefined || !PLAIN_JSON.has(type.toLowerCase()) || headers['transfer-encoding'] !== undefined) {
    return -1;
  }
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
    return -1;
  }
  const length = Number(headers['content-length']);
  return Number.isSafeInteger(length) ? length : -1;
}

/**
 * body-parser 2's json with `strict: true`, errors included: the text after a byte order mark must
 * start, past whitespace, with `{` or `[`. A failure is body-parser's: a SyntaxError with status 400
 * and the same message (Nest answers it as a 400 carrying that message).
 */
function parseStrictJson(raw: Buffer): unknown {
  let text = raw.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) {
    text = text.slice(1);
  }
  let i = 0;
  while (i < text.length && JSON_WHITESPACE.has(text.charCodeAt(i))) {
    i++;
  }
  try {
    if (text[i] !== '{' && text[i] !== '[') {
      strictViolation(text, i);
    }
    return JSON.parse(text);
  } catch (err) {
    throw Object.assign(err as SyntaxError, {
      status: 400,
      statusCode: 400,
      expose: true,
      type: 'entity.parse.failed',
    });
  }
}

/**
 * Throws the SyntaxError JSON.parse gives when the text from `index` on is not JSON, quoting the
 * original characters: how body-parser words a strict violation.
 */
function strictViolation(text: string, index: number): never {
  const partial = index < text.length ? text.slice(0, index) + '#'.repeat(text.length - index) : '';
  try {
    JSON.parse(partial);
  } catch (err) {
    const message = (err as Error).message.replace(/#+/g, (run) => text.slice(index, index + run.length));
    throw new SyntaxError(message);
  }
  throw new SyntaxError('strict violation');
}

/** Express 5's default ("simple") query parser is node:querystring: a repeated key is an array, not a string. */
function includeFeaturesParam(query: string): string | undefined {
  const value = parseQuery(query).include_features;
  return typeof value === 'string' ? value : undefined;
}

/** `2mb` / `512kb` (BODY_LIMIT's validated form) in bytes, with body-parser's 1024 multiples. */
export function bodyLimitBytes(limit: string): number {
  const match = /^(\d+)(kb|mb)$/i.exec(limit);
  if (!match) {
    throw new Error(`body limit must look like 2mb or 512kb, got ${limit}`);
  }
  return Number(match[1]) * (match[2].toLowerCase() === 'kb' ? 1024 : 1024 * 1024);
}

function noop(): void {}
