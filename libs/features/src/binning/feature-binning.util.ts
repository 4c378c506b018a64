/**
 * Fixed fine binning of one feature (DESIGN §9): quantile edges learnt once from the training data,
 * then a mergeable counts array per feature that the service, the model card and the raw-log backfill
 * all fill the same way.
 *
 * Counts layout, for strictly increasing `edges` e[0] < e[1] < … < e[m−1] with m ≥ 1 and
 * `nBins = max(m − 1, 1)` (see {@link binCount}):
 *
 * | slot                      | holds                                                              |
 * |---------------------------|--------------------------------------------------------------------|
 * | 0                         | underflow: finite x < e[0]                                         |
 * | 1 + i, 0 ≤ i < nBins − 1  | bin i: e[i] ≤ x < e[i+1] (left-closed, right-open)                 |
 * | nBins                     | last bin: e[nBins−1] ≤ x ≤ e[m−1] (closed on the right: holds max) |
 * | nBins + 1                 | overflow: finite x > e[m−1]                                        |
 * | nBins + 2                 | non-finite: NaN, +Infinity, −Infinity                              |
 *
 * Length = nBins + 3 ({@link countsLength}): `m + 2` whenever m ≥ 2. A feature with a single distinct
 * training value has edges `[v]` and one zero-width bin that holds exactly x = v (length 4).
 *
 * Bin the value exactly as it is stored (e.g. `Math.fround(x)` for a `real[]` column) so the request path
 * and the backfill from the raw log agree.
 */

/** Per-feature summary stored in the model card (`feature_statistics`) and used as the training baseline. */
export interface FeatureSummary {
  /** Strictly increasing fine edges (see the layout above). */
  edges: number[];
  /** Counts in the layout above; length {@link countsLength}(edges). */
  counts: number[];
  /** Mean of the finite values; null when there is none. */
  mean: number | null;
  /** Population standard deviation of the finite values; null when there is none. */
  std: number | null;
  min: number | null;
  max: number | null;
  /** All values, finite or not (= the sum of `counts`). */
  count: number;
  non_finite: number;
}

/** Number of bins between edges (the zero-width single bin included): max(edges.length − 1, 1). */
export function binCount(edges: ArrayLike<number>): number {
  if (edges.length === 0) {
    throw new RangeError('edges must hold at least one value');
  }
  return edges.length > 1 ? edges.length - 1 : 1;
}

/** Length of a counts array for these edges: underflow + bins + overflow + non-finite. */
export function countsLength(edges: ArrayLike<number>): number {
  return binCount(edges) + 3;
}

/**
 * Slot of `x` in the counts array of `edges` (layout in this file's header). Binary search, no allocation;
 * `edges` must be strictly increasing (a Float64Array is fastest).
 */
export function binIndex(edges: ArrayLike<number>, x: number): number {
  const m = edges.length;
  if (m === 0) {
    throw new RangeError('edges must hold at least one value');
  }
  const nBins = m > 1 ? m - 1 : 1;
  // x − x is 0 for every finite x and NaN for NaN and ±Infinity.
  if (x - x !== 0) {
    return nBins + 2;
  }
  if (x < edges[0]) {
    return 0;
  }
  if (x > edges[m - 1]) {
    return nBins + 1;
  }
  // Largest i with edges[i] <= x; exists because edges[0] <= x <= edges[m − 1].
  let lo = 0;
  let hi = m - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (edges[mid] <= x) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  // x equal to the last edge belongs to the last bin (closed on the right).
  return 1 + (lo < nBins ? lo : nBins - 1);
}

/**
 * About `maxBins` fine edges from training values (non-finite values ignored), strictly increasing.
 *
 * - Up to `maxBins` distinct values (discrete features): one bin per distinct value, edges at the
 *   minimum, the midpoints between neighbouring values and the maximum (k values → k bins, k + 1 edges).
 *   A single distinct value v gives `[v]`.
 * - More distinct values: the values at the quantiles q/maxBins, q = 0…maxBins (nearest rank), deduplicated,
 *   so heavy ties merge bins; the first edge is the minimum and the last the maximum.
 *
 * Throws a RangeError when no value is finite.
 */
export function computeFineEdges(values: ArrayLike<number>, maxBins = 100): number[] {
  if (!Number.isInteger(maxBins) || maxBins < 1) {
    throw new RangeError(`maxBins must be a positive integer, got ${maxBins}`);
  }
  const sorted = finiteSorted(values);
  const n = sorted.length;
  if (n === 0) {
    throw new RangeError('cannot compute bin edges without a finite value');
  }

  const distinct: number[] = [];
  for (let i = 0; i < n && distinct.length <= maxBins; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) {
      distinct.push(sorted[i]);
    }
  }

  const edges: number[] = [];
  const push = (e: number): void => {
    if (edges.length === 0 || e > edges[edges.length - 1]) {
      edges.push(e);
    }
  };
  if (distinct.length <= maxBins) {
    push(distinct[0]);
    for (let i = 1; i < distinct.length; i++) {
      push(distinct[i - 1] / 2 + distinct[i] / 2);
    }
    if (distinct.length > 1) {
      push(distinct[distinct.length - 1]);
    }
    return edges;
  }
  for (let q = 0; q <= maxBins; q++) {
    push(sorted[Math.round((q * (n - 1)) / maxBins)]);
  }
  return edges;
}

/** Equal-width edges over [min, max] in `nBins` bins (used for the prediction-confidence histogram). */
export function equalWidthEdges(min: number, max: number, nBins: number): number[] {
  if (!Number.isInteger(nBins) || nBins < 1 || !(max > min)) {
    throw new RangeError(`need nBins >= 1 and max > min, got ${nBins}, [${min}, ${max}]`);
  }
  const edges: number[] = [];
  for (let i = 0; i <= nBins; i++) {
    edges.push(i === nBins ? max : min + ((max - min) * i) / nBins);
  }
  return edges;
}

/** Counts of `values` in the layout of `edges`. */
export function countBins(values: ArrayLike<number>, edges: ArrayLike<number>): number[] {
  const counts = new Array<number>(countsLength(edges)).fill(0);
  for (let i = 0; i < values.length; i++) {
    counts[binIndex(edges, values[i])]++;
  }
  return counts;
}

/** Counts, mean, population std, min, max and non-finite count of `values` for the given edges. */
export function summarizeFeature(values: ArrayLike<number>, edges: ArrayLike<number>): FeatureSummary {
  const counts = countBins(values, edges);
  let finite = 0;
  let mean = 0;
  let m2 = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (x - x !== 0) {
      continue;
    }
    // Welford: stable for large offsets.
    finite++;
    const delta = x - mean;
    mean += delta / finite;
    m2 += delta * (x - mean);
    if (x < min) {
      min = x;
    }
    if (x > max) {
      max = x;
    }
  }
  return {
    edges: Array.from(edges),
    counts,
    mean: finite > 0 ? mean : null,
    std: finite > 0 ? Math.sqrt(m2 / finite) : null,
    min: finite > 0 ? min : null,
    max: finite > 0 ? max : null,
    count: values.length,
    non_finite: values.length - finite,
  };
}

function finiteSorted(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  let k = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (x - x === 0) {
      out[k++] = x;
    }
  }
  return out.subarray(0, k).sort();
}
