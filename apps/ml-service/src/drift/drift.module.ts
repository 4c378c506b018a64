import { Module } from '@nestjs/common';
import { MetricsModule } from '@app/metrics';
import { AlertsModule } from '../alerts/alerts.module';
import { AuditModule } from '../audit/audit.module';
import { BaselineModule } from '../baseline/baseline.module';
import { MonitoringModule } from '../monitoring/monitoring.module';
import { OutcomesModule } from '../outcomes/outcomes.module';
import { DriftController } from './drift.controller';
import { DriftJob } from './drift.job';
import { DriftService } from './drift.service';

@Module({
  imports: [MetricsModule, AlertsModule, AuditModule, BaselineModule, MonitoringModule, OutcomesModule],
  controllers: [DriftController],
  providers: [DriftService, DriftJob],
  exports: [DriftService, DriftJob],
})
export class DriftModule {}
