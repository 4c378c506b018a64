import { spawnSync } from 'node:child_process';

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

/**
 * Runs the model on X and fetches only the probability output. Under jest the int64 `label` output cannot be
 * fetched: the native binding builds its BigInt64Array outside jest's sandbox, and onnxruntime-common's
 * `instanceof BigInt64Array` check then fails ("A int64 tensor's data must be type of BigInt64Array").
 */
async function runOnnx(
  bytes: Uint8Array,
  X: Float32Array,
  n: number,
  d: number,
): Promise<{ probabilities: Float32Array; dims: readonly number[] }> {
  const session = await InferenceSession.create(bytes);
  try {
    expect(session.inputNames).toEqual([ONNX_INPUT_NAME]);
    expect([...session.outputNames].sort()).toEqual([ONNX_LABEL_OUTPUT, ONNX_PROBABILITIES_OUTPUT].sort());
    const out = await session.run({ [ONNX_INPUT_NAME]: new Tensor('float32', X, [n, d]) }, [ONNX_PROBABILITIES_OUTPUT]);
    return {
      probabilities: out[ONNX_PROBABILITIES_OUTPUT].data as Float32Array,
      dims: out[ONNX_PROBABILITIES_OUTPUT].dims,
    };
  } finally {
    await session.release();
  }
}

/** The int64 label output and probabilities, read by plain Node in a child process (see runOnnx). */
function runOnnxOutsideJest(
  bytes: Uint8Array,
  X: Float32Array,
  n: number,
  d: number,
): { label: number[]; p1: number[]; labelDims: number[] } {
  const script = `
    const ort = require('onnxruntime-node');
    (async () => {
      const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
      const bytes = Buffer.from(input.model, 'base64');
      const X = new Float32Array(new Uint8Array(Buffer.from(input.X, 'base64')).buffer);
      const session = await ort.InferenceSession.create(bytes);
      const out = await session.run({ ${JSON.stringify(ONNX_INPUT_NAME)}: new ort.Tensor('float32', X, [input.n, input.d]) });
      const probabilities = out[${JSON.stringify(ONNX_PROBABILITIES_OUTPUT)}].data;
      const label = out[${JSON.stringify(ONNX_LABEL_OUTPUT)}];
      process.stdout.write(JSON.stringify({
        label: Array.from(label.data, Number),
        labelDims: label.dims,
        p1: Array.from({ length: input.n }, (_, i) => probabilities[2 * i + 1]),
      }));
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const input = JSON.stringify({
    model: Buffer.from(bytes).toString('base64'),
    X: Buffer.from(X.buffer, X.byteOffset, X.byteLength).toString('base64'),
    n,
    d,
  });
  const result = spawnSync(process.execPath, ['-e', script], { input, encoding: 'utf8', timeout: 60000 });
  if (result.status !== 0) {
    throw new Error(`onnxruntime child failed: ${result.stderr}`);
  }
  return JSON.parse(result.stdout) as { label: number[]; p1: number[]; labelDims: number[] };
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
        const out = await session.run(feeds, [ONNX_PROBABILITIES_OUTPUT]);
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

  it.each(['random_forest', 'logistic_regression'])('%s: label output is P(1) ≥ 0.5 (int64 [N])', (type) => {
    const model =
      type === 'random_forest' ? trainRandomForest(train, { nTrees: 10, seed: 2 }) : trainLogisticRegression(train);
    const n = 500;

    const out = runOnnxOutsideJest(exportModelToOnnx(model), holdout.X.subarray(0, n * 52), n, 52);

    expect(out.labelDims).toEqual([n]);
    expect(out.label).toEqual(out.p1.map((p) => (p >= 0.5 ? 1 : 0)));
    expect(new Set(out.label)).toEqual(new Set([0, 1]));
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
