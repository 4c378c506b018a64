import { Body, Controller, Get, Put } from '@nestjs/common';
import { DomainException, ErrorCode } from '@app/common';
import { AdminActor } from '../auth/admin-actor.decorator';
import { AdminOnly } from '../auth/admin-only.decorator';
import { RolloutUpdateDto } from './rollout-update.dto';
import { RolloutService, RolloutView } from './rollout.service';

@Controller('api/ml/rollout')
export class RolloutController {
  constructor(private readonly rollout: RolloutService) {}

  @Get()
  get(): RolloutView {
    return this.rollout.current();
  }

  /** Kill switch and canary percent: persisted, audited, applied by every replica within seconds. */
  @Put()
  @AdminOnly()
  async put(@Body() body: RolloutUpdateDto, @AdminActor() actor: string): Promise<RolloutView> {
    if (body.enabled === undefined && body.percent === undefined) {
      throw new DomainException(ErrorCode.VALIDATION_FAILED, ['give enabled (boolean) and/or percent (0..100)']);
    }
    return this.rollout.update(body, actor);
  }
}
