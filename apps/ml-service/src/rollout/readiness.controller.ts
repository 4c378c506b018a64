import { Controller, Get } from '@nestjs/common';
import { ReadinessService } from './readiness.service';

@Controller('api/ml/rollout')
export class ReadinessController {
  constructor(private readonly readiness: ReadinessService) {}

  /** The plan's pre-enablement checklist and success criteria, pass | fail | unknown with evidence. */
  @Get('readiness')
  readinessReport() {
    return this.readiness.evaluate();
  }
}
