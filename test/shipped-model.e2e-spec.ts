import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { onnx } from 'onnx-proto';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_SCHEMA_VERSION } from '@app/features';
import { countsLength } from '@app/features/binning';
import { auc, brierScore, createDatasetFromMatrix, parseModelCard, type Dataset, type ModelCard } from '@app/training';
import { generateSyntheticRows } from '@app/training/pipeline';

/**
 * The models shipped in models/phase5: their cards describe the files and the feature schema, their
 * training statistics have the binning layout the drift job relies on, and on fresh simulated patterns
 * (another seed than training) they beat rule_confidence alone. onnxruntime's output is also checked
 * against a plain JavaScript reading of the ONNX graph.
 */

const MODELS = resolve(__dirname, '..', 'models', 'phase5');
const FRESH_SEED = 4242;
const FRESH_ROWS = 5000;
const MIN_AUC_LIFT = 0.05;

type IntLike = number | { toNumber(): number };
const toNumber = (v: IntLike): number => (typeof v === 'number' ? v : v.toNumber());

/** P(y = 1) per row from the graph's own attributes/initializers, evaluated in JavaScript. */
function evaluateGraphInJs(bytes: Uint8Array, X: Float32Array, n: number): Float64Array {
  const graph = onnx.ModelProto.decode(bytes).graph!;
  const nodes = graph.node ?? [];
  const forest = nodes.find((node) => node.opType === 'TreeEnsembleClassifier');
  return forest ? evaluateForest(forest, X, n) : evaluateLogistic(graph, X, n);
}

function evaluateForest(node: onnx.INodeProto, X: Float32Array, n: number): Float64Array {
  const attr = new Map((node.attribute ?? []).map((a) => [a.name!, a]));
  const ints = (name: string): number[] => (attr.get(name)!.ints as IntLike[]).map(toNumber);
  const floats = (name: string): number[] => attr.get(name)!.floats!;
  const decoder = new TextDecoder();
  expect(decoder.decode(attr.get('post_transform')!.s)).toBe('NONE');
  expect(ints('classlabels_int64s')).toEqual([0, 1]);

  const treeIds = ints('nodes_treeids');
  const nodeIds = ints('nodes_nodeids');
  const featureIds = ints('nodes_featureids');
  const modes = attr.get('nodes_modes')!.strings!.map((s) => decoder.decode(s));
  const values = floats('nodes_values');
  const trueIds = ints('nodes_truenodeids');
  const falseIds = ints('nodes_falsenodeids');
  expect(new Set(modes)).toEqual(new Set(['BRANCH_LEQ', 'LEAF']));

  // Node (tree, id) → position k in the attribute arrays; children and leaf P(1) resolved once.
  const key = (tree: number, id: number): number => tree * 1_000_000 + id;
  const position = new Map(treeIds.map((t, k) => [key(t, nodeIds[k]), k]));
  const count = treeIds.length;
  const isLeaf = modes.map((m) => m === 'LEAF');
  const onTrue = Int32Array.from(treeIds, (t, k) => (isLeaf[k] ? -1 : position.get(key(t, trueIds[k]))!));
  const onFalse = Int32Array.from(treeIds, (t, k) => (isLeaf[k] ? -1 : position.get(key(t, falseIds[k]))!));
  const leafP1 = new Float64Array(count);
  const classTree = ints('class_treeids');
  const classNode = ints('class_nodeids');
  const classWeights = floats('class_weights');
  ints('class_ids').forEach((c, k) => {
    if (c === 1) {
      leafP1[position.get(key(classTree[k], classNode[k]))!] += classWeights[k];
    }
  });
  // A tree's root is the one node no branch points to.
  const pointedTo = new Set([...onTrue, ...onFalse]);
  const roots = treeIds.map((_, k) => k).filter((k) => !pointedTo.has(k));
  expect(roots).toHaveLength(new Set(treeIds).size);

  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (const root of roots) {
      let k = root;
      while (!isLeaf[k]) {
        k = X[i * FEATURE_COUNT + featureIds[k]] <= values[k] ? onTrue[k] : onFalse[k];
      }
      sum += leafP1[k];
    }
    p[i] = sum;
  }
  return p;
}

