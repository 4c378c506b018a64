import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { HealthIndicatorResult } from '@nestjs/terminus';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { Clock } from '@app/common';
import { METRIC } from '@app/metrics';
import { InferenceHealth } from '../inference/inference.health';
import { FallbackHealth } from '../monitoring/fallback.health';
import { DatabaseHealth } from './database.health';

type Severity = 'CRITICAL' | 'WARNING';

export interface HealthReport {
  status: 'ok' | 'error';
  severity: Severity | null;
  critical: string[];
  warnings: string[];
  info: Record<string, Record<string, unknown>>;
  error: Record<string, Record<string, unknown>>;
  details: Record<string, Record<string, unknown>>;
  checked_at: string;
}

/** ml_health_check_status is refreshed this often even when nobody calls /api/ml/health. */
const PUBLISH_INTERVAL_MS = 10_000;

/**
 * Runs the plan's indicators (model, inference, feature builder, cache, fallback, database) and
 * publishes them as ml_health_check_status on a timer, so the Prometheus alert on health sees the
 * current state without an HTTP caller.
 */
@Injectable()
export class HealthReportService implements OnModuleInit, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly inference: InferenceHealth,
    private readonly fallback: FallbackHealth,
    private readonly database: DatabaseHealth,
    @InjectMetric(METRIC.healthCheckStatus) private readonly statusGauge: Gauge<'check'>,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.report().catch(() => undefined), PUBLISH_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) {
      clearInterval(this.timer);
    }
  }

  async report(): Promise<HealthReport> {
    const results: HealthIndicatorResult[] = [
      this.inference.model(),
      this.inference.inferenceCircuit(),
      this.inference.featureBuilder(),
      this.inference.cacheTier(),
      this.fallback.check(),
      await this.database.ping(),
    ];
    const details = Object.assign({}, ...results) as Record<string, Record<string, unknown>>;
    const down = Object.entries(details).filter(([, d]) => d.status === 'down');
    const critical = down.filter(([, d]) => (d.severity as Severity) === 'CRITICAL').map(([k]) => k);
    const warnings = down.filter(([, d]) => (d.severity as Severity) === 'WARNING').map(([k]) => k);
    for (const [check, d] of Object.entries(details)) {
      this.statusGauge.set({ check }, d.status === 'up' ? 1 : 0);
    }
    this.statusGauge.set({ check: 'overall' }, critical.length === 0 ? 1 : 0);
    return {
      status: critical.length > 0 ? 'error' : 'ok',
      severity: critical.length > 0 ? 'CRITICAL' : warnings.length > 0 ? 'WARNING' : null,
      critical,
      warnings,
      info: Object.fromEntries(Object.entries(details).filter(([, d]) => d.status === 'up')),
      error: Object.fromEntries(down),
      details,
      checked_at: new Date(this.clock.now()).toISOString(),
    };
  }
}
