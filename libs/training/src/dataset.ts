import { FEATURE_COUNT, FEATURE_INDEX } from '@app/features/feature-schema.constants';

import { SeededRandom } from './seeded-random';

/** Training matrix: n rows × d features, row-major float32 (what the ONNX model sees), labels 0/1. */
export interface Dataset {
  /** Row-major n × d, every value finite as float32. */
  X: Float32Array;
  /** Labels, 0 or 1. */
  y: Uint8Array;
  n: number;
  d: number;
  /** The rule confidence column (feature `rule_confidence`) of X, for the rule-only comparison. */
  ruleConfidence: Float32Array;
}

export interface CreateDatasetOptions {
  /** Column holding the rule confidence; default the schema's `rule_confidence` (48). */
  ruleConfidenceIndex?: number;
}

export interface CreateDatasetResult {
  dataset: Dataset;
  /** Rows left out because a feature was NaN, ±Infinity, or overflowed float32. */
  droppedNonFinite: number;
}

export interface DatasetSplit {
  train: Dataset;
  holdout: Dataset;
}

/** Builds a Dataset from feature rows (length d each, default 52) and 0/1 labels, dropping non-finite rows. */
export function createDataset(
  rows: ReadonlyArray<ArrayLike<number>>,
  labels: ArrayLike<number>,
  options: CreateDatasetOptions & { d?: number } = {},
): CreateDatasetResult {
  const d = options.d ?? FEATURE_COUNT;
  const X = new Float64Array(rows.length * d);
  rows.forEach((row, i) => {
    if (row.length !== d) {
      throw new RangeError(`row ${i} has ${row.length} features, expected ${d}`);
    }
    for (let j = 0; j < d; j++) {
      X[i * d + j] = row[j];
    }
  });
  return createDatasetFromMatrix(X, labels, rows.length, d, options);
}

/** Builds a Dataset from a row-major n × d matrix and 0/1 labels, dropping rows not finite in float32. */
export function createDatasetFromMatrix(
  matrix: ArrayLike<number>,
  labels: ArrayLike<number>,
  n: number,
  d: number,
  options: CreateDatasetOptions = {},
): CreateDatasetResult {
  const ruleIndex = options.ruleConfidenceIndex ?? FEATURE_INDEX.rule_confidence;
  if (matrix.length !== n * d) {
    throw new RangeError(`matrix has ${matrix.length} values, expected ${n} × ${d}`);
  }
  if (labels.length !== n) {
    throw new RangeError(`got ${labels.length} labels for ${n} rows`);
  }
  if (ruleIndex < 0 || ruleIndex >= d) {
    throw new RangeError(`rule confidence column ${ruleIndex} is outside 0..${d - 1}`);
  }

  const X = new Float32Array(n * d);
  const y = new Uint8Array(n);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const label = labels[i];
    if (label !== 0 && label !== 1) {
      throw new RangeError(`label ${i} is ${label}, expected 0 or 1`);
    }
    const offset = kept * d;
    let finite = true;
    for (let j = 0; j < d; j++) {
      const v = Math.fround(matrix[i * d + j]);
      if (v - v !== 0) {
        finite = false;
        break;
      }
      X[offset + j] = v;
    }
    if (finite) {
      y[kept++] = label;
    }
  }
  const dataset = makeDataset(X.slice(0, kept * d), y.slice(0, kept), kept, d, ruleIndex);
  return { dataset, droppedNonFinite: n - kept };
}

/** Seeded shuffle, then the first ⌈n·holdoutFraction⌉ rows of the permutation are the holdout. */
export function splitDataset(dataset: Dataset, options: { holdoutFraction?: number; seed: number }): DatasetSplit {
  const fraction = options.holdoutFraction ?? 0.2;
  if (!(fraction > 0 && fraction < 1)) {
    throw new RangeError(`holdoutFraction must be in (0, 1), got ${fraction}`);
  }
  const order = new Int32Array(dataset.n);
  for (let i = 0; i < dataset.n; i++) {
    order[i] = i;
  }
  new SeededRandom(options.seed, 1).shuffle(order);
  const nHoldout = Math.ceil(dataset.n * fraction);
  return {
    holdout: subsetDataset(dataset, order.subarray(0, nHoldout)),
    train: subsetDataset(dataset, order.subarray(nHoldout)),
  };
}

/** The rows of `dataset` at `indices`, in that order. */
export function subsetDataset(dataset: Dataset, indices: ArrayLike<number>): Dataset {
  const { d } = dataset;
  const X = new Float32Array(indices.length * d);
  const y = new Uint8Array(indices.length);
  const ruleConfidence = new Float32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    X.set(dataset.X.subarray(i * d, i * d + d), k * d);
    y[k] = dataset.y[i];
    ruleConfidence[k] = dataset.ruleConfidence[i];
  }
  return { X, y, n: indices.length, d, ruleConfidence };
}

function makeDataset(X: Float32Array, y: Uint8Array, n: number, d: number, ruleIndex: number): Dataset {
  const ruleConfidence = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    ruleConfidence[i] = X[i * d + ruleIndex];
  }
  return { X, y, n, d, ruleConfidence };
}
