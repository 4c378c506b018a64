import * as ort from 'onnxruntime-node';
import { SeededRandom } from '../libs/training/src/seeded-random';
import { trainRandomForest } from '../libs/training/src/random-forest';
import { trainLogisticRegression } from '../libs/training/src/logistic-regression';
import { exportModelToOnnx } from '../libs/training/src/onnx-export';
import { evaluateBinary } from '../libs/training/src/metrics';

function gen(n: number, d: number, seed: number) {
  const r = new SeededRandom(seed);
  const X = new Float32Array(n * d);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      let v = r.nextGaussian();
      if (j % 5 === 1) v = Math.round(v * 2);
      if (j % 7 === 3) v = v * 100 + 50;
      X[i * d + j] = v;
    }
    const x = X.subarray(i * d, i * d + d);
    const z = 1.2 * x[0] - 0.8 * x[1] + (x[2] > 0.5 ? 1 : -0.5) + 0.01 * x[3] + 0.5 * x[4] * x[5];
    y[i] = r.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { X, y, n, d };
}

async function main() {
  const d = 52;
  const tr = gen(100000, d, 1);
  const te = gen(5000, d, 2);
  let t0 = Date.now();
  const rf = trainRandomForest(tr, { nTrees: 100, seed: 7 });
  console.log('rf train ms', Date.now() - t0, 'nodes', rf.nodeCount());
  t0 = Date.now();
  const lr = trainLogisticRegression(tr, {});
  console.log('lr train ms', Date.now() - t0, lr.fit);
  for (const m of [rf, lr]) {
    const p = m.predictProba(te.X, te.n);
    console.log(m.modelType, evaluateBinary(te.y, p));
    t0 = Date.now();
    const bytes = exportModelToOnnx(m);
    console.log('export ms', Date.now() - t0, 'bytes', bytes.length);
    const s = await ort.InferenceSession.create(bytes);
    const out = await s.run({ features: new ort.Tensor('float32', te.X, [te.n, d]) });
    const probs = out.probabilities.data as Float32Array;
    const label = out.label.data as BigInt64Array;
    let maxd = 0, maxs = 0, badLabel = 0;
    for (let i = 0; i < te.n; i++) {
      maxd = Math.max(maxd, Math.abs(probs[2 * i + 1] - p[i]));
      maxs = Math.max(maxs, Math.abs(probs[2 * i] + probs[2 * i + 1] - 1));
      if (Number(label[i]) !== (probs[2 * i + 1] >= 0.5 ? 1 : 0)) badLabel++;
    }
    console.log(m.modelType, 'max |Δ|', maxd, 'sum dev', maxs, 'bad labels', badLabel, out.probabilities.dims, out.label.dims);
  }
}
void main();
