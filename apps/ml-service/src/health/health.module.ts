import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MetricsModule } from '@app/metrics';
import { InferenceModule } from '../inference/inference.module';
import { MonitoringModule } from '../monitoring/monitoring.module';
import { DatabaseHealth } from './database.health';
import { HealthReportService } from './health-report.service';
import { HealthController } from './health.controller';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json' }), MetricsModule, InferenceModule, MonitoringModule],
  controllers: [HealthController],
  providers: [DatabaseHealth, HealthReportService],
})
export class HealthModule {}
