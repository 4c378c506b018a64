import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '@app/common';
import { AppConfig, HISTOGRAM_RETENTION_DAYS, METRIC_SNAPSHOT_RETENTION_DAYS } from '@app/config';
import { withAdvisoryLock } from '@app/database';

const RETENTION_LOCK_KEY = 5_120_002;
const BATCH = 10_000;
const DAY = 86_400_000;
const INTERVAL_MS = 3_600_000;

/** Tables with a time column and how long their rows live. */
interface RetentionTarget {
  table: 'ml_predictions' | 'ml_feature_histograms' | 'ml_metric_snapshots';
  column: 'created_at' | 'minute';
  key: string;
  days: number;
}

/**
 * Hourly retention without a long full-table DELETE: rows past their age go in batches of 10,000
 * chosen through the time index, each batch its own short statement, so locks and WAL stay small
 * and traffic keeps flowing. One replica at a time (advisory lock).
 */
@Injectable()
export class RetentionJob implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionJob.name);
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  onModuleInit(): void {
    if (this.config.DRIFT_SCHEDULE_ENABLED) {
      this.timer = setInterval(() => void this.run().catch(() => undefined), INTERVAL_MS);
      this.timer.unref();
    }
  }

  onApplicationShutdown(): void {
    if (this.timer) {
      clearInterval(this.timer);
    }
  }

  targets(): RetentionTarget[] {
    return [
      { table: 'ml_predictions', column: 'created_at', key: 'id', days: this.config.ML_PREDICTION_RETENTION_DAYS },
      { table: 'ml_feature_histograms', column: 'minute', key: 'ctid', days: HISTOGRAM_RETENTION_DAYS },
      { table: 'ml_metric_snapshots', column: 'minute', key: 'id', days: METRIC_SNAPSHOT_RETENTION_DAYS },
    ];
  }

  /** Deletes expired rows of every table; returns how many per table (null when another replica holds the lock). */
  async run(): Promise<Record<string, number> | null> {
    const outcome = await withAdvisoryLock(this.db, RETENTION_LOCK_KEY, async () => {
      const deleted: Record<string, number> = {};
      for (const t of this.targets()) {
        const cutoff = new Date(this.clock.now() - t.days * DAY).toISOString();
        let total = 0;
        for (;;) {
          // TypeORM answers a DELETE with [rows, affected count].
          const result = await this.db.query<[unknown[], number]>(
            `DELETE FROM ${t.table} WHERE ${t.key} IN (
               SELECT ${t.key} FROM ${t.table} WHERE ${t.column} < $1 ORDER BY ${t.column} LIMIT ${BATCH})`,
            [cutoff],
          );
          const n = Number(result[1] ?? 0);
          total += n;
          if (n < BATCH) {
            break;
          }
        }
        deleted[t.table] = total;
      }
      return deleted;
    });
    if (!outcome.locked) {
      return null;
    }
    if (Object.values(outcome.value).some((n) => n > 0)) {
      this.logger.log({ event: 'retention', deleted: outcome.value }, 'expired rows deleted');
    }
    return outcome.value;
  }
}
