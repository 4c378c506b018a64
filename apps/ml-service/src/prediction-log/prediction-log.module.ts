import { Module } from '@nestjs/common';
import { MetricsModule } from '@app/metrics';
import { PredictionLogRepository } from './prediction-log.repository';
import { PredictionLogService } from './prediction-log.service';

@Module({
  imports: [MetricsModule],
  providers: [PredictionLogService, PredictionLogRepository],
  exports: [PredictionLogService],
})
export class PredictionLogModule {}
