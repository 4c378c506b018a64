import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { BaselineModule } from '../baseline/baseline.module';
import { ModelModule } from '../inference/model.module';
import { MonitoringModule } from '../monitoring/monitoring.module';
import { ReadinessController } from './readiness.controller';
import { ReadinessService } from './readiness.service';

@Module({
  imports: [AlertsModule, BaselineModule, ModelModule, MonitoringModule],
  controllers: [ReadinessController],
  providers: [ReadinessService],
})
export class ReadinessModule {}
