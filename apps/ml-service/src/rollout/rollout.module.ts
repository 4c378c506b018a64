import { Module } from '@nestjs/common';
import { MetricsModule } from '@app/metrics';
import { AuditModule } from '../audit/audit.module';
import { RolloutController } from './rollout.controller';
import { RolloutService } from './rollout.service';

@Module({
  imports: [MetricsModule, AuditModule],
  controllers: [RolloutController],
  providers: [RolloutService],
  exports: [RolloutService],
})
export class RolloutModule {}
