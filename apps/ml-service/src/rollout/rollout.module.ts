import { Module } from '@nestjs/common';
import { MetricsModule } from '@app/metrics';
import { RolloutService } from './rollout.service';

@Module({
  imports: [MetricsModule],
  providers: [RolloutService],
  exports: [RolloutService],
})
export class RolloutModule {}
