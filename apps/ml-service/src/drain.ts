import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import type { NextFunction, Request, Response } from 'express';

/** After this long, connections still open at shutdown are closed whatever they are doing. */
const DRAIN_DEADLINE_MS = 10_000;

const draining = new WeakSet<object>();

/** Whether drainAndClose has begun for this HTTP server. */
export function isDraining(server: object): boolean {
  return draining.has(server);
}

/**
 * While draining, every response carries `Connection: close`, so keep-alive clients that keep
 * sending (a load balancer, a busy caller) let go of their connection after the request in flight;
 * otherwise server.close() would wait for them forever.
 */
export function drainMiddleware(app: { getHttpServer(): unknown }) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    if (isDraining(app.getHttpServer() as object)) {
      res.setHeader('Connection', 'close');
    }
    next();
  };
}

/** Graceful stop: refuse new connections, finish in-flight requests, then run the shutdown hooks. */
export async function drainAndClose(app: INestApplication): Promise<void> {
  const server = app.getHttpServer() as Server;
  draining.add(server);
  server.closeIdleConnections();
  const deadline = setTimeout(() => server.closeAllConnections(), DRAIN_DEADLINE_MS);
  deadline.unref();
  try {
    await app.close();
  } finally {
    clearTimeout(deadline);
  }
}
