import type { Dataset } from './dataset';
import { SeededRandom } from './seeded-random';

/** Options of {@link trainRandomForest}; defaults in brackets. */
export interface RandomForestOptions {
  /** Number of trees [100]. */
  nTrees?: number;
  /** Maximum depth; the root is depth 0 [12]. */
  maxDepth?: number;
  /** Minimum (bootstrap-weighted) samples in a leaf [20]. */
  minSamplesLeaf?: number;
  /** Features drawn per node [max(1, ⌊√d⌋)]. */
  maxFeatures?: number;
  /** Quantile bins per feature, ≤ 255 [255]. */
  maxBins?: number;
  /** Bootstrap sample per tree [true]. */
  bootstrap?: boolean;
  /** Seed of every random draw [42]. */
  seed?: number;
  /** Called after each tree with the number of trees done so far. */
  onTreeDone?: (done: number, total: number) => void;
}

/** Resolved hyper-parameters, snake_case as they appear in the model card's `training.params`. */
export interface RandomForestParams {
  [key: string]: number | boolean;
  n_trees: number;
  max_depth: number;
  min_samples_leaf: number;
  max_features: number;
  max_bins: number;
  bootstrap: boolean;
  seed: number;
}

/**
 * One CART tree in flat arrays; node 0 is the root. Internal node k sends x to `left[k]` when
 * `Math.fround(x[feature[k]]) <= threshold[k]` (ONNX BRANCH_LEQ on float32 input), else to `right[k]`.
 */
export interface DecisionTree {
  /** Split feature, −1 at a leaf. */
  feature: Int32Array;
  /** Split threshold, exact float32 values. */
  threshold: Float32Array;
  left: Int32Array;
  right: Int32Array;
  /** P(y = 1) at a leaf (0 at internal nodes). */
  value: Float64Array;
}

/** Trained random forest: the mean of its trees' leaf probabilities is P(y = 1). */
export class RandomForestModel {
  readonly modelType = 'random_forest' as const;

  constructor(
    readonly trees: readonly DecisionTree[],
    readonly nFeatures: number,
    readonly params: RandomForestParams,
  ) {}

  /** P(y = 1) for one row of nFeatures values. */
  predictRow(x: ArrayLike<number>): number {
    let sum = 0;
    for (const tree of this.trees) {
      sum += tree.value[leafOf(tree, x, 0)];
    }
    return sum / this.trees.length;
  }

  /** P(y = 1) for each row of a row-major n × nFeatures matrix. */
  predictProba(X: ArrayLike<number>, n = X.length / this.nFeatures): Float64Array {
    const d = this.nFeatures;
    const out = new Float64Array(n);
    for (const tree of this.trees) {
      for (let i = 0; i < n; i++) {
        out[i] += tree.value[leafOf(tree, X, i * d)];
      }
    }
    const nTrees = this.trees.length;
    for (let i = 0; i < n; i++) {
      out[i] /= nTrees;
    }
    return out;
  }

  /** Total number of nodes over all trees. */
  nodeCount(): number {
    return this.trees.reduce((sum, tree) => sum + tree.feature.length, 0);
  }
}

function leafOf(tree: DecisionTree, X: ArrayLike<number>, offset: number): number {
  const { feature, threshold, left, right } = tree;
  let node = 0;
  let f = feature[0];
  while (f >= 0) {
    node = Math.fround(X[offset + f]) <= threshold[node] ? left[node] : right[node];
    f = feature[node];
  }
  return node;
}

/** Feature matrix binned once for all trees. */
export interface BinnedFeatures {
  /** Column-major d × n bin codes: codes[f·n + i] = number of edges of f below x[i, f]. */
  codes: Uint8Array;
  /** Per feature, ascending float32 upper edges: bin b holds edges[b − 1] < x ≤ edges[b]. */
  edges: Float32Array[];
  /** Per feature, number of bins (edges.length + 1). */
  nBins: Int32Array;
}

/**
 * Bins each feature into at most `maxBins` quantile bins whose upper edges are observed float32 values,
 * so `code ≤ b` ⇔ `x ≤ edges[b]` holds exactly for float32 inputs.
 */
export function binFeatures(X: Float32Array, n: number, d: number, maxBins = 255): BinnedFeatures {
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > 255) {
    throw new RangeError(`maxBins must be an integer in 2..255, got ${maxBins}`);
  }
  const codes = new Uint8Array(n * d);
  const edges: Float32Array[] = [];
  const nBins = new Int32Array(d);
  const column = new Float32Array(n);
  for (let f = 0; f < d; f++) {
    for (let i = 0; i < n; i++) {
      column[i] = X[i * d + f];
    }
    const featureEdges = quantileUpperEdges(column.slice().sort(), maxBins);
    edges.push(featureEdges);
    nBins[f] = featureEdges.length + 1;
    const base = f * n;
    const m = featureEdges.length;
    for (let i = 0; i < n; i++) {
      const x = column[i];
      // First edge >= x.
      let lo = 0;
      let hi = m;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (featureEdges[mid] < x) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      codes[base + i] = lo;
    }
  }
  return { codes, edges, nBins };
}

