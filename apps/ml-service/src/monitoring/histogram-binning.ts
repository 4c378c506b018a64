import { binIndex, countsLength, equalWidthEdges } from '@app/features/binning';
import { FEATURE_NAMES } from '@app/features';

/** Name under which the ML confidence histogram is stored next to the 52 features. */
export const PREDICTION_FEATURE = '__prediction__';

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
      counts[this.offsets[i] + binIndex(this.edges[i], features[i])]++;
    }
    if (confidence !== null) {
      counts[this.offsets[n] + binIndex(this.edges[n], Math.fround(confidence))]++;
    }
  }

  /** The counts of series i as a plain array. */
  slice(counts: Uint32Array, i: number): number[] {
    return Array.from(counts.subarray(this.offsets[i], this.offsets[i + 1]));
  }
}
