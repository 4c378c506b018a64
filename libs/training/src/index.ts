import type { LogisticRegressionModel } from './logistic-regression';
import type { RandomForestModel } from './random-forest';

export * from './dataset';
export * from './logistic-regression';
export * from './metrics';
export * from './model-card';
export * from './model-card.interface';
export * from './onnx-export';
export * from './random-forest';
export * from './seeded-random';

/** Either model the trainer produces. */
export type TrainedModel = RandomForestModel | LogisticRegressionModel;
