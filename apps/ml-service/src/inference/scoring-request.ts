import type { IncomingMessage, ServerResponse } from 'node:http';
import type pino from 'pino';
import { requestId, requestLogLevel } from '../logging.config';

/**
 * What the scoring fast path already did for a request it passes on to the Express routes after
 * reading its body (so body-parser skips it): the `error` the request failed with (body-parser's
 * parse error, the pipe's 400, or the scoring failure), and the `log` it started, if it started one
 * (one request id, one closing line).
 */
export interface Handoff {
  error: unknown;
  log?: pino.Logger;
}

const handoffs = new WeakMap<IncomingMessage, Handoff>();

export function recordHandoff(req: IncomingMessage, handoff: Handoff): void {
  handoffs.set(req, handoff);
}

export function handoffOf(req: IncomingMessage): Handoff | undefined {
  return handoffs.get(req);
}

/**
 * What pino-http does for Nest's routes, in one child logger: a request id (echoed as
 * `x-request-id`), and one line when the request ends, at the same levels and in the same shape.
 * The caller runs the handler in nestjs-pino's store of the returned logger, so every line logged
 * while handling the request carries the id.
 */
export function startRequestLog(
  root: pino.Logger,
  req: IncomingMessage & { id?: unknown },
  res: ServerResponse,
): pino.Logger {
  const id = requestId(req, res);
  req.id = id;
  const log = root.child({ request_id: id });
  const started = Date.now();
  const url = req.url;
  res.once('finish', () => {
    const level = requestLogLevel(res.statusCode);
    if (log.isLevelEnabled(level)) {
      log[level](
        {
          req: { id, method: req.method, url },
          res: { status_code: res.statusCode },
          responseTime: Date.now() - started,
        },
        'request completed',
      );
    }
  });
  return log;
}
