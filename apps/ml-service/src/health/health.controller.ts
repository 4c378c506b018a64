import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { InferenceHealth } from '../inference/inference.health';
import { DatabaseHealth } from './database.health';
import { HealthReport, HealthReportService } from './health-report.service';

/**
 * /api/ml/health (the plan's indicators with severities; only a CRITICAL one down answers 503) and
 * the Kubernetes probes /health/live and /health/ready.
 */
@Controller()
export class HealthController {
  constructor(
    private readonly terminus: HealthCheckService,
    private readonly reports: HealthReportService,
    private readonly inference: InferenceHealth,
    private readonly database: DatabaseHealth,
  ) {}

  @Get('api/ml/health')
  async health(): Promise<HealthReport> {
    const report = await this.reports.report();
    if (report.critical.length > 0) {
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