function quantileUpperEdges(sorted: Float32Array, maxBins: number): Float32Array {
  const n = sorted.length;
  const max = sorted[n - 1];
  const distinct: number[] = [];
  for (let i = 0; i < n && distinct.length <= maxBins; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) {
      distinct.push(sorted[i]);
    }
  }
  if (distinct.length <= maxBins) {
    // One bin per distinct value; the largest value needs no upper edge.
    return Float32Array.from(distinct.slice(0, -1));
  }
  const edges: number[] = [];
  for (let j = 1; j < maxBins; j++) {
    const e = sorted[Math.floor((j * n) / maxBins)];
    if (e < max && (edges.length === 0 || e > edges[edges.length - 1])) {
      edges.push(e);
    }
  }
  return Float32Array.from(edges);
}

interface SplitChoice {
  feature: number;
  bin: number;
  weightLeft: number;
  positivesLeft: number;
}

/** Grows CART trees on binned data; buffers are shared across the trees of one forest. */
class TreeGrower {
  private readonly n: number;
  private readonly d: number;
  private readonly histOffset: Int32Array;
  private readonly histSize: number;
  private readonly allFeatures: Int32Array;
  private readonly idx: Int32Array;
  private readonly scratch: Int32Array;
  private readonly w: Float64Array;
  private readonly wy: Float64Array;
  private readonly permutation: Int32Array;
  private readonly pool: Float64Array[] = [];
  private rng: SeededRandom = new SeededRandom(0);
  private nodes = { feature: [] as number[], threshold: [] as number[], left: [] as number[], right: [] as number[] };
  private values: number[] = [];

  constructor(
    private readonly binned: BinnedFeatures,
    private readonly y: Uint8Array,
    private readonly params: RandomForestParams,
  ) {
    this.n = y.length;
    this.d = binned.nBins.length;
    this.histOffset = new Int32Array(this.d);
    let offset = 0;
    for (let f = 0; f < this.d; f++) {
      this.histOffset[f] = offset;
      offset += 2 * binned.nBins[f];
    }
    this.histSize = offset;
    this.allFeatures = Int32Array.from({ length: this.d }, (_, f) => f);
    this.idx = new Int32Array(this.n);
    this.scratch = new Int32Array(this.n);
    this.w = new Float64Array(this.n);
    this.wy = new Float64Array(this.n);
    this.permutation = Int32Array.from(this.allFeatures);
  }

  grow(rng: SeededRandom): DecisionTree {
    const { n, w, wy, y, idx } = this;
    this.rng = rng;
    this.nodes = { feature: [], threshold: [], left: [], right: [] };
    this.values = [];

    w.fill(0);
    if (this.params.bootstrap) {
      for (let k = 0; k < n; k++) {
        w[rng.nextInt(n)] += 1;
      }
    } else {
      w.fill(1);
    }
    // Ascending sample order, kept by the stable partition below, walks the code columns forwards.
    let count = 0;
    let weight = 0;
    let positives = 0;
    for (let i = 0; i < n; i++) {
      if (w[i] > 0) {
        idx[count++] = i;
        wy[i] = w[i] * y[i];
        weight += w[i];
        positives += wy[i];
      }
    }

    const features = this.sampleFeatures();
    let hist: Float64Array | null = null;
    // A full root histogram pays off when most features are drawn anyway (siblings then come by subtraction).
    const full = 2 * this.params.max_features >= this.d;
    if (this.canSplit(weight, positives, 0)) {
      hist = this.acquire();
      this.fill(hist, full ? this.allFeatures : features, 0, count);
    }
    this.build(0, count, 0, weight, positives, hist, full, features);

    return {
      feature: Int32Array.from(this.nodes.feature),
      threshold: Float32Array.from(this.nodes.threshold),
      left: Int32Array.from(this.nodes.left),
      right: Int32Array.from(this.nodes.right),
      value: Float64Array.from(this.values),
    };
  }

