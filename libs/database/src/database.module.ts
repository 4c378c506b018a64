import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '@app/config';
import { databaseOptions } from './database.options';

/**
 * TypeORM on the configured Postgres. main.ts resolves DATABASE_URL first (starting embedded PGlite
 * when unset), so by the time this factory runs there is always a URL. Migrations run before the
 * app finishes booting, hence before readiness can pass.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        if (!config.DATABASE_URL) {
          throw new Error('DATABASE_URL is not resolved: start the embedded database before the app');
        }
        return {
          ...databaseOptions(config.DATABASE_URL, config.DATABASE_POOL_SIZE),
          autoLoadEntities: true,
          migrationsRun: true,
          retryAttempts: 5,
          retryDelay: 2000,
        };
      },
    }),
  ],
})
export class DatabaseModule {}
