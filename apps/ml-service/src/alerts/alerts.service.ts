import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { DomainException, ErrorCode } from '@app/common';
import { AlertDetails, AlertEntity, AlertSeverity, AlertType } from './alert.entity';

/** A condition found by a monitoring run; the fingerprint names the condition, not the occurrence. */
export interface Finding {
  type: AlertType;
  severity: AlertSeverity;
  fingerprint: string;
  title: string;
  message: string;
  details: AlertDetails;
}

export interface AlertQuery {
  type?: AlertType;
  severity?: AlertSeverity;
  status: 'open' | 'resolved' | 'all' | 'acknowledged';
  since?: Date;
  limit: number;
  cursor?: string;
}

/** Alert as the API shows it (DESIGN §4). */
export interface AlertView extends Omit<AlertEntity, 'id'> {
  id: number;
}

export function toView(a: AlertEntity): AlertView {
  return { ...a, id: Number(a.id) };
}

/**
 * Alerts in ml_alerts. A finding whose fingerprint is live (open or acknowledged) updates it
 * (occurrences, last_seen_at, details); a live alert of an evaluated kind that is not found again is
 * resolved. The partial unique index on live fingerprints makes this safe across replicas.
 */
@Injectable()
export class AlertsService {
  constructor(
    @InjectRepository(AlertEntity) private readonly alerts: Repository<AlertEntity>,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  /**
   * Applies one run's findings. `evaluatedPrefixes` lists the fingerprint prefixes this run was able
   * to judge; only live alerts under those prefixes can be resolved (insufficient data resolves nothing).
   */
  async sync(
    findings: Finding[],
    evaluatedPrefixes: string[],
  ): Promise<{ opened: number; updated: number; resolved: number }> {
    let opened = 0;
    let updated = 0;
    for (const f of findings) {
      const rows = await this.db.query<Array<{ inserted: boolean }>>(
        `INSERT INTO ml_alerts (type, severity, status, fingerprint, title, message, details)
         VALUES ($1, $2, 'open', $3, $4, $5, $6)
         ON CONFLICT (fingerprint) WHERE status <> 'resolved' DO UPDATE
           SET occurrences = ml_alerts.occurrences + 1, last_seen_at = now(), details = EXCLUDED.details,
               message = EXCLUDED.message, severity = EXCLUDED.severity
         RETURNING (xmax = 0) AS inserted`,
        [f.type, f.severity, f.fingerprint, f.title, f.message, JSON.stringify(f.details)],
      );
      if (rows[0]?.inserted) {
        opened++;
      } else {
        updated++;
      }
    }
    let resolved = 0;
    if (evaluatedPrefixes.length > 0) {
      const result = await this.db.query<[unknown[], number]>(
        `UPDATE ml_alerts SET status = 'resolved', resolved_at = now()
         WHERE status <> 'resolved' AND fingerprint LIKE ANY($1::text[]) AND NOT (fingerprint = ANY($2::text[]))`,
        [evaluatedPrefixes.map((p) => `${p.replace(/[%_]/g, '\\$&')}%`), findings.map((f) => f.fingerprint)],
      );
      resolved = Array.isArray(result) ? Number(result[1] ?? 0) : 0;
    }
    return { opened, updated, resolved };
  }

  async list(q: AlertQuery): Promise<{ alerts: AlertView[]; next_cursor: string | null }> {
    const qb = this.alerts
      .createQueryBuilder('a')
      .orderBy('a.id', 'DESC')
      .take(q.limit + 1);
    if (q.type) {
      qb.andWhere('a.type = :type', { type: q.type });
    }
    if (q.severity) {
      qb.andWhere('a.severity = :severity', { severity: q.severity });
    }
    if (q.status === 'open') {
      qb.andWhere(`a.status <> 'resolved'`);
    } else if (q.status !== 'all') {
      qb.andWhere('a.status = :status', { status: q.status });
    }
    if (q.since) {
      qb.andWhere('a.last_seen_at >= :since', { since: q.since });
    }
    if (q.cursor) {
      qb.andWhere('a.id < :cursor', { cursor: decodeCursor(q.cursor) });
    }
    const rows = await qb.getMany();
    const page = rows.slice(0, q.limit);
    return {
      alerts: page.map(toView),
      next_cursor: rows.length > q.limit ? encodeCursor(page[page.length - 1].id) : null,
    };
  }

  async acknowledge(id: number, actor: string): Promise<{ before: AlertView; after: AlertView }> {
    const alert = await this.alerts.findOneBy({ id: String(id) });
    if (!alert) {
      throw new DomainException(ErrorCode.NOT_FOUND, `alert ${id} not found`);
    }
    const before = toView(alert);
    if (alert.status === 'open') {
      alert.status = 'acknowledged';
      alert.acknowledged_at = new Date();
      alert.acknowledged_by = actor;
      await this.alerts.save(alert);
    }
    return { before, after: toView(alert) };
  }

  /** Live CRITICAL alerts first seen or seen within the last `hours` (readiness). */
  async countSeverity(severity: AlertSeverity, hours: number): Promise<number> {
    const rows = await this.db.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM ml_alerts WHERE severity = $1 AND last_seen_at >= now() - make_interval(hours => $2)`,
      [severity, hours],
    );
    return Number(rows[0].n);
  }
}

export function encodeCursor(id: string | number): string {
  return Buffer.from(`a:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const raw = Buffer.from(cursor, 'base64url').toString();
  const m = /^a:(\d{1,19})$/.exec(raw);
  if (!m) {
    throw new DomainException(ErrorCode.VALIDATION_FAILED, ['cursor is not valid']);
  }
  return m[1];
}