  private build(
    start: number,
    end: number,
    depth: number,
    weight: number,
    positives: number,
    hist: Float64Array | null,
    full: boolean,
    features: Int32Array,
  ): number {
    const id = this.addNode();
    const split = hist === null ? null : this.bestSplit(hist, features, weight, positives);
    if (split === null) {
      if (hist !== null) {
        this.release(hist);
      }
      this.values[id] = positives / weight;
      return id;
    }

    const mid = this.partition(start, end, split.feature, split.bin);
    const weightLeft = split.weightLeft;
    const positivesLeft = split.positivesLeft;
    const weightRight = weight - weightLeft;
    const positivesRight = positives - positivesLeft;
    const needLeft = this.canSplit(weightLeft, positivesLeft, depth + 1);
    const needRight = this.canSplit(weightRight, positivesRight, depth + 1);
    const featuresLeft = needLeft ? this.sampleFeatures() : this.allFeatures;
    const featuresRight = needRight ? this.sampleFeatures() : this.allFeatures;

    let histLeft: Float64Array | null = null;
    let histRight: Float64Array | null = null;
    let fullChildren = false;
    const nLeft = mid - start;
    const nRight = end - mid;
    const leftIsSmall = nLeft <= nRight;
    const needLarge = leftIsSmall ? needRight : needLeft;
    const nSmall = leftIsSmall ? nLeft : nRight;
    const mf = this.params.max_features;
    const directCost = mf * ((needLeft ? nLeft : 0) + (needRight ? nRight : 0));
    const subtractCost = this.d * nSmall + 2 * this.histSize;
    if (hist !== null && full && needLarge && subtractCost < directCost) {
      // Smaller child from its samples, larger child = parent − smaller, in the parent's buffer.
      const small = this.acquire();
      this.fill(small, this.allFeatures, leftIsSmall ? start : mid, leftIsSmall ? mid : end);
      for (let j = 0; j < this.histSize; j++) {
        hist[j] -= small[j];
      }
      const needSmall = leftIsSmall ? needLeft : needRight;
      if (!needSmall) {
        this.release(small);
      }
      histLeft = leftIsSmall ? (needSmall ? small : null) : hist;
      histRight = leftIsSmall ? hist : needSmall ? small : null;
      fullChildren = true;
    } else {
      if (hist !== null) {
        this.release(hist);
      }
      const allDrawn = mf >= this.d;
      if (needLeft) {
        histLeft = this.acquire();
        this.fill(histLeft, allDrawn ? this.allFeatures : featuresLeft, start, mid);
      }
      if (needRight) {
        histRight = this.acquire();
        this.fill(histRight, allDrawn ? this.allFeatures : featuresRight, mid, end);
      }
      fullChildren = allDrawn;
    }

    this.nodes.feature[id] = split.feature;
    this.nodes.threshold[id] = this.binned.edges[split.feature][split.bin];
    const left = this.build(start, mid, depth + 1, weightLeft, positivesLeft, histLeft, fullChildren, featuresLeft);
    const right = this.build(mid, end, depth + 1, weightRight, positivesRight, histRight, fullChildren, featuresRight);
    this.nodes.left[id] = left;
    this.nodes.right[id] = right;
    return id;
  }

  private addNode(): number {
    const id = this.values.length;
    this.nodes.feature.push(-1);
    this.nodes.threshold.push(0);
    this.nodes.left.push(-1);
    this.nodes.right.push(-1);
    this.values.push(0);
    return id;
  }

  private canSplit(weight: number, positives: number, depth: number): boolean {
    return (
      depth < this.params.max_depth && weight >= 2 * this.params.min_samples_leaf && positives > 0 && positives < weight
    );
  }

  /** Gini: the best split maximises Σ_children (pos² + neg²)/count, which must beat the parent's. */
  private bestSplit(hist: Float64Array, features: Int32Array, weight: number, positives: number): SplitChoice | null {
    const minLeaf = this.params.min_samples_leaf;
    const negatives = weight - positives;
    let bestScore = ((positives * positives + negatives * negatives) / weight) * (1 + 1e-12);
    let best: SplitChoice | null = null;
    for (let k = 0; k < features.length; k++) {
      const f = features[k];
      const offset = this.histOffset[f];
      const lastBin = this.binned.nBins[f] - 1;
      let wl = 0;
      let pl = 0;
      for (let b = 0; b < lastBin; b++) {
        const cw = hist[offset + 2 * b];
        if (cw === 0) {
          continue;
        }
        wl += cw;
        pl += hist[offset + 2 * b + 1];
        if (wl < minLeaf) {
          continue;
        }
        const wr = weight - wl;
        if (wr < minLeaf) {
          break;
        }
        const nl = wl - pl;
        const pr = positives - pl;
        const nr = wr - pr;
        const score = (pl * pl + nl * nl) / wl + (pr * pr + nr * nr) / wr;
        if (score > bestScore) {
          bestScore = score;
          best = { feature: f, bin: b, weightLeft: wl, positivesLeft: pl };
        }
      }
    }
    return best;
  }

