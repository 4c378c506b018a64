import type { NextFunction, Request, Response } from 'express';
import { performance } from 'node:perf_hooks';
import type { Counter, Histogram } from 'prom-client';
import type { ServingStatsService } from './monitoring/serving-stats.service';

type HttpLabels = 'method' | 'route' | 'status_code';

/** Routes whose failures count in the plan's error rate and the data-quality invalid-request rate. */
const SCORING_ROUTES = new Set(['/api/ml/confidence', '/api/ml/confidence/batch']);

/**
 * Records one finished response: `route` is the matched route template ('unmatched' when none),
 * `path` the request path, `started` a performance.now() taken when the request arrived.
 */
export type HttpObserver = (method: string, route: string, path: string, statusCode: number, started: number) => void;

/** The one place HTTP responses are counted, for the Express pipeline and the scoring fast path alike. */
export function httpObserver(
  requests: Counter<HttpLabels>,
  duration: Histogram<HttpLabels>,
  stats: ServingStatsService,
): HttpObserver {
  return (method, route, path, statusCode, started) => {
    const labels = { method, route, status_code: String(statusCode) };
    requests.inc(labels);
    duration.observe(labels, (performance.now() - started) / 1000);
    if (statusCode >= 400 && SCORING_ROUTES.has(path)) {
      stats.recordHttpFailure(statusCode);
    }
  };
}

/**
 * Counts every HTTP response by method, route template and status — including 404s, 413s and body
 * parse errors that never reach a controller — so it is mounted before the body parsers.
 */
export function httpMetricsMiddleware(observe: HttpObserver) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    res.on('finish', () => {
      const matched = (req.route as { path?: string } | undefined)?.path;
      const route = matched ? `${req.baseUrl}${matched}` : 'unmatched';
      observe(req.method, route, matched ? route : req.path, res.statusCode, started);
    });
    next();
  };
}
