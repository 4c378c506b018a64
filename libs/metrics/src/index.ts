export * from './log-histogram';
export * from './metric-names.constants';
export * from './metrics.module';
export * from './metrics.providers';