  /** Stable partition of idx[start, end): codes ≤ bin first. Returns the first index of the right part. */
  private partition(start: number, end: number, feature: number, bin: number): number {
    const { idx, scratch } = this;
    const codes = this.binned.codes;
    const base = feature * this.n;
    let l = start;
    let r = 0;
    for (let i = start; i < end; i++) {
      const s = idx[i];
      if (codes[base + s] <= bin) {
        idx[l++] = s;
      } else {
        scratch[r++] = s;
      }
    }
    idx.set(scratch.subarray(0, r), l);
    return l;
  }

  /** Histogram of (weight, weighted positives) per bin for the given features over idx[start, end). */
  private fill(hist: Float64Array, features: Int32Array, start: number, end: number): void {
    const { idx, w, wy } = this;
    const codes = this.binned.codes;
    const n = this.n;
    for (let k = 0; k < features.length; k++) {
      const f = features[k];
      const offset = this.histOffset[f];
      hist.fill(0, offset, offset + 2 * this.binned.nBins[f]);
      const base = f * n;
      for (let i = start; i < end; i++) {
        const s = idx[i];
        const j = offset + (codes[base + s] << 1);
        hist[j] += w[s];
        hist[j + 1] += wy[s];
      }
    }
  }

  /** Partial Fisher–Yates: max_features distinct features. */
  private sampleFeatures(): Int32Array {
    const { permutation, d } = this;
    const mf = this.params.max_features;
    for (let k = 0; k < mf; k++) {
      const j = k + this.rng.nextInt(d - k);
      const tmp = permutation[k];
      permutation[k] = permutation[j];
      permutation[j] = tmp;
    }
    return permutation.slice(0, mf);
  }

  private acquire(): Float64Array {
    return this.pool.pop() ?? new Float64Array(this.histSize);
  }

  private release(hist: Float64Array): void {
    this.pool.push(hist);
  }
}

/** Resolves defaults and validates the options. */
export function resolveRandomForestParams(d: number, options: RandomForestOptions = {}): RandomForestParams {
  const params: RandomForestParams = {
    n_trees: options.nTrees ?? 100,
    max_depth: options.maxDepth ?? 12,
    min_samples_leaf: options.minSamplesLeaf ?? 20,
    max_features: options.maxFeatures ?? Math.max(1, Math.floor(Math.sqrt(d))),
    max_bins: options.maxBins ?? 255,
    bootstrap: options.bootstrap ?? true,
    seed: options.seed ?? 42,
  };
  const positiveInts: Array<[string, number]> = [
    ['nTrees', params.n_trees],
    ['maxDepth', params.max_depth],
    ['minSamplesLeaf', params.min_samples_leaf],
    ['maxFeatures', params.max_features],
  ];
  for (const [name, value] of positiveInts) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`${name} must be a positive integer, got ${value}`);
    }
  }
  if (params.max_features > d) {
    throw new RangeError(`maxFeatures ${params.max_features} exceeds the ${d} features`);
  }
  if (!Number.isInteger(params.max_bins) || params.max_bins < 2 || params.max_bins > 255) {
    throw new RangeError(`maxBins must be an integer in 2..255, got ${params.max_bins}`);
  }
  if (!Number.isInteger(params.seed)) {
    throw new RangeError(`seed must be an integer, got ${params.seed}`);
  }
  return params;
}

/**
 * Histogram-based CART random forest (Gini, bootstrap, per-node feature sampling): seeded and deterministic,
 * each tree drawing from its own random stream.
 */
export function trainRandomForest(
  data: Pick<Dataset, 'X' | 'y' | 'n' | 'd'>,
  options: RandomForestOptions = {},
): RandomForestModel {
  const { X, y, n, d } = data;
  const params = resolveRandomForestParams(d, options);
  if (n < 1 || X.length !== n * d || y.length !== n) {
    throw new RangeError(`inconsistent data: X has ${X.length} values, y ${y.length}, n = ${n}, d = ${d}`);
  }
  for (let k = 0; k < X.length; k++) {
    if (X[k] - X[k] !== 0) {
      throw new RangeError(`non-finite feature at row ${Math.floor(k / d)}, column ${k % d}`);
    }
  }

  const binned = binFeatures(X, n, d, params.max_bins);
  const grower = new TreeGrower(binned, y, params);
  const trees: DecisionTree[] = [];
  for (let t = 0; t < params.n_trees; t++) {
    trees.push(grower.grow(new SeededRandom(params.seed, 1000 + t)));
    options.onTreeDone?.(t + 1, params.n_trees);
  }
  return new RandomForestModel(trees, d, params);
}
