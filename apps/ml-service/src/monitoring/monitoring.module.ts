import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MetricsModule } from '@app/metrics';
import { ModelModule } from '../inference/model.module';
import { FallbackHealth } from './fallback.health';
import { FeatureHistogramRepository } from './feature-histogram.repository';
import { FeatureHistogramService } from './feature-histogram.service';
import { HistogramWindowRepository } from './histogram-window.repository';
import { MetricSnapshotService } from './metric-snapshot.service';
import { MetricsHistoryService } from './metrics-history.service';
import { MetricsController } from './metrics.controller';
import { RetentionJob } from './retention.job';
import { ServingStatsService } from './serving-stats.service';

@Module({
  imports: [TerminusModule, MetricsModule, ModelModule],
  controllers: [MetricsController],
  providers: [
    RetentionJob,
    MetricSnapshotService,
    MetricsHistoryService,
    ServingStatsService,
    FeatureHistogramService,
    FeatureHistogramRepository,
    HistogramWindowRepository,
    FallbackHealth,
  ],
  exports: [
    RetentionJob,
    MetricSnapshotService,
    MetricsHistoryService,
    ServingStatsService,
    FeatureHistogramService,
    HistogramWindowRepository,
    FallbackHealth,
  ],
})
export class MonitoringModule {}
