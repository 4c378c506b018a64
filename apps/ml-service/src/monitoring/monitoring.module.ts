import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MetricsModule } from '@app/metrics';
import { ModelModule } from '../inference/model.module';
import { FallbackHealth } from './fallback.health';
import { FeatureHistogramRepository } from './feature-histogram.repository';
import { FeatureHistogramService } from './feature-histogram.service';
import { ServingStatsService } from './serving-stats.service';

@Module({
  imports: [TerminusModule, MetricsModule, ModelModule],
  providers: [ServingStatsService, FeatureHistogramService, FeatureHistogramRepository, FallbackHealth],
  exports: [ServingStatsService, FeatureHistogramService, FallbackHealth],
})
export class MonitoringModule {}
