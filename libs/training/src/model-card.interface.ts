import type { FeatureSummary } from '@app/features/binning';

import type { BinaryMetrics } from './metrics';

/** Model families the trainer produces (scikit-learn conversions use the same names). */
export const MODEL_TYPES = ['random_forest', 'logistic_regression'] as const;
export type ModelType = (typeof MODEL_TYPES)[number];

/** Our exports: one float32 [N, 2] probability tensor; read column `positive_class_index`. */
export interface ProbabilityTensorOutputSpec {
  kind: 'probability_tensor';
  /** Output name, `probabilities` for our exports. */
  name: string;
  positive_class_index: number;
}

/**
 * scikit-learn models converted with skl2onnx: a label output plus a ZipMap (sequence of maps) of class
 * probabilities. onnxruntime-node cannot return the ZipMap, so the registry drops that node and reads its
 * input tensor [N, classes] instead.
 */
export interface ZipMapOutputSpec {
  kind: 'zipmap';
  /** ZipMap output name, usually `output_probability`. */
  name: string;
  /** Label output name, usually `output_label`. */
  label_name: string;
  positive_class_index: number;
}

export type ModelOutputSpec = ProbabilityTensorOutputSpec | ZipMapOutputSpec;

/**
 * Per-feature training statistics: ~100 fine quantile edges, counts in the layout documented in
 * `@app/features/binning` (underflow, bins, overflow, non-finite), mean, std, min, max.
 */
export type FeatureStatistics = FeatureSummary;

/** Distribution of the model's holdout probabilities on fixed equal-width edges over [0, 1], same layout. */
export type PredictionStatistics = FeatureSummary;

export interface ModelTrainingInfo {
  /** What the model was trained on (generator, seed, size). */
  dataset: string;
  /** Training rows (holdout excluded). */
  rows: number;
  label_definition: string;
  seed: number;
  /** Hyper-parameters, snake_case. */
  params: Record<string, number | string | boolean | null>;
  /** Share of rows held out for the metrics. */
  holdout_fraction?: number;
  /** Rows dropped before the split because a feature was not finite. */
  dropped_non_finite_rows?: number;
}

export interface ModelMetrics extends BinaryMetrics {
  holdout_rows: number;
}

export interface ModelComparison {
  /** rule_confidence alone, scored as a probability on the same holdout. */
  rule_confidence: BinaryMetrics;
  /** metrics.auc − rule_confidence.auc. */
  auc_lift: number;
}

/** `model_card.json` next to `model.onnx` (DESIGN §6). */
export interface ModelCard {
  model_version: string;
  model_type: ModelType;
  /** ISO-8601 timestamp. */
  created_at: string;
  feature_schema_version: string;
  feature_names: string[];
  /** Graph input, float32 [N, feature_names.length]. */
  input_name: string;
  output: ModelOutputSpec;
  /** Hex SHA-256 of the model.onnx bytes. */
  sha256: string;
  training: ModelTrainingInfo;
  metrics: ModelMetrics;
  comparison: ModelComparison;
  /** Keyed by feature name, one entry per feature_names item. */
  feature_statistics: Record<string, FeatureStatistics>;
  prediction_statistics: PredictionStatistics;
}
