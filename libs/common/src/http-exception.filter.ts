import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { Request, Response } from 'express';
import { DomainException, ERROR_CODE_STATUS } from './domain.exception';

/** Answers methods that a path exists for, so a wrong method is 405 rather than 404. */
export type AllowedMethodsLookup = (path: string) => string[];

/** Terminus-shaped health reports ({status, details, ...}) are answered as they are. */
function isHealthReport(response: unknown): response is Record<string, unknown> {
  return typeof response === 'object' && response !== null && 'status' in response && 'details' in response;
}

interface BodyParserError {
  type?: string;
  status?: number;
  statusCode?: number;
  /** http-errors: the error is the client's fault and safe to answer as its status. */
  expose?: boolean;
}

/** body-parser's errors (typed), and http-errors it raises untyped (e.g. a corrupt gzip body: 400). */
function isClientBodyError(err: unknown): err is BodyParserError {
  if (!err || typeof err !== 'object') {
    return false;
  }
  const e = err as BodyParserError;
  const status = e.status ?? e.statusCode ?? 0;
  return typeof e.type === 'string' || (e.expose === true && status >= 400 && status < 500);
}

/**
 * One JSON error shape for every failure: `{statusCode, error, message}`. Unknown errors become
 * 500 without a stack trace and are logged with the request id.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  constructor(private readonly allowedMethods?: AllowedMethodsLookup) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request & { id?: string }>();
    const { status, body } = this.describe(exception, req);
    if (status >= 500) {
      this.logger.error(
        { err: exception, request_id: req.id, method: req.method, url: req.originalUrl },
        'unhandled error',
      );
    }
    if (res.headersSent) {
      return;
    }
    res.status(status).json(body);
  }

  private describe(exception: unknown, req: Request): { status: number; body: Record<string, unknown> } {
    if (exception instanceof DomainException) {
      const status = ERROR_CODE_STATUS[exception.code];
      return {
        status,
        body: this.body(status, exception.messages.length === 1 ? exception.messages[0] : exception.messages, {
          code: exception.code,
          ...(exception.details ?? {}),
        }),
      };
    }
    if (exception instanceof HttpException) {
      let status: number = exception.getStatus();
      const response = exception.getResponse();
      if (isHealthReport(response)) {
        return { status, body: response };
      }
      let message: unknown = typeof response === 'string' ? response : (response as { message?: unknown }).message;
      if (status === 404 && this.allowedMethods) {
        const allowed = this.allowedMethods(req.path);
        if (allowed.length > 0 && !allowed.includes(req.method)) {
          status = 405;
          message = `${req.method} is not allowed on ${req.path}; allowed: ${allowed.join(', ')}`;
          req.res?.setHeader('Allow', allowed.join(', '));
        }
      }
      const extra = typeof response === 'object' ? this.safeExtra(response as Record<string, unknown>) : {};
      return { status, body: this.body(status, message ?? exception.message, extra) };
    }
    if (isClientBodyError(exception)) {
      const status = exception.status ?? exception.statusCode ?? 400;
      const messages: Record<string, string> = {
        'entity.too.large': 'Request body is too large',
        'entity.parse.failed': 'Request body is not valid JSON',
        'encoding.unsupported': 'Unsupported content encoding',
        'charset.unsupported': 'Unsupported charset',
      };
      return { status, body: this.body(status, messages[exception.type ?? ''] ?? 'Bad request body') };
    }
    return { status: 500, body: this.body(500, 'Internal server error') };
  }

  /** Keeps structured extras a handler attached on purpose (e.g. counts of a 422), never internals. */
  private safeExtra(response: Record<string, unknown>): Record<string, unknown> {
    const { statusCode: _s, error: _e, message: _m, ...rest } = response;
    return rest;
  }

  private body(status: number, message: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message, ...extra };
  }
}
