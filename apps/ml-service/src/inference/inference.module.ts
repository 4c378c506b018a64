import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MetricsModule } from '@app/metrics';
import { AuditModule } from '../audit/audit.module';
import { MonitoringModule } from '../monitoring/monitoring.module';
import { PredictionLogModule } from '../prediction-log/prediction-log.module';
import { RolloutModule } from '../rollout/rollout.module';
import { ConfidenceController } from './confidence.controller';
import { InferenceHealth } from './inference.health';
import { InferenceService } from './inference.service';
import { ModelModule } from './model.module';
import { ModelsController } from './models.controller';
import { ScoreCache } from './score-cache.service';

@Module({
  imports: [
    TerminusModule,
    MetricsModule,
    ModelModule,
    MonitoringModule,
    PredictionLogModule,
    RolloutModule,
    AuditModule,
  ],
  controllers: [ConfidenceController, ModelsController],
  providers: [InferenceService, ScoreCache, InferenceHealth],
  exports: [InferenceHealth, InferenceService],
})
export class InferenceModule {}
