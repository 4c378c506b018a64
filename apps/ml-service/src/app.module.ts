import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type pino from 'pino';
import { AppConfig, AppConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { MetricsModule } from '@app/metrics';
import { AuditModule } from './audit/audit.module';
import { HealthModule } from './health/health.module';
import { InferenceModule } from './inference/inference.module';
import { MonitoringModule } from './monitoring/monitoring.module';
import { PredictionLogModule } from './prediction-log/prediction-log.module';
import { RolloutModule } from './rollout/rollout.module';
import { loggingParams } from './logging.config';

/** The service, built from a validated config (main.ts and the e2e tests both come through here). */
@Module({})
export class AppModule {
  static forConfig(config: AppConfig, logDestination?: pino.DestinationStream): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forConfig(config),
        LoggerModule.forRoot(loggingParams(config, logDestination)),
        DatabaseModule,
        MetricsModule,
        AuditModule,
        RolloutModule,
        PredictionLogModule,
        MonitoringModule,
        InferenceModule,
        HealthModule,
      ],
    };
  }
}
