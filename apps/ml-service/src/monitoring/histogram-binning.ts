import { countsLength, equalWidthEdges } from '@app/features/binning';
import { FEATURE_NAMES } from '@app/features';

/** Name under which the ML confidence histogram is stored next to the 52 features. */
export const PREDICTION_FEATURE = '__prediction__';

/** Cells of the uniform lookup grid per series (HistogramBinning.slot): ~100 kB of tables per model. */
const GRID_CELLS = 1024;

/** Confidence bins when a card carries none: 20 equal bins over [0, 1]. */
export const DEFAULT_PREDICTION_EDGES = equalWidthEdges(0, 1, 20);

interface CardStatistics {
  model_version: string;
  feature_statistics?: Record<string, { edges?: number[] } | undefined>;
  prediction_statistics?: { edges?: number[] };
}

/**
 * The fixed fine binning of one model (DESIGN §9): per feature the card's quantile edges, plus the
 * confidence edges, laid out as one flat counts array with an offset per series.
 */
export class HistogramBinning {
  readonly names: string[];
  readonly edges: Float64Array[];
  readonly offsets: Int32Array;
  readonly length: number;

  // Lookup tables of slot(): every series' edges in one array, each followed by +Infinity; per series
  // its first edge, last edge, bin count and cell scale; per cell of a uniform grid over
  // [first, last] a lower bound of the answer (see slot()).
  private readonly flatEdges: Float64Array;
  private readonly edgeStart: Int32Array;
  private readonly first: Float64Array;
  private readonly last: Float64Array;
  private readonly scale: Float64Array;
  private readonly bins: Int32Array;
  private readonly cellStart: Uint16Array;

  private constructor(
    readonly modelVersion: string,
    edges: number[][],
  ) {
    this.names = [...FEATURE_NAMES, PREDICTION_FEATURE];
    this.edges = edges.map((e) => Float64Array.from(e));
    this.offsets = new Int32Array(this.names.length + 1);
    for (let i = 0; i < this.names.length; i++) {
      this.offsets[i + 1] = this.offsets[i] + countsLength(this.edges[i]);
    }
    this.length = this.offsets[this.names.length];

    const n = this.edges.length;
    this.edgeStart = new Int32Array(n + 1);
    this.edges.forEach((e, i) => (this.edgeStart[i + 1] = this.edgeStart[i] + e.length + 1));
    this.flatEdges = new Float64Array(this.edgeStart[n]);
    this.first = new Float64Array(n);
    this.last = new Float64Array(n);
    this.scale = new Float64Array(n);
    this.bins = new Int32Array(n);
    this.cellStart = new Uint16Array(n * GRID_CELLS);
    this.edges.forEach((e, i) => {
      const m = e.length;
      if (m === 0 || m > 0xffff) {
        throw new RangeError(`series ${this.names[i]} has ${m} edges (1..65535 supported)`);
      }
      this.flatEdges.set(e, this.edgeStart[i]);
      this.flatEdges[this.edgeStart[i] + m] = Infinity;
      this.first[i] = e[0];
      this.last[i] = e[m - 1];
      // A non-finite scale (degenerate or huge range) only makes slot() scan from edge 0: still exact.
      const scale = m > 1 ? GRID_CELLS / (e[m - 1] - e[0]) : 0;
      this.scale[i] = Number.isFinite(scale) ? scale : 0;
      this.bins[i] = m > 1 ? m - 1 : 1;
      // cellStart[c] = the largest k whose edge falls in a cell before c (0 if none): a lower bound of
      // the answer for every x in cell c, because cell() is monotone in x.
      let k = 0;
      for (let c = 0; c < GRID_CELLS; c++) {
        while (k + 1 < m && this.cell(i, e[k + 1]) < c) {
          k++;
        }
        this.cellStart[i * GRID_CELLS + c] = this.cell(i, e[k]) < c ? k : 0;
      }
    });
  }

  /** Grid cell of a value in [first, last] of series i: the same arithmetic at build time and at lookup. */
  private cell(i: number, x: number): number {
    const c = ((x - this.first[i]) * this.scale[i]) | 0;
    return c > GRID_CELLS - 1 ? GRID_CELLS - 1 : c;
  }

  /**
   * binIndex(this.edges[i], x), in ~25 ns instead of a binary search's ~75: the grid cell of x gives a
   * lower bound of the answer and a short forward scan (the +Infinity sentinel stops it) finishes.
   */
  slot(i: number, x: number): number {
    const nBins = this.bins[i];
    // x − x is 0 for every finite x and NaN for NaN and ±Infinity.
    if (x - x !== 0) {
      return nBins + 2;
    }
    if (x < this.first[i]) {
      return 0;
    }
    if (x > this.last[i]) {
      return nBins + 1;
    }
    const base = this.edgeStart[i];
    let lo = this.cellStart[i * GRID_CELLS + this.cell(i, x)];
    while (this.flatEdges[base + lo + 1] <= x) {
      lo++;
    }
    // x equal to the last edge belongs to the last bin (closed on the right).
    return 1 + (lo < nBins ? lo : nBins - 1);
  }

  /** Binning from a model card; null when the card has no usable feature statistics. */
  static fromCard(card: CardStatistics): HistogramBinning | null {
    const stats = card.feature_statistics;
    if (!stats) {
      return null;
    }
    const edges: number[][] = [];
    for (const name of FEATURE_NAMES) {
      const e = stats[name]?.edges;
      if (!Array.isArray(e) || e.length === 0 || e.some((x, i) => !Number.isFinite(x) || (i > 0 && x <= e[i - 1]))) {
        return null;
      }
      edges.push(e);
    }
    const pe = card.prediction_statistics?.edges;
    edges.push(Array.isArray(pe) && pe.length > 1 ? pe : DEFAULT_PREDICTION_EDGES);
    return new HistogramBinning(card.model_version, edges);
  }

  /** The binning a baseline was captured with (its model's edges), to read or rebuild counts in the same bins. */
  static fromReference(ref: {
    model_version: string | null;
    features: Record<string, { edges: number[] }>;
    prediction: { edges: number[] } | null;
  }): HistogramBinning {
    const edges = FEATURE_NAMES.map((name) => ref.features[name].edges);
    edges.push(ref.prediction?.edges ?? DEFAULT_PREDICTION_EDGES);
    return new HistogramBinning(ref.model_version ?? 'unknown', edges);
  }

  /** Adds one request: one slot per feature, and the confidence when the model answered. */
  add(counts: Uint32Array, features: ArrayLike<number>, confidence: number | null): void {
    const n = FEATURE_NAMES.length;
    for (let i = 0; i < n; i++) {
      counts[this.offsets[i] + this.slot(i, features[i])]++;
    }
    if (confidence !== null) {
      counts[this.offsets[n] + this.slot(n, Math.fround(confidence))]++;
    }
  }

  /** The counts of series i as a plain array. */
  slice(counts: Uint32Array, i: number): number[] {
    return Array.from(counts.subarray(this.offsets[i], this.offsets[i + 1]));
  }
}
