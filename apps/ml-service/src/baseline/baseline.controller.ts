import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { DomainException, ErrorCode } from '@app/common';
import { AuditService } from '../audit/audit.service';
import { AdminActor } from '../auth/admin-actor.decorator';
import { AdminOnly } from '../auth/admin-only.decorator';
import { BaselineRequestDto } from './baseline-request.dto';
import type { BaselineEntity } from './baseline.entity';
import { BaselineService, BaselineSummary } from './baseline.service';

@Controller('api/ml')
export class BaselineController {
  constructor(
    private readonly baselines: BaselineService,
    private readonly audit: AuditService,
  ) {}

  /** Captures and activates a baseline → 201; too few samples → 422 with the count found and needed. */
  @Post('baseline')
  @AdminOnly()
  async create(@Body() body: BaselineRequestDto, @AdminActor() actor: string): Promise<BaselineSummary> {
    const before = await this.baselines.active();
    const created = await this.baselines.create(body);
    await this.audit.write({
      actor,
      action: 'baseline.create',
      outcome: 'applied',
      before: before ? { id: before.id } : null,
      after: created,
    });
    return created;
  }

  @Get('baseline')
  async active(): Promise<BaselineEntity> {
    const b = await this.baselines.active();
    if (!b) {
      throw new DomainException(ErrorCode.NOT_FOUND, 'no active baseline: POST /api/ml/baseline to establish one');
    }
    return b;
  }

  @Get('baselines')
  list(@Query('limit') limit?: string): Promise<BaselineSummary[]> {
    const n = limit && /^\d+$/.test(limit) ? Math.min(500, Math.max(1, Number(limit))) : 50;
    return this.baselines.list(n);
  }
}
