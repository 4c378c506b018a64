import { createHash } from 'node:crypto';

import { computeFineEdges, countsLength, equalWidthEdges, summarizeFeature } from '@app/features/binning';
import { FEATURE_NAMES, FEATURE_SCHEMA_VERSION } from '@app/features/feature-schema.constants';

import type { LogisticRegressionModel } from './logistic-regression';
import { evaluateBinary, type BinaryMetrics } from './metrics';
import {
  MODEL_TYPES,
  type FeatureStatistics,
  type ModelCard,
  type ModelOutputSpec,
  type PredictionStatistics,
} from './model-card.interface';
import { ONNX_INPUT_NAME, ONNX_POSITIVE_CLASS_INDEX, ONNX_PROBABILITIES_OUTPUT } from './onnx-export';
import type { RandomForestModel } from './random-forest';

/** Fine bins per feature in `feature_statistics` (about; fewer for discrete features). */
export const FEATURE_STATISTICS_BINS = 100;
/** Equal-width bins over [0, 1] in `prediction_statistics`. */
export const PREDICTION_STATISTICS_BINS = 20;

export interface BuildModelCardInput {
  modelVersion: string;
  model: RandomForestModel | LogisticRegressionModel;
  /** The exported model.onnx bytes, hashed into `sha256`. */
  onnxBytes: Uint8Array;
  /** Defaults to now. */
  createdAt?: Date;
  training: {
    dataset: string;
    labelDefinition: string;
    seed: number;
    holdoutFraction?: number;
    droppedNonFiniteRows?: number;
  };
  /** Training rows (row-major n × d) the model was fitted on: `rows` and `feature_statistics` come from them. */
  trainingFeatures: { X: ArrayLike<number>; n: number; d: number };
  /** Holdout labels, the model's P(y = 1) and the rule confidence, aligned by row. */
  holdout: { y: ArrayLike<number>; probabilities: ArrayLike<number>; ruleConfidence: ArrayLike<number> };
  featureNames?: readonly string[];
  featureSchemaVersion?: string;
}

/** Assembles `model_card.json` (DESIGN §6) from a trained model, its ONNX bytes, training rows and holdout. */
export function buildModelCard(input: BuildModelCardInput): ModelCard {
  const featureNames = [...(input.featureNames ?? FEATURE_NAMES)];
  const { model, holdout, trainingFeatures } = input;
  if (model.nFeatures !== featureNames.length || trainingFeatures.d !== featureNames.length) {
    throw new RangeError(
      `model has ${model.nFeatures} features, training rows ${trainingFeatures.d}, schema ${featureNames.length}`,
    );
  }
  const metrics = evaluateBinary(holdout.y, holdout.probabilities);
  const rule = evaluateBinary(holdout.y, holdout.ruleConfidence);
  assertFinite('model', metrics);
  assertFinite('rule_confidence', rule);

  const params: Record<string, number | string | boolean | null> = { ...model.params };
  if (model.modelType === 'logistic_regression') {
    params.iterations = model.fit.iterations;
    params.converged = model.fit.converged;
  }
  const training: ModelCard['training'] = {
    dataset: input.training.dataset,
    rows: trainingFeatures.n,
    label_definition: input.training.labelDefinition,
    seed: input.training.seed,
    params,
  };
  if (input.training.holdoutFraction !== undefined) {
    training.holdout_fraction = input.training.holdoutFraction;
  }
  if (input.training.droppedNonFiniteRows !== undefined) {
    training.dropped_non_finite_rows = input.training.droppedNonFiniteRows;
  }

  return {
    model_version: input.modelVersion,
    model_type: model.modelType,
    created_at: (input.createdAt ?? new Date()).toISOString(),
    feature_schema_version: input.featureSchemaVersion ?? FEATURE_SCHEMA_VERSION,
    feature_names: featureNames,
    input_name: ONNX_INPUT_NAME,
    output: {
      kind: 'probability_tensor',
      name: ONNX_PROBABILITIES_OUTPUT,
      positive_class_index: ONNX_POSITIVE_CLASS_INDEX,
    },
    sha256: sha256Hex(input.onnxBytes),
    training,
    metrics: { ...metrics, holdout_rows: holdout.y.length },
    comparison: { rule_confidence: rule, auc_lift: metrics.auc - rule.auc },
    feature_statistics: computeFeatureStatistics(trainingFeatures, featureNames),
    prediction_statistics: computePredictionStatistics(holdout.probabilities),
  };
}

/** Per feature: fine quantile edges from these rows and the rows' counts and moments in them. */
export function computeFeatureStatistics(
  matrix: { X: ArrayLike<number>; n: number; d: number },
  featureNames: readonly string[],
  maxBins = FEATURE_STATISTICS_BINS,
): Record<string, FeatureStatistics> {
  const { X, n, d } = matrix;
  if (featureNames.length !== d) {
    throw new RangeError(`${featureNames.length} feature names for ${d} columns`);
  }
  const column = new Float64Array(n);
  const stats: Record<string, FeatureStatistics> = {};
  featureNames.forEach((name, f) => {
    for (let i = 0; i < n; i++) {
      column[i] = X[i * d + f];
    }
    stats[name] = summarizeFeature(column, computeFineEdges(column, maxBins));
  });
  return stats;
}