function evaluateLogistic(graph: onnx.IGraphProto, X: Float32Array, n: number): Float64Array {
  const ops = (graph.node ?? []).map((node) => node.opType);
  expect(ops.slice(0, 3)).toEqual(['MatMul', 'Add', 'Sigmoid']);
  const init = new Map((graph.initializer ?? []).map((t) => [t.name!, t]));
  const floatsOf = (name: string): Float32Array => {
    const t = init.get(name)!;
    if (t.floatData && t.floatData.length > 0) {
      return Float32Array.from(t.floatData);
    }
    const raw = t.rawData!;
    return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  };
  const [matMul, add] = graph.node!;
  const w = floatsOf(matMul.input![1]);
  const b = floatsOf(add.input![1])[0];
  expect(w).toHaveLength(FEATURE_COUNT);
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = b;
    for (let j = 0; j < FEATURE_COUNT; j++) {
      z += X[i * FEATURE_COUNT + j] * w[j];
    }
    p[i] = 1 / (1 + Math.exp(-z));
  }
  return p;
}

describe.each(['champion', 'backup'])('shipped %s model', (slot) => {
  const dir = join(MODELS, slot);
  let card: ModelCard;
  let bytes: Buffer;
  let fresh: Dataset;
  let probabilities: Float64Array;

  beforeAll(async () => {
    bytes = readFileSync(join(dir, 'model.onnx'));
    card = parseModelCard(JSON.parse(readFileSync(join(dir, 'model_card.json'), 'utf8')));
    const raw = generateSyntheticRows(FRESH_SEED, FRESH_ROWS);
    fresh = createDatasetFromMatrix(raw.X, raw.y, raw.n, FEATURE_COUNT).dataset;

    const session = await InferenceSession.create(bytes);
    try {
      const out = await session.run({ [card.input_name]: new Tensor('float32', fresh.X, [fresh.n, fresh.d]) }, [
        card.output.name,
      ]);
      const tensor = out[card.output.name];
      expect(tensor.dims).toEqual([fresh.n, 2]);
      const data = tensor.data as Float32Array;
      probabilities = new Float64Array(fresh.n);
      for (let i = 0; i < fresh.n; i++) {
        probabilities[i] = data[i * 2 + card.output.positive_class_index];
        expect(Math.abs(data[i * 2] + data[i * 2 + 1] - 1)).toBeLessThan(1e-5);
      }
    } finally {
      await session.release();
    }
  });

  it('card sha256 is the sha256 of model.onnx', () => {
    expect(card.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('card feature names and schema version are the serving schema', () => {
    expect(card.feature_names).toEqual([...FEATURE_NAMES]);
    expect(card.feature_schema_version).toBe(FEATURE_SCHEMA_VERSION);
    expect(card.output).toEqual({ kind: 'probability_tensor', name: 'probabilities', positive_class_index: 1 });
  });

  it('feature_statistics: every feature, strictly increasing edges, counts in the binning layout', () => {
    expect(Object.keys(card.feature_statistics).sort()).toEqual([...FEATURE_NAMES].sort());
    for (const name of FEATURE_NAMES) {
      const s = card.feature_statistics[name];
      expect(s.edges.length).toBeGreaterThanOrEqual(2);
      expect(s.edges.every(Number.isFinite)).toBe(true);
      for (let k = 1; k < s.edges.length; k++) {
        expect(s.edges[k]).toBeGreaterThan(s.edges[k - 1]);
      }
      expect(s.counts).toHaveLength(countsLength(s.edges));
      expect(s.counts).toHaveLength(s.edges.length + 2);
      expect(s.counts.reduce((a, b) => a + b, 0)).toBe(card.training.rows);
      expect(s.count).toBe(card.training.rows);
      expect(s.min).toBe(s.edges[0]);
      expect(s.max).toBe(s.edges[s.edges.length - 1]);
    }
  });

  it(`on ${FRESH_ROWS} fresh simulated patterns (seed ${FRESH_SEED}): probabilities in [0, 1], AUC ≥ rule AUC + ${MIN_AUC_LIFT}, better Brier`, () => {
    expect(fresh.n).toBeGreaterThan(FRESH_ROWS * 0.95);
    expect(probabilities.every((p) => p >= 0 && p <= 1)).toBe(true);

    const modelAuc = auc(fresh.y, probabilities);
    const ruleAuc = auc(fresh.y, fresh.ruleConfidence);

    expect(modelAuc).toBeGreaterThanOrEqual(ruleAuc + MIN_AUC_LIFT);
    expect(brierScore(fresh.y, probabilities)).toBeLessThan(brierScore(fresh.y, fresh.ruleConfidence));
  });

  it('onnxruntime agrees with a JavaScript evaluation of the graph (|Δ| < 1e-5)', () => {
    const js = evaluateGraphInJs(bytes, fresh.X, fresh.n);

    let worst = 0;
    for (let i = 0; i < fresh.n; i++) {
      worst = Math.max(worst, Math.abs(js[i] - probabilities[i]));
    }
    expect(worst).toBeLessThan(1e-5);
  });
});
