import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Post, Query } from '@nestjs/common';
import { DomainException, ErrorCode } from '@app/common';
import type { DriftReportEntity } from '../alerts/drift-report.entity';
import { DriftReportsStore } from '../alerts/drift-reports.store';
import { AuditService } from '../audit/audit.service';
import { AdminActor } from '../auth/admin-actor.decorator';
import { AdminOnly } from '../auth/admin-only.decorator';
import { DriftRunDto } from './drift-run.dto';
import { DriftJob } from './drift.job';
import { DriftService } from './drift.service';

const MINUTE = 60_000;

@Controller('api/ml/drift')
export class DriftController {
  constructor(
    private readonly job: DriftJob,
    private readonly drift: DriftService,
    private readonly reports: DriftReportsStore,
    private readonly audit: AuditService,
  ) {}

  /** Runs the drift job now (after flushing this instance's histograms) and returns its report. */
  @Post('run')
  @HttpCode(200)
  @AdminOnly()
  async run(@Body() body: DriftRunDto, @AdminActor() actor: string): Promise<DriftReportEntity> {
    const window = this.drift.defaultWindow();
    if (body.from || body.to) {
      const to = body.to ? new Date(body.to) : window.to;
      const from = body.from
        ? new Date(body.from)
        : new Date(to.getTime() - (window.to.getTime() - window.from.getTime()));
      const problems: string[] = [];
      if (from.getTime() % MINUTE !== 0) {
        problems.push('from must be minute-aligned');
      }
      if (to.getTime() % MINUTE !== 0) {
        problems.push('to must be minute-aligned');
      }
      if (!(from < to)) {
        problems.push('from must be before to');
      }
      if (problems.length > 0) {
        throw new DomainException(ErrorCode.VALIDATION_FAILED, problems);
      }
      window.from = from;
      window.to = to;
    }
    const outcome = await this.job.runExclusive('manual', window);
    await this.audit.write({
      actor,
      action: 'drift.run',
      outcome: outcome.ran ? 'applied' : 'refused',
      after: outcome.ran ? { report_id: outcome.report.id, status: outcome.report.status } : { reason: outcome.reason },
    });
    if (!outcome.ran) {
      throw new DomainException(ErrorCode.CONFLICT, outcome.message, { reason: outcome.reason });
    }
    return outcome.report;
  }

  @Get('reports')
  reportsList(@Query('limit') limit?: string): Promise<DriftReportEntity[]> {
    const n = limit && /^\d+$/.test(limit) ? Math.min(200, Math.max(1, Number(limit))) : 20;
    return this.reports.list(n);
  }

  @Get('reports/:id')
  async report(@Param('id', ParseIntPipe) id: number): Promise<DriftReportEntity> {
    const r = await this.reports.get(id);
    if (!r) {
      throw new DomainException(ErrorCode.NOT_FOUND, `drift report ${id} not found`);
    }
    return r;
  }
}
