import { DataSource } from 'typeorm';
import { loadConfig } from '@app/config';
import { databaseOptions } from './database.options';

/** Standalone data source for `npm run migration:*` (needs DATABASE_URL). */
const config = loadConfig(process.env);
if (!config.DATABASE_URL) {
  throw new Error('DATABASE_URL must be set for migration commands');
}
export default new DataSource(databaseOptions(config.DATABASE_URL));