/**
 * Histogram of probabilities on equal-width edges over [0, 1] (same counts layout as the features), binned as
 * float32 values: what the ONNX output gives the service, so serving counts the same way.
 */
export function computePredictionStatistics(
  probabilities: ArrayLike<number>,
  nBins = PREDICTION_STATISTICS_BINS,
): PredictionStatistics {
  return summarizeFeature(Float32Array.from(probabilities), equalWidthEdges(0, 1, nBins));
}

/** Lower-case hex SHA-256. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The card as written to disk: two-space JSON and a final newline. */
export function serializeModelCard(card: ModelCard): string {
  return `${JSON.stringify(card, null, 2)}\n`;
}

/** Thrown by {@link parseModelCard}; `problems` lists every violation found. */
export class ModelCardValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid model card: ${problems.join('; ')}`);
    this.name = 'ModelCardValidationError';
  }
}

/**
 * Checks a parsed `model_card.json` (the fields the service relies on: identity, schema, input/output,
 * sha256, feature and prediction statistics consistent with the binning layout) and returns it typed.
 */
export function parseModelCard(value: unknown): ModelCard {
  const problems: string[] = [];
  if (!isRecord(value)) {
    throw new ModelCardValidationError(['card is not a JSON object']);
  }
  for (const key of ['model_version', 'created_at', 'feature_schema_version', 'input_name'] as const) {
    if (typeof value[key] !== 'string' || value[key] === '') {
      problems.push(`${key} must be a non-empty string`);
    }
  }
  if (!MODEL_TYPES.includes(value.model_type as never)) {
    problems.push(`model_type must be one of ${MODEL_TYPES.join(', ')}`);
  }
  if (typeof value.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(value.sha256)) {
    problems.push('sha256 must be 64 lower-case hex digits');
  }
  const names = value.feature_names;
  const namesOk =
    Array.isArray(names) &&
    names.length > 0 &&
    names.every((n) => typeof n === 'string') &&
    new Set(names).size === names.length;
  if (!namesOk) {
    problems.push('feature_names must be a non-empty array of distinct strings');
  }
  problems.push(...outputProblems(value.output));
  for (const key of ['training', 'metrics', 'comparison'] as const) {
    if (!isRecord(value[key])) {
      problems.push(`${key} must be an object`);
    }
  }
  const featureStatistics = value.feature_statistics;
  if (!isRecord(featureStatistics)) {
    problems.push('feature_statistics must be an object');
  } else if (namesOk) {
    for (const name of names) {
      problems.push(...statisticsProblems(`feature_statistics.${name}`, featureStatistics[name]));
    }
  }
  problems.push(...statisticsProblems('prediction_statistics', value.prediction_statistics));
  if (problems.length > 0) {
    throw new ModelCardValidationError(problems);
  }
  return value as unknown as ModelCard;
}

function outputProblems(output: unknown): string[] {
  if (!isRecord(output)) {
    return ['output must be an object'];
  }
  const problems: string[] = [];
  const spec = output as Partial<ModelOutputSpec> & Record<string, unknown>;
  if (spec.kind !== 'probability_tensor' && spec.kind !== 'zipmap') {
    problems.push('output.kind must be probability_tensor or zipmap');
  }
  if (typeof spec.name !== 'string' || spec.name === '') {
    problems.push('output.name must be a non-empty string');
  }
  if (spec.kind === 'zipmap' && (typeof spec.label_name !== 'string' || spec.label_name === '')) {
    problems.push('output.label_name must be a non-empty string for a zipmap output');
  }
  if (!Number.isInteger(spec.positive_class_index) || (spec.positive_class_index as number) < 0) {
    problems.push('output.positive_class_index must be a non-negative integer');
  }
  return problems;
}

function statisticsProblems(path: string, stats: unknown): string[] {
  if (!isRecord(stats)) {
    return [`${path} is missing`];
  }
  const { edges, counts } = stats;
  if (!Array.isArray(edges) || edges.length === 0 || !edges.every((e) => typeof e === 'number' && Number.isFinite(e))) {
    return [`${path}.edges must be a non-empty array of finite numbers`];
  }
  for (let i = 1; i < edges.length; i++) {
    if (!((edges[i] as number) > (edges[i - 1] as number))) {
      return [`${path}.edges must be strictly increasing`];
    }
  }
  if (
    !Array.isArray(counts) ||
    counts.length !== countsLength(edges as number[]) ||
    !counts.every((c) => Number.isInteger(c) && (c as number) >= 0)
  ) {
    return [`${path}.counts must be ${countsLength(edges as number[])} non-negative integers`];
  }
  return [];
}

function assertFinite(what: string, metrics: BinaryMetrics): void {
  for (const [key, value] of Object.entries(metrics)) {
    if (!Number.isFinite(value)) {
      throw new RangeError(`${what} ${key} is ${value}: the holdout needs both classes`);
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
