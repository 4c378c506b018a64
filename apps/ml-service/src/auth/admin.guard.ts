import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { AppConfig } from '@app/config';
import { DomainException, ErrorCode } from '@app/common';
import { AuditService } from '../audit/audit.service';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * Bearer-token guard of the mutating admin endpoints (DESIGN §4). Tokens are compared as SHA-256
 * digests with timingSafeEqual, so neither content nor length leaks through timing. No token
 * configured → 403 saying how to enable; missing or wrong token → 401 and an audit entry.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  private readonly logger = new Logger(AdminGuard.name);

  constructor(
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request & { adminActor?: string }>();
    const expected = this.config.ML_ADMIN_TOKEN;
    const action = `${req.method} ${req.route ? (req.route as { path: string }).path : req.path}`;
    if (!expected) {
      throw new DomainException(
        ErrorCode.ADMIN_DISABLED,
        'Admin endpoints are disabled: set ML_ADMIN_TOKEN in the service environment to enable them',
      );
    }
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match || !timingSafeEqual(digest(match[1]), digest(expected))) {
      const reason = match ? 'wrong token' : 'missing bearer token';
      this.logger.warn({ event: 'admin_refused', action, reason, ip: req.ip }, 'admin request refused');
      this.audit.record({
        actor: `anonymous@${req.ip ?? 'unknown'}`,
        action,
        outcome: 'refused',
        details: { reason },
      });
      throw new DomainException(ErrorCode.UNAUTHORIZED, 'A valid admin bearer token is required');
    }
    req.adminActor =
      req.headers['x-actor'] && typeof req.headers['x-actor'] === 'string'
        ? `admin:${req.headers['x-actor'].slice(0, 64)}`
        : 'admin';
    return true;
  }
}
