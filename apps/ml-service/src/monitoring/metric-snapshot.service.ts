import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '@app/config';
import { addSnapshot, encodeCounts, SnapshotCounters } from './metric-snapshot.codec';
import { ServingStatsService } from './serving-stats.service';
import { WindowCounts, windowMetrics } from './serving-window';

interface PendingSnapshot {
  minute: Date;
  counters: SnapshotCounters;
}

/** A day of minutes is kept while the database is unreachable. */
const MAX_PENDING = 1440;

/**
 * Once a minute, this instance's counts since the previous snapshot go to ml_metric_snapshots
 * (one row per instance per minute). The history of /api/ml/metrics and the readiness criteria
 * read them; rows of several instances add up.
 */
@Injectable()
export class MetricSnapshotService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(MetricSnapshotService.name);
  private timer: NodeJS.Timeout | null = null;
  private pending: PendingSnapshot[] = [];
  /** This instance's counts of the minute last snapshotted, to merge a repeated snapshot of it. */
  private readonly recent = new Map<number, WindowCounts>();

  constructor(
    private readonly config: AppConfig,
    private readonly stats: ServingStatsService,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  onModuleInit(): void {
    const untilNextMinute = 60_000 - (Date.now() % 60_000);
    this.timer = setTimeout(() => {
      void this.snapshot();
      this.timer = setInterval(() => void this.snapshot(), 60_000);
      this.timer.unref();
    }, untilNextMinute);
    this.timer.unref();
  }

  /** Takes the counts gathered since the last snapshot and writes them (with any still pending). */
  async snapshot(at = new Date()): Promise<void> {
    const counts = this.stats.takeMinute();
    if (counts.requests > 0 || counts.invalidRequests > 0) {
      // The counts belong to the minute that just ended.
      const minute = new Date(Math.floor((at.getTime() - 1) / 60_000) * 60_000);
      // A second snapshot in the same minute (shutdown, a test, a drift run) adds to the row, never replaces it.
      const earlier = this.recent.get(minute.getTime());
      const merged = earlier ? counts.add(earlier) : counts;
      this.recent.clear();
      this.recent.set(minute.getTime(), merged);
      this.pending = this.pending.filter((p) => p.minute.getTime() !== minute.getTime());
      this.pending.push({ minute, counters: encodeCounts(merged) });
      if (this.pending.length > MAX_PENDING) {
        this.pending.splice(0, this.pending.length - MAX_PENDING);
      }
    }
    await this.write();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      clearInterval(this.timer);
    }
    await this.snapshot();
  }

  private async write(): Promise<void> {
    while (this.pending.length > 0) {
      const s = this.pending[0];
      try {
        await this.db.query(
          `INSERT INTO ml_metric_snapshots (instance_id, minute, request_count, metrics, counters)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (instance_id, minute) DO UPDATE SET request_count = EXCLUDED.request_count,
             metrics = EXCLUDED.metrics, counters = EXCLUDED.counters`,
          [
            this.config.INSTANCE_ID,
            s.minute.toISOString(),
            s.counters.requests,
            JSON.stringify(windowMetrics(addSnapshot(new WindowCounts(), s.counters))),
            JSON.stringify(s.counters),
          ],
        );
      } catch (err) {
        this.logger.warn(
          { event: 'metric_snapshot_failed', error: (err as Error).message },
          'metric snapshot not written',
        );
        return;
      }
      this.pending.shift();
    }
  }
}
