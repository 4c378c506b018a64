import express, { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import type { ServerResponse } from 'node:http';
import { Store, storage } from 'nestjs-pino/storage';
import type pino from 'pino';
import { BatchEnvelopePipe } from './confidence-request.dto';
import { ConfidenceController } from './confidence.controller';
import { PatternInputPipe } from './pattern-input.pipe';
import { handoffOf, startRequestLog } from './scoring-request';

/** One scoring route, as both the Express routes and the fast path (scoring-fast-path.ts) serve it. */
export interface ScoringRoute {
  path: string;
  /** Largest body, in express/body-parser syntax (`2mb`, `512kb`). */
  bodyLimit: string;
  /** The route's pipe: the checked input, or a throw of its 400. */
  validate(body: unknown): unknown;
  /** The controller method, on a validated input and the raw `include_features` query value. */
  score(input: unknown, includeFeatures: string | undefined): Promise<unknown>;
}

export interface ScoringRoutesOptions {
  controller: ConfidenceController;
  bodyLimit: string;
  batchBodyLimit: string;
}

/** POST /api/ml/confidence and /batch: the same pipes and controller methods as Nest would run. */
export function scoringRouteTable(opts: ScoringRoutesOptions): ScoringRoute[] {
  const { controller } = opts;
  const single = new PatternInputPipe();
  const envelope = new BatchEnvelopePipe();
  return [
    {
      path: '/api/ml/confidence',
      bodyLimit: opts.bodyLimit,
      validate: (body) => single.transform(body),
      score: (input, include) => controller.score(input as ReturnType<typeof single.transform>, include),
    },
    {
      path: '/api/ml/confidence/batch',
      bodyLimit: opts.batchBodyLimit,
      validate: (body) => envelope.transform(body),
      score: (input, include) => controller.batch(input as ReturnType<typeof envelope.transform>, include),
    },
  ];
}

/**
 * The two scoring routes as plain Express routes, mounted ahead of Nest's router; everything else
 * stays on Nest. They run the same pipes and controller methods as the Nest routes, their errors go
 * through the same global filter (Nest's Express error handler), and they log and count exactly like
 * any other request. What they skip is per-request machinery measured at ~0.2 ms of the ~1 ms of CPU
 * a scoring request cost (scripts/bench/ab.ts, docs/BENCHMARKS.md): Nest's router, execution context
 * and global pipes, and pino-http's two child loggers and three listeners. Most scoring requests do
 * not even get here: the fast path answers them from node:http; these routes serve the rest.
 */
export function scoringRoutes(routes: ScoringRoute[], logger: pino.Logger): Router {
  const router = express.Router();
  for (const route of routes) {
    router.post(
      route.path,
      withRequestLogger(logger),
      express.json({ limit: route.bodyLimit, strict: true }),
      failWithHandoffError,
      answer((req) => route.score(route.validate(req.body), includeFeatures(req))),
    );
  }
  return router;
}

/** 200 with a handler's JSON. res.json() would add content-type parsing and charset handling to every answer. */
export function sendJson(res: ServerResponse, body: unknown): void {
  const json = JSON.stringify(body);
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}

function includeFeatures(req: Request): string | undefined {
  const value = req.query.include_features;
  return typeof value === 'string' ? value : undefined;
}

/** 200 with the handler's JSON; a throw or rejection goes to the global exception filter. */
function answer(handler: (req: Request) => Promise<unknown>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    let pending: Promise<unknown>;
    try {
      pending = handler(req);
    } catch (err) {
      next(err);
      return;
    }
    pending.then((body) => sendJson(res, body), next);
  };
}

/**
 * The request's log (the fast path's, when it started one before handing the request over) in
 * nestjs-pino's store for the rest of the chain.
 */
function withRequestLogger(root: pino.Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const log = handoffOf(req)?.log ?? startRequestLog(root, req, res);
    storage.run(new Store(log), next);
  };
}

/**
 * A request the fast path handed over fails here with the error it met: a body that does not parse
 * as body-parser's own error would, an invalid one with the pipe's 400, a scoring failure with a 500
 * logged with the request id; all through the global filter.
 */
function failWithHandoffError(req: Request, _res: Response, next: NextFunction): void {
  next(handoffOf(req)?.error);
}
