import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MetricsModule } from '@app/metrics';
import { ModelModule } from '../inference/model.module';
import { FallbackHealth } from './fallback.health';
import { FeatureHistogramRepository } from './feature-histogram.repository';
import { FeatureHistogramService } from './feature-histogram.service';
import { HistogramWindowRepository } from './histogram-window.repository';
import { ServingStatsService } from './serving-stats.service';

@Module({
  imports: [TerminusModule, MetricsModule, ModelModule],
  providers: [ServingStatsService, FeatureHistogramService, FeatureHistogramRepository, HistogramWindowRepository, FallbackHealth],
  exports: [ServingStatsService, FeatureHistogramService, HistogramWindowRepository, FallbackHealth],
})
export class MonitoringModule {}
