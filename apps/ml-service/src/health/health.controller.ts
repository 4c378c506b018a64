import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorResult } from '@nestjs/terminus';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { METRIC } from '@app/metrics';
import { InferenceHealth } from '../inference/inference.health';
import { FallbackHealth } from '../monitoring/fallback.health';
import { DatabaseHealth } from './database.health';

type Severity = 'CRITICAL' | 'WARNING';

/**
 * /api/ml/health (the plan's indicators with severities; only a CRITICAL one down answers 503) and
 * the Kubernetes probes /health/live and /health/ready.
 */
@Controller()
export class HealthController {
  constructor(
    private readonly terminus: HealthCheckService,
    private readonly inference: InferenceHealth,
    private readonly fallback: FallbackHealth,
    private readonly database: DatabaseHealth,
    @InjectMetric(METRIC.healthCheckStatus) private readonly statusGauge: Gauge<'check'>,
  ) {}

  @Get('api/ml/health')
  async health(): Promise<Record<string, unknown>> {
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
    const report = {
      status: critical.length > 0 ? 'error' : 'ok',
      severity: critical.length > 0 ? 'CRITICAL' : warnings.length > 0 ? 'WARNING' : null,
      critical,
      warnings,
      info: Object.fromEntries(Object.entries(details).filter(([, d]) => d.status === 'up')),
      error: Object.fromEntries(down),
      details,
      checked_at: new Date().toISOString(),
    };
    if (critical.length > 0) {
      throw new ServiceUnavailableException(report);
    }
    return report;
  }

  /** The process and its event loop answer; no dependency is consulted. */
  @Get('health/live')
  live(): { status: string; uptime_seconds: number } {
    return { status: 'ok', uptime_seconds: Math.round(process.uptime()) };
  }

  /** Migrations applied, database reachable, startup warm-up done; otherwise 503. */
  @Get('health/ready')
  @HealthCheck()
  ready() {
    return this.terminus.check([
      () => this.database.migrations(),
      () => this.database.ping(),
      () => this.inference.warmup(),
    ]);
  }
}
