export * from './domain.exception';
export * from './http-exception.filter';
export * from './clock';
export * from './common.module';
