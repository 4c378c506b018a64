export * from './dataset-file';
export * from './promotion';
export * from './synthetic-dataset';
export * from './train-pipeline';
