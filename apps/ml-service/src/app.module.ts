import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type pino from 'pino';
import { CommonModule } from '@app/common';
import { AppConfig, AppConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { MetricsModule } from '@app/metrics';
import { ScheduleModule } from '@nestjs/schedule';
import { AlertsModule } from './alerts/alerts.module';
import { AuditModule } from './audit/audit.module';
import { BaselineModule } from './baseline/baseline.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { DriftModule } from './drift/drift.module';
import { OutcomesModule } from './outcomes/outcomes.module';
import { HealthModule } from './health/health.module';
import { InferenceModule } from './inference/inference.module';
import { MonitoringModule } from './monitoring/monitoring.module';
import { PredictionLogModule } from './prediction-log/prediction-log.module';
import { ReadinessModule } from './rollout/readiness.module';
import { RolloutModule } from './rollout/rollout.module';
import { APP_LOGGER, createAppLogger, loggingParams } from './logging.config';

/** The service, built from a validated config (main.ts and the e2e tests both come through here). */
@Module({})
export class AppModule {
  static forConfig(config: AppConfig, logDestination?: pino.DestinationStream): DynamicModule {
    const logger = createAppLogger(config, logDestination);
    return {
      module: AppModule,
      providers: [{ provide: APP_LOGGER, useValue: logger }],
      imports: [
        AppConfigModule.forConfig(config),
        CommonModule,
        LoggerModule.forRoot(loggingParams(logger)),
        DatabaseModule,
        ScheduleModule.forRoot(),
        MetricsModule,
        AuditModule,
        RolloutModule,
        PredictionLogModule,
        MonitoringModule,
        InferenceModule,
        HealthModule,
        OutcomesModule,
        AlertsModule,
        BaselineModule,
        DriftModule,
        ReadinessModule,
        DashboardModule,
      ],
    };
  }
}
