import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { ModelModule } from '../inference/model.module';
import { MonitoringModule } from '../monitoring/monitoring.module';
import { OutcomesModule } from '../outcomes/outcomes.module';
import { BaselineController } from './baseline.controller';
import { BaselineEntity } from './baseline.entity';
import { BaselineService } from './baseline.service';

@Module({
  imports: [TypeOrmModule.forFeature([BaselineEntity]), AuditModule, ModelModule, MonitoringModule, OutcomesModule],
  controllers: [BaselineController],
  providers: [BaselineService],
  exports: [BaselineService],
})
export class BaselineModule {}
