import { onnx } from 'onnx-proto';
import { InferenceSession, Tensor } from 'onnxruntime-node';

import { splitDataset, type Dataset } from './dataset';
import { trainLogisticRegression } from './logistic-regression';
import {
  exportModelToOnnx,
  ONNX_INPUT_NAME,
  ONNX_IR_VERSION,
  ONNX_LABEL_OUTPUT,
  ONNX_ML_OPSET,
  ONNX_OPSET,
  ONNX_PROBABILITIES_OUTPUT,
} from './onnx-export';
import { trainRandomForest, type RandomForestModel } from './random-forest';
import { makeSyntheticDataset } from './testing/synthetic-dataset.factory';

const PARITY_TOLERANCE = 1e-5;

/** Runs the model on X in onnxruntime-node and returns both outputs. */
async function runOnnx(
  bytes: Uint8Array,
  X: Float32Array,
  n: number,
  d: number,
): Promise<{
  probabilities: Float32Array;
  dims: readonly number[];
  label: BigInt64Array;
  labelDims: readonly number[];
}> {
  const session = await InferenceSession.create(bytes);
  try {
    expect(session.inputNames).toEqual([ONNX_INPUT_NAME]);
    expect([...session.outputNames].sort()).toEqual([ONNX_LABEL_OUTPUT, ONNX_PROBABILITIES_OUTPUT].sort());
    const out = await session.run({ [ONNX_INPUT_NAME]: new Tensor('float32', X, [n, d]) });
    return {
      probabilities: out[ONNX_PROBABILITIES_OUTPUT].data as Float32Array,
      dims: out[ONNX_PROBABILITIES_OUTPUT].dims,
      label: out[ONNX_LABEL_OUTPUT].data as BigInt64Array,
      labelDims: out[ONNX_LABEL_OUTPUT].dims,
    };
  } finally {
    await session.release();
  }
}

/** Max |Δ| between ONNX P(1) and the JS model; also checks that each row is [1 − p, p]. */
function compare(probabilities: Float32Array, expected: Float64Array): number {
  let maxDelta = 0;
  for (let i = 0; i < expected.length; i++) {
    const p0 = probabilities[2 * i];
    const p1 = probabilities[2 * i + 1];
    maxDelta = Math.max(maxDelta, Math.abs(p1 - expected[i]));
    expect(Math.abs(p0 + p1 - 1)).toBeLessThan(1e-6);
  }
  return maxDelta;
}

/** Number of (row, node) pairs where a holdout value sits exactly on a split threshold. */
function exactThresholdHits(model: RandomForestModel, data: Dataset): number {
  let hits = 0;
  for (const tree of model.trees) {
    for (let k = 0; k < tree.feature.length; k++) {
      const f = tree.feature[k];
      if (f < 0) {
        continue;
      }
      for (let i = 0; i < data.n; i++) {
        if (data.X[i * data.d + f] === tree.threshold[k]) {
          hits++;
        }
      }
    }
  }
  return hits;
}

describe('ONNX export parity (onnxruntime-node)', () => {
  const { train, holdout } = splitDataset(makeSyntheticDataset(5000, 7), { seed: 7 });

  it('random forest: ONNX P(1) equals the JS forest for every holdout row (|Δ| < 1e-5)', async () => {
    // Arrange
    const model = trainRandomForest(train, { nTrees: 30, seed: 7 });
    const bytes = exportModelToOnnx(model, { metadata: { model_version: 'test' } });
    const expected = model.predictProba(holdout.X, holdout.n);

    // Act
    const out = await runOnnx(bytes, holdout.X, holdout.n, holdout.d);

    // Assert
    expect(exactThresholdHits(model, holdout)).toBeGreaterThan(100); // the boundary case is exercised
    expect(out.dims).toEqual([holdout.n, 2]);
    expect(compare(out.probabilities, expected)).toBeLessThan(PARITY_TOLERANCE);
  });

  it('random forest: float64 inputs that round onto a threshold agree too (single-row calls)', async () => {
    const model = trainRandomForest(train, { nTrees: 10, seed: 8 });
    const bytes = exportModelToOnnx(model);
    const session = await InferenceSession.create(bytes);
    try {
      for (let t = 0; t < 10; t++) {
        const tree = model.trees[t];
        const row = Float64Array.from(holdout.X.subarray(t * 52, t * 52 + 52));
        row[tree.feature[0]] = tree.threshold[0] * (1 + 1e-12) + 1e-300; // > threshold in float64 only
        const feeds = { [ONNX_INPUT_NAME]: new Tensor('float32', Float32Array.from(row), [1, 52]) };
        const out = await session.run(feeds);
        const p1 = (out[ONNX_PROBABILITIES_OUTPUT].data as Float32Array)[1];
        expect(Math.abs(p1 - model.predictRow(row))).toBeLessThan(PARITY_TOLERANCE);
      }
    } finally {
      await session.release();
    }
  });

  it('logistic regression: ONNX P(1) equals the JS model for every holdout row (|Δ| < 1e-5)', async () => {
    const model = trainLogisticRegression(train);
    const bytes = exportModelToOnnx(model);
    const expected = model.predictProba(holdout.X, holdout.n);

    const out = await runOnnx(bytes, holdout.X, holdout.n, holdout.d);

    expect(out.dims).toEqual([holdout.n, 2]);
    expect(compare(out.probabilities, expected)).toBeLessThan(PARITY_TOLERANCE);
  });

  it.each(['random_forest', 'logistic_regression'])('%s: label output is P(1) ≥ 0.5 (int64 [N])', async (type) => {
    const model =
      type === 'random_forest' ? trainRandomForest(train, { nTrees: 10, seed: 2 }) : trainLogisticRegression(train);

    const out = await runOnnx(exportModelToOnnx(model), holdout.X, holdout.n, holdout.d);

    expect(out.labelDims).toEqual([holdout.n]);
    const expected = Array.from({ length: holdout.n }, (_, i) => (out.probabilities[2 * i + 1] >= 0.5 ? 1n : 0n));
    expect(Array.from(out.label)).toEqual(expected);
    expect(new Set(expected)).toEqual(new Set([0n, 1n]));
  });

  it('declares IR 8, the default and ai.onnx.ml opsets, input [N, 52] and metadata', () => {
    const model = trainRandomForest(train, { nTrees: 2, seed: 1 });
    const decoded = onnx.ModelProto.decode(exportModelToOnnx(model, { metadata: { model_version: 'v9' } }));

    expect(Number(decoded.irVersion)).toBe(ONNX_IR_VERSION);
    expect(decoded.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([
      ['', ONNX_OPSET],
      ['ai.onnx.ml', ONNX_ML_OPSET],
    ]);
    const input = decoded.graph?.input?.[0];
    expect(input?.name).toBe(ONNX_INPUT_NAME);
    expect(input?.type?.tensorType?.shape?.dim?.map((dim) => dim.dimParam || Number(dim.dimValue))).toEqual(['N', 52]);
    expect(decoded.graph?.node?.[0].opType).toBe('TreeEnsembleClassifier');
    expect(decoded.metadataProps.map((p) => [p.key, p.value])).toEqual([['model_version', 'v9']]);
  });
});
