import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import pino from 'pino';
import type { AppConfig } from '@app/config';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Paths whose successful requests are not worth a log line each. */
const QUIET_PATHS = ['/metrics', '/health/live', '/health/ready'];

/**
 * JSON logs in the plan's shape: `timestamp`, `service`, upper-case `level`, an `event` where one
 * applies, and `request_id` on every line logged during a request. Authorization headers and
 * anything named like a token are redacted.
 */
export function loggingParams(config: AppConfig, destination?: pino.DestinationStream): Params {
  return {
    pinoHttp: [
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
        genReqId: (req: IncomingMessage, res: ServerResponse) => {
          const given = req.headers['x-request-id'];
          const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
          res.setHeader('x-request-id', id);
          return id;
        },
        quietReqLogger: true,
        customAttributeKeys: { reqId: 'request_id' },
        // Successful requests are visible through inference_complete and metrics; failures get a line each.
        customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
          err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'debug',
        autoLogging: { ignore: (req: IncomingMessage) => QUIET_PATHS.includes(req.url ?? '') },
        serializers: {
          req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
          res: (res: { statusCode: number }) => ({ status_code: res.statusCode }),
        },
      },
      destination ?? pino.destination({ dest: 1, sync: false, minLength: 4096 }),
    ],
  };
}
