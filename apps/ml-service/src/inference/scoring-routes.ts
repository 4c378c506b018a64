import express, { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { Store, storage } from 'nestjs-pino/storage';
import type pino from 'pino';
import { requestId, requestLogLevel } from '../logging.config';
import { BatchEnvelopePipe } from './confidence-request.dto';
import { ConfidenceController } from './confidence.controller';
import { PatternInputPipe } from './pattern-input.pipe';

const CONFIDENCE_PATH = '/api/ml/confidence';
const BATCH_PATH = '/api/ml/confidence/batch';

export interface ScoringRoutesOptions {
  controller: ConfidenceController;
  logger: pino.Logger;
  bodyLimit: string;
  batchBodyLimit: string;
}

/**
 * The two scoring routes as plain Express routes, mounted ahead of Nest's router; everything else
 * stays on Nest. They run the same pipes and controller methods as the Nest routes, their errors go
 * through the same global filter (Nest's Express error handler), and they log and count exactly like
 * any other request. What they skip is per-request machinery measured at ~0.2 ms of the ~1 ms of CPU
 * a scoring request cost (scripts/bench/ab.ts, docs/BENCHMARKS.md): Nest's router, execution context
 * and global pipes, and pino-http's two child loggers and three listeners.
 */
export function scoringRoutes(opts: ScoringRoutesOptions): Router {
  const { controller, logger } = opts;
  const single = new PatternInputPipe();
  const envelope = new BatchEnvelopePipe();
  const router = express.Router();
  router.post(
    CONFIDENCE_PATH,
    withRequestLogger(logger),
    express.json({ limit: opts.bodyLimit, strict: true }),
    answer((req) => controller.score(single.transform(req.body), includeFeatures(req))),
  );
  router.post(
    BATCH_PATH,
    withRequestLogger(logger),
    express.json({ limit: opts.batchBodyLimit, strict: true }),
    answer((req) => controller.batch(envelope.transform(req.body), includeFeatures(req))),
  );
  return router;
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
    pending.then((body) => {
      // res.json() would add content-type parsing and charset handling to every answer.
      const json = JSON.stringify(body);
      res.statusCode = 200;
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.setHeader('Content-Length', Buffer.byteLength(json));
      res.end(json);
    }, next);
  };
}

/**
 * What pino-http does for Nest's routes, in one child logger: a request id (echoed as
 * `x-request-id`), that id on every line logged while handling the request (nestjs-pino's store),
 * and one line when the request ends, at the same levels and in the same shape.
 */
function withRequestLogger(root: pino.Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const id = requestId(req, res);
    req.id = id;
    const log = root.child({ request_id: id });
    const started = Date.now();
    res.once('finish', () => {
      const level = requestLogLevel(res.statusCode);
      if (log.isLevelEnabled(level)) {
        log[level](
          {
            req: { id, method: req.method, url: req.originalUrl },
            res: { status_code: res.statusCode },
            responseTime: Date.now() - started,
          },
          'request completed',
        );
      }
    });
    storage.run(new Store(log), next);
  };
}
