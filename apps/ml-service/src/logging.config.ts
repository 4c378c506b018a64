import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import pino from 'pino';
import type { AppConfig } from '@app/config';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Paths whose successful requests are not worth a log line each. */
const QUIET_PATHS = ['/metrics', '/health/live', '/health/ready'];

/** Injection token of the app's root pino logger (one per app, so in-process test apps keep their own logs). */
export const APP_LOGGER = Symbol('APP_LOGGER');

/**
 * The root logger, in the plan's shape: `timestamp`, `service`, upper-case `level`, `message`.
 * Authorization headers and anything named like a token are redacted.
 */
export function createAppLogger(config: AppConfig, destination?: pino.DestinationStream): pino.Logger {
  return pino(
    {
      level: config.LOG_LEVEL,
      base: { service: 'pattern_confidence' },
      timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
      messageKey: 'message',
      formatters: { level: (label: string) => ({ level: label.toUpperCase() }) },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'headers.authorization',
          '*.token',
          'token',
          'ML_ADMIN_TOKEN',
          '*.ML_ADMIN_TOKEN',
        ],
        censor: '[REDACTED]',
      },
    },
    destination ?? pino.destination({ dest: 1, sync: false, minLength: 4096 }),
  );
}

/** The caller's `x-request-id` when it is a sane token, else a new UUID; echoed in the response header. */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  res.setHeader('x-request-id', id);
  return id;
}

/** Successful requests are visible through inference_complete and metrics; failures get a line each. */
export function requestLogLevel(statusCode: number, err?: Error): pino.Level {
  return err || statusCode >= 500 ? 'error' : statusCode >= 400 ? 'warn' : 'debug';
}

/** pino-http around the root logger: `request_id` on every line logged during a request. */
export function loggingParams(logger: pino.Logger): Params {
  return {
    pinoHttp: {
      logger,
      genReqId: requestId,
      quietReqLogger: true,
      customAttributeKeys: { reqId: 'request_id' },
      customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) => requestLogLevel(res.statusCode, err),
      autoLogging: { ignore: (req: IncomingMessage) => QUIET_PATHS.includes(req.url ?? '') },
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ status_code: res.statusCode }),
      },
    },
  };
}
