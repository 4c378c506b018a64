export * from './database.module';
export * from './database.options';
export * from './embedded-postgres';
export * from './advisory-lock.util';
export * from './serial-query.util';
