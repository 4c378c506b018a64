/** Codes of the service's own failures; the global filter maps each to an HTTP status. */
export enum ErrorCode {
  VALIDATION_FAILED = 'VALIDATION_FAILED',
  NOT_FOUND = 'NOT_FOUND',
  INSUFFICIENT_SAMPLES = 'INSUFFICIENT_SAMPLES',
  ADMIN_DISABLED = 'ADMIN_DISABLED',
  UNAUTHORIZED = 'UNAUTHORIZED',
  NO_MODEL = 'NO_MODEL',
  CONFLICT = 'CONFLICT',
  DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE',
}

export const ERROR_CODE_STATUS: Record<ErrorCode, number> = {
  [ErrorCode.VALIDATION_FAILED]: 400,
  [ErrorCode.UNAUTHORIZED]: 401,
  [ErrorCode.ADMIN_DISABLED]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.CONFLICT]: 409,
  [ErrorCode.INSUFFICIENT_SAMPLES]: 422,
  [ErrorCode.NO_MODEL]: 409,
  [ErrorCode.DATABASE_UNAVAILABLE]: 503,
};

/** A failure the service understands: a code, a client-safe message and optional details. */
export class DomainException extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string | string[],
    readonly details?: Record<string, unknown>,
  ) {
    super(Array.isArray(message) ? message.join('; ') : message);
    this.messages = Array.isArray(message) ? message : [message];
  }

  readonly messages: string[];
}
