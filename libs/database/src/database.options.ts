import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '@app/migrations';

/** Connection options shared by the service (through @nestjs/typeorm) and the CLI data source. */
export function databaseOptions(url: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    synchronize: false,
    migrations: MIGRATIONS,
    migrationsTableName: 'ml_migrations',
    extra: { max: poolSize, connectionTimeoutMillis: 3000, statement_timeout: 30000 },
  };
}
