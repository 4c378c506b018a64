import type { NextFunction, Request, Response } from 'express';
import { performance } from 'node:perf_hooks';
import type { Counter, Histogram } from 'prom-client';
import type { ServingStatsService } from './monitoring/serving-stats.service';

type HttpLabels = 'method' | 'route' | 'status_code';

/** Routes whose failures count in the plan's error rate and the data-quality invalid-request rate. */
const SCORING_ROUTES = new Set(['/api/ml/confidence', '/api/ml/confidence/batch']);

/**
 * Counts every HTTP response by method, route template and status — including 404s, 413s and body
 * parse errors that never reach a controller — so it is mounted before the body parsers.
 */
export function httpMetricsMiddleware(
  requests: Counter<HttpLabels>,
  duration: Histogram<HttpLabels>,
  stats: ServingStatsService,
) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    res.on('finish', () => {
      const matched = (req.route as { path?: string } | undefined)?.path;
      const route = matched ? `${req.baseUrl}${matched}` : 'unmatched';
      const labels = { method: req.method, route, status_code: String(res.statusCode) };
      requests.inc(labels);
      duration.observe(labels, (performance.now() - started) / 1000);
      const path = matched ? route : req.path;
      if (SCORING_ROUTES.has(path) && res.statusCode >= 400) {
        stats.recordHttpFailure(res.statusCode);
      }
    });
    next();
  };
}
