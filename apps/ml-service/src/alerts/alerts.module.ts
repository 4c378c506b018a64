import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { AlertEntity } from './alert.entity';
import { AlertsController } from './alerts.controller';
import { AlertsService } from './alerts.service';
import { DriftReportEntity } from './drift-report.entity';
import { DriftReportsStore } from './drift-reports.store';

/** Findings in Postgres: alerts (deduplicated by fingerprint) and the drift reports they come from. */
@Module({
  imports: [TypeOrmModule.forFeature([AlertEntity, DriftReportEntity]), AuditModule],
  controllers: [AlertsController],
  providers: [AlertsService, DriftReportsStore],
  exports: [AlertsService, DriftReportsStore],
})
export class AlertsModule {}
