import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { OutcomesRequestDto } from './outcome.dto';
import { OutcomesService } from './outcomes.service';

@Controller('api/ml/outcomes')
export class OutcomesController {
  constructor(private readonly outcomes: OutcomesService) {}

  /** 202: stored (idempotent per pattern_id); unknown ids are accepted and counted. */
  @Post()
  @HttpCode(202)
  record(@Body() body: OutcomesRequestDto): Promise<{ accepted: number; matched: number; unknown: number }> {
    return this.outcomes.record(body.outcomes);
  }
}
