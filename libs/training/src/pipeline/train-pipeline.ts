import { performance } from 'node:perf_hooks';
import { createDatasetFromMatrix, Dataset, splitDataset } from '../dataset';
import { LogisticRegressionOptions, trainLogisticRegression } from '../logistic-regression';
import { BinaryMetrics, evaluateBinary } from '../metrics';
import { buildModelCard, sha256Hex } from '../model-card';
import type { ModelCard, ModelType } from '../model-card.interface';
import { exportModelToOnnx } from '../onnx-export';
import { RandomForestOptions, trainRandomForest } from '../random-forest';
import type { TrainedModel } from '../index';
import type { RawRows } from './synthetic-dataset';

export const LABEL_DEFINITION =
  'outcome = 1 when the price reaches target_price before stop_price within the horizon after detection';

/** Fewest usable rows (after non-finite rows are dropped) the pipeline trains on. */
export const MIN_TRAINING_ROWS = 200;

/** Data the pipeline cannot train or evaluate on (too few rows, a split without both classes). */
export class TrainingDataError extends Error {}

export interface TrainPipelineOptions {
  models: ModelType[];
  seed: number;
  holdoutFraction: number;
  randomForest?: RandomForestOptions;
  logisticRegression?: LogisticRegressionOptions;
  /** Progress of a stage, e.g. ('random_forest', trees done, trees total). */
  onProgress?: (stage: string, done: number, total: number) => void;
}

/** One trained, exported and carded model. */
export interface Candidate {
  modelType: ModelType;
  model: TrainedModel;
  onnx: Uint8Array;
  card: ModelCard;
  metrics: BinaryMetrics;
  trainSeconds: number;
}

export interface TrainingRun {
  train: Dataset;
  holdout: Dataset;
  droppedNonFinite: number;
  rule: BinaryMetrics;
  candidates: Candidate[];
}

/** Deterministic version: model family, seed and the first bytes of the ONNX hash. */
function modelVersion(type: ModelType, seed: number, onnx: Uint8Array): string {
  return `v1-${type === 'random_forest' ? 'rf' : 'lr'}-s${seed}-${sha256Hex(onnx).slice(0, 8)}`;
}

/**
 * Drops non-finite rows, splits train/holdout, trains each requested model, evaluates it on the
 * holdout next to rule_confidence alone, exports ONNX and builds its card.
 */
export function trainCandidates(raw: RawRows, options: TrainPipelineOptions): TrainingRun {
  const { dataset, droppedNonFinite } = createDatasetFromMatrix(raw.X, raw.y, raw.n, 52);
  if (dataset.n < MIN_TRAINING_ROWS) {
    throw new TrainingDataError(
      `${raw.source}: ${dataset.n} usable rows (${droppedNonFinite} dropped as non-finite), need at least ${MIN_TRAINING_ROWS}`,
    );
  }
  const { train, holdout } = splitDataset(dataset, { holdoutFraction: options.holdoutFraction, seed: options.seed });
  // A split without both classes gives a NaN AUC and a model that cannot be compared: refuse it up front.
  for (const [name, part] of [
    ['training', train],
    ['holdout', holdout],
  ] as const) {
    const positives = part.y.reduce((sum, v) => sum + v, 0);
    if (positives === 0 || positives === part.n) {
      throw new TrainingDataError(
        `${raw.source}: the ${name} split (${part.n} rows) has only label ${positives === 0 ? 0 : 1}; both classes are needed`,
      );
    }
  }
  const rule = evaluateBinary(holdout.y, holdout.ruleConfidence);
  const candidates = options.models.map((modelType): Candidate => {
    const started = performance.now();
    const model: TrainedModel =
      modelType === 'random_forest'
        ? trainRandomForest(train, {
            seed: options.seed,
            ...options.randomForest,
            onTreeDone: (done, total) => options.onProgress?.('random_forest', done, total),
          })
        : trainLogisticRegression(train, options.logisticRegression);
    if (modelType === 'logistic_regression') {
      options.onProgress?.('logistic_regression', 1, 1);
    }
    const trainSeconds = (performance.now() - started) / 1000;
    const probabilities = model.predictProba(holdout.X, holdout.n);
    const onnx = exportModelToOnnx(model, { metadata: { feature_schema_version: 'v1' } });
    const card = buildModelCard({
      modelVersion: modelVersion(modelType, options.seed, onnx),
      model,
      onnxBytes: onnx,
      training: {
        dataset: raw.source,
        labelDefinition: LABEL_DEFINITION,
        seed: options.seed,
        holdoutFraction: options.holdoutFraction,
        droppedNonFiniteRows: droppedNonFinite,
      },
      trainingFeatures: { X: train.X, n: train.n, d: train.d },
      holdout: { y: holdout.y, probabilities, ruleConfidence: holdout.ruleConfidence },
    });
    return { modelType, model, onnx, card, metrics: evaluateBinary(holdout.y, probabilities), trainSeconds };
  });
  return { train, holdout, droppedNonFinite, rule, candidates };
}

/** Better = higher holdout AUC; Brier breaks a tie. */
export function isBetter(a: BinaryMetrics, b: BinaryMetrics): boolean {
  return a.auc > b.auc || (a.auc === b.auc && a.brier < b.brier);
}

/** The best candidate of a run. */
export function bestCandidate(run: TrainingRun): Candidate {
  return run.candidates.reduce((best, c) => (isBetter(c.metrics, best.metrics) ? c : best));
}
