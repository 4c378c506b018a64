import { splitDataset } from './dataset';
import { auc } from './metrics';
import { binFeatures, trainRandomForest, type DecisionTree } from './random-forest';
import { SeededRandom } from './seeded-random';
import { makeSyntheticDataset, SYNTHETIC_COLUMNS } from './testing/synthetic-dataset.factory';

/** Leaf index reached by row i, walking the tree with the documented float32 rule. */
function leafOf(tree: DecisionTree, X: Float32Array, d: number, i: number): number {
  let node = 0;
  while (tree.feature[node] >= 0) {
    node = Math.fround(X[i * d + tree.feature[node]]) <= tree.threshold[node] ? tree.left[node] : tree.right[node];
  }
  return node;
}

describe('binFeatures', () => {
  it('gives codes with code ≤ b exactly when x ≤ edges[b], at most maxBins bins per feature', () => {
    const data = makeSyntheticDataset(3000, 2);
    const binned = binFeatures(data.X, data.n, data.d, 16);

    for (const f of [0, SYNTHETIC_COLUMNS.integer, SYNTHETIC_COLUMNS.direction, SYNTHETIC_COLUMNS.halfSteps]) {
      const edges = binned.edges[f];
      expect(binned.nBins[f]).toBe(edges.length + 1);
      expect(binned.nBins[f]).toBeLessThanOrEqual(16);
      for (let i = 0; i < data.n; i++) {
        const x = data.X[i * data.d + f];
        const code = binned.codes[f * data.n + i];
        for (let b = 0; b < edges.length; b++) {
          if (code <= b !== x <= edges[b]) {
            throw new Error(`feature ${f} row ${i}: code ${code}, x ${x}, edge[${b}] ${edges[b]}`);
          }
        }
      }
    }
    expect(binned.nBins[SYNTHETIC_COLUMNS.direction]).toBe(2);
  });
});

describe('trainRandomForest', () => {
  const data = makeSyntheticDataset(6000, 1);
  const { train, holdout } = splitDataset(data, { seed: 1 });

  it('learns the planted function: holdout AUC well above chance and above the rule confidence', () => {
    const model = trainRandomForest(train, { nTrees: 40, seed: 3 });

    const p = model.predictProba(holdout.X, holdout.n);
    const modelAuc = auc(holdout.y, p);
    expect(modelAuc).toBeGreaterThan(0.8);
    expect(modelAuc).toBeGreaterThan(auc(holdout.y, holdout.ruleConfidence) + 0.03);
    for (let i = 0; i < 20; i++) {
      expect(model.predictRow(holdout.X.subarray(i * 52, i * 52 + 52))).toBeCloseTo(p[i], 14);
    }
  });

  it('is deterministic for a seed, differs across seeds, and reports progress per tree', () => {
    const progress: Array<[number, number]> = [];
    const a = trainRandomForest(train, {
      nTrees: 5,
      seed: 11,
      onTreeDone: (done, total) => progress.push([done, total]),
    });
    const b = trainRandomForest(train, { nTrees: 5, seed: 11 });
    const c = trainRandomForest(train, { nTrees: 5, seed: 12 });

    expect(a.trees).toEqual(b.trees);
    expect(a.trees).not.toEqual(c.trees);
    expect(progress).toEqual([
      [1, 5],
      [2, 5],
      [3, 5],
      [4, 5],
      [5, 5],
    ]);
  });

  it.each([
    ['per-node feature sampling (direct histograms)', 7],
    ['all features (sibling histograms by subtraction)', 52],
  ])('builds consistent trees with %s', (_label, maxFeatures) => {
    // Without bootstrap every training row has weight 1, so each leaf's value must be the positive rate
    // of the rows that reach it, and each leaf must hold at least minSamplesLeaf rows.
    const minSamplesLeaf = 15;
    const model = trainRandomForest(train, {
      nTrees: 3,
      maxDepth: 6,
      minSamplesLeaf,
      maxFeatures,
      bootstrap: false,
      seed: 5,
    });

    for (const tree of model.trees) {
      const counts = new Map<number, { n: number; pos: number }>();
      for (let i = 0; i < train.n; i++) {
        const leaf = leafOf(tree, train.X, train.d, i);
        const entry = counts.get(leaf) ?? { n: 0, pos: 0 };
        entry.n++;
        entry.pos += train.y[i];
        counts.set(leaf, entry);
      }
      expect(tree.feature.filter((f) => f >= 0).length).toBeGreaterThan(10);
      for (const [leaf, { n, pos }] of counts) {
        expect(n).toBeGreaterThanOrEqual(minSamplesLeaf);
        expect(tree.value[leaf]).toBeCloseTo(pos / n, 12);
      }
      expect(depth(tree)).toBeLessThanOrEqual(6);
      for (let k = 0; k < tree.threshold.length; k++) {
        expect(Math.fround(tree.threshold[k])).toBe(tree.threshold[k]);
      }
    }
  });

  it('makes a single leaf when the labels are pure', () => {
    const pure = { ...train, y: new Uint8Array(train.n).fill(1) };
    const model = trainRandomForest(pure, { nTrees: 2, seed: 1 });
    expect(model.trees.map((t) => t.feature.length)).toEqual([1, 1]);
    expect(model.predictRow(train.X.subarray(0, 52))).toBe(1);
  });

  it('refuses non-finite features and bad options', () => {
    const X = Float32Array.from(train.X.subarray(0, 520));
    X[7] = NaN;
    expect(() => trainRandomForest({ X, y: train.y.subarray(0, 10), n: 10, d: 52 })).toThrow(RangeError);
    expect(() => trainRandomForest(train, { maxFeatures: 60 })).toThrow(RangeError);
    expect(() => trainRandomForest(train, { maxBins: 300 })).toThrow(RangeError);
  });

  it('compares at float32 precision: a float64 input just above a threshold goes left when it rounds onto it', () => {
    const model = trainRandomForest(train, { nTrees: 1, seed: 9, maxDepth: 1 });
    const tree = model.trees[0];
    const f = tree.feature[0];
    const thr = tree.threshold[0];
    const x = new Float64Array(52);
    const rng = new SeededRandom(1);
    x.forEach((_, j) => (x[j] = rng.nextGaussian()));
    x[f] = thr + Math.abs(thr) * 1e-12; // not ≤ thr in float64, = thr in float32
    expect(model.predictRow(x)).toBe(tree.value[tree.left[0]]);
  });
});

function depth(tree: DecisionTree, node = 0): number {
  return tree.feature[node] < 0 ? 0 : 1 + Math.max(depth(tree, tree.left[node]), depth(tree, tree.right[node]));
}
