import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { CronJob } from 'cron';
import type { Counter, Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { AppConfig } from '@app/config';
import { withAdvisoryLock } from '@app/database';
import { METRIC } from '@app/metrics';
import type { DriftReportEntity } from '../alerts/drift-report.entity';
import { DriftService, DriftWindow } from './drift.service';

/** Key of the Postgres advisory lock that lets one replica run the drift job at a time. */
export const DRIFT_LOCK_KEY = 5_120_001;
const JOB_NAME = 'drift';
const GAUGE_REFRESH_MS = 30_000;

export type DriftRunOutcome =
  { ran: true; report: DriftReportEntity } | { ran: false; reason: 'locked' | 'already_done'; message: string };

/**
 * The scheduled drift job (thin: it calls DriftService.run). Registered with SchedulerRegistry
 * because its expression comes from validated config, not a decorator literal; waitForCompletion
 * keeps ticks from overlapping. A Postgres advisory lock makes one replica run each tick, and a
 * unique index on scheduled reports stops a second replica that takes the lock after the first
 * released it. Failures are counted; the last success time is exported.
 */
@Injectable()
export class DriftJob implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(DriftJob.name);
  private publisher: NodeJS.Timeout | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly drift: DriftService,
    private readonly scheduler: SchedulerRegistry,
    @InjectDataSource() private readonly db: DataSource,
    @InjectMetric(METRIC.driftJobRuns) private readonly runs: Counter<'result'>,
    @InjectMetric(METRIC.driftJobLastSuccess) private readonly lastSuccess: Gauge,
  ) {}

  onModuleInit(): void {
    // Every replica exports the latest report's gauges, not only the one that ran the job.
    this.publisher = setInterval(() => void this.drift.publishLatest().catch(() => undefined), GAUGE_REFRESH_MS);
    this.publisher.unref();
    if (!this.config.DRIFT_SCHEDULE_ENABLED) {
      return;
    }
    const job = CronJob.from({
      cronTime: this.config.DRIFT_CRON,
      onTick: async () => {
        await this.tick();
      },
      waitForCompletion: true,
      start: true,
    });
    this.scheduler.addCronJob(JOB_NAME, job);
  }

  onApplicationShutdown(): void {
    if (this.publisher) {
      clearInterval(this.publisher);
    }
    if (this.scheduler.doesExist('cron', JOB_NAME)) {
      this.scheduler.deleteCronJob(JOB_NAME);
    }
  }

  /** One scheduled tick: the window ends at the tick's minute, so every replica names the same window. */
  async tick(now = new Date()): Promise<DriftRunOutcome | null> {
    try {
      return await this.runExclusive('schedule', this.drift.defaultWindow(now));
    } catch (err) {
      this.logger.error({ event: 'drift_job_failed', error: (err as Error).message }, 'drift job failed');
      return null;
    }
  }

  /** Runs the drift job under the advisory lock; skips (and says so) when another run holds it. */
  async runExclusive(trigger: 'schedule' | 'manual', window: DriftWindow): Promise<DriftRunOutcome> {
    const outcome = await withAdvisoryLock(this.db, DRIFT_LOCK_KEY, async (): Promise<DriftRunOutcome> => {
      if (trigger === 'schedule' && (await this.alreadyDone(window))) {
        this.runs.inc({ result: 'skipped' });
        return { ran: false, reason: 'already_done', message: 'drift job skipped: this tick already has a report' };
      }
      try {
        const report = await this.drift.run(trigger, window);
        this.runs.inc({ result: 'success' });
        this.lastSuccess.set(Date.now() / 1000);
        return { ran: true, report };
      } catch (err) {
        this.runs.inc({ result: 'failure' });
        throw err;
      }
    });
    if (!outcome.locked) {
      this.runs.inc({ result: 'skipped' });
      const message = 'drift job skipped: another run holds the drift advisory lock';
      this.logger.log({ event: 'drift_skipped', reason: 'locked' }, message);
      return { ran: false, reason: 'locked', message };
    }
    return outcome.value;
  }

  private async alreadyDone(window: DriftWindow): Promise<boolean> {
    const rows = await this.db.query<unknown[]>(
      `SELECT 1 FROM ml_drift_reports WHERE trigger = 'schedule' AND window_end = $1 LIMIT 1`,
      [window.to.toISOString()],
    );
    return rows.length > 0;
  }
}
