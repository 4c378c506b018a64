import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface AuditEntry {
  actor: string;
  action: string;
  outcome: 'applied' | 'refused' | 'failed';
  before?: unknown;
  after?: unknown;
  details?: Record<string, unknown>;
}

/** Appends to ml_audit_log. Refusals are written without awaiting: an outage must not turn a 401 into a 500. */
@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  record(entry: AuditEntry): void {
    this.write(entry).catch((err: Error) =>
      this.logger.error(
        { event: 'audit_write_failed', error: err.message, action: entry.action },
        'audit write failed',
      ),
    );
  }

  async write(entry: AuditEntry): Promise<void> {
    await this.db.query(
      `INSERT INTO ml_audit_log (actor, action, outcome, before, after, details) VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        entry.actor,
        entry.action,
        entry.outcome,
        entry.before === undefined ? null : JSON.stringify(entry.before),
        entry.after === undefined ? null : JSON.stringify(entry.after),
        entry.details === undefined ? null : JSON.stringify(entry.details),
      ],
    );
  }

  async list(limit = 50): Promise<Array<Record<string, unknown>>> {
    return this.db.query(`SELECT * FROM ml_audit_log ORDER BY id DESC LIMIT $1`, [limit]);
  }
}
