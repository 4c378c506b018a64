import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { METRIC_THRESHOLDS, ThresholdedMetric } from '@app/config';
import { addSnapshot, SnapshotCounters } from './metric-snapshot.codec';
import { WindowCounts, windowMetrics, WindowMetrics } from './serving-window';

export type MetricStatus = 'ok' | 'warning' | 'alert' | 'unknown';

/** ok within target, warning past target, alert past the alert threshold; unknown without data. */
export function statusOf(metric: ThresholdedMetric, value: number | null): MetricStatus {
  if (value === null) {
    return 'unknown';
  }
  const t = METRIC_THRESHOLDS[metric];
  if (t.direction === 'lower') {
    return value > t.alert ? 'alert' : value > t.target ? 'warning' : 'ok';
  }
  return value < t.alert ? 'alert' : value < t.target ? 'warning' : 'ok';
}

export function statusesOf(m: WindowMetrics): Record<ThresholdedMetric, MetricStatus> {
  return {
    inference_latency_p95: statusOf('inference_latency_p95', m.inference_latency_p95),
    cache_hit_rate: statusOf('cache_hit_rate', m.cache_hit_rate),
    fallback_rate: statusOf('fallback_rate', m.fallback_rate),
    error_rate: statusOf('error_rate', m.error_rate),
  };
}

/** Per-minute history from ml_metric_snapshots, all instances merged per minute. */
@Injectable()
export class MetricsHistoryService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async history(minutes: number): Promise<Array<WindowMetrics & { timestamp: string; instances: number }>> {
    const rows = await this.db.query<Array<{ minute: Date; counters: SnapshotCounters[] }>>(
      `SELECT minute, array_agg(counters) AS counters FROM ml_metric_snapshots
       WHERE minute >= date_trunc('minute', now()) - make_interval(mins => $1)
       GROUP BY minute ORDER BY minute DESC LIMIT $1`,
      [minutes],
    );
    return rows.reverse().map((r) => {
      const merged = r.counters.reduce((acc, c) => addSnapshot(acc, c), new WindowCounts());
      return { timestamp: new Date(r.minute).toISOString(), instances: r.counters.length, ...windowMetrics(merged) };
    });
  }

  /** Merged counts of every snapshot in [from, to) (drift's invalid-request rate, readiness criteria). */
  async totals(from: Date, to: Date): Promise<{ counts: WindowCounts; minutes: number; first: Date | null }> {
    const rows = await this.db.query<Array<{ minute: Date; counters: SnapshotCounters }>>(
      `SELECT minute, counters FROM ml_metric_snapshots WHERE minute >= $1 AND minute < $2 ORDER BY minute`,
      [from.toISOString(), to.toISOString()],
    );
    const counts = rows.reduce((acc, r) => addSnapshot(acc, r.counters), new WindowCounts());
    return {
      counts,
      minutes: new Set(rows.map((r) => new Date(r.minute).getTime())).size,
      first: rows[0]?.minute ?? null,
    };
  }

  /** Per-minute merged metrics in [from, to), for criteria that must hold over a period. */
  async perMinute(from: Date, to: Date): Promise<Array<{ minute: Date; metrics: WindowMetrics }>> {
    const rows = await this.db.query<Array<{ minute: Date; counters: SnapshotCounters[] }>>(
      `SELECT minute, array_agg(counters) AS counters FROM ml_metric_snapshots
       WHERE minute >= $1 AND minute < $2 GROUP BY minute ORDER BY minute`,
      [from.toISOString(), to.toISOString()],
    );
    return rows.map((r) => ({
      minute: new Date(r.minute),
      metrics: windowMetrics(r.counters.reduce((acc, c) => addSnapshot(acc, c), new WindowCounts())),
    }));
  }
}
