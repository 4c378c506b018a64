import { Controller, Get, HttpCode, Param, ParseIntPipe, Post, Query } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { AdminActor } from '../auth/admin-actor.decorator';
import { AdminOnly } from '../auth/admin-only.decorator';
import { AlertsQueryDto } from './alerts-query.dto';
import { AlertsService, AlertView } from './alerts.service';
import { DriftReportsStore, DriftSummary } from './drift-reports.store';

@Controller('api/ml/alerts')
export class AlertsController {
  constructor(
    private readonly alerts: AlertsService,
    private readonly reports: DriftReportsStore,
    private readonly audit: AuditService,
  ) {}

  /** Alerts newest first with filters and a cursor, plus the latest drift summary. */
  @Get()
  async list(
    @Query() q: AlertsQueryDto,
  ): Promise<{ drift: DriftSummary; alerts: AlertView[]; next_cursor: string | null }> {
    const [drift, page] = await Promise.all([
      this.reports.latestSummary(),
      this.alerts.list({
        type: q.type,
        severity: q.severity,
        status: q.status ?? 'open',
        since: q.since ? new Date(q.since) : undefined,
        limit: q.limit ?? 50,
        cursor: q.cursor,
      }),
    ]);
    return { drift, ...page };
  }

  @Post(':id/ack')
  @HttpCode(200)
  @AdminOnly()
  async ack(@Param('id', ParseIntPipe) id: number, @AdminActor() actor: string): Promise<AlertView> {
    const { before, after } = await this.alerts.acknowledge(id, actor);
    await this.audit.write({
      actor,
      action: 'alerts.ack',
      outcome: 'applied',
      before: { id, status: before.status },
      after: { id, status: after.status },
    });
    return after;
  }
}
