import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig, loadConfig } from './app-config';
import type { EnvDto } from './env.dto';

/**
 * The only global module. Reads process.env once; tests pass overrides instead of mutating the
 * environment, so several differently configured apps can boot in one jest process.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(overrides: Partial<Record<keyof EnvDto, unknown>> = {}): DynamicModule {
    return {
      module: AppConfigModule,
      providers: [{ provide: AppConfig, useFactory: () => loadConfig(process.env, overrides) }],
      exports: [AppConfig],
    };
  }

  static forConfig(config: AppConfig): DynamicModule {
    return { module: AppConfigModule, providers: [{ provide: AppConfig, useValue: config }], exports: [AppConfig] };
  }
}
