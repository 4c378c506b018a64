import type { FeatureSummary } from '@app/features/binning';

/**
 * Distribution comparison over fixed bins (DESIGN §9). Counts arrays use the fine-binning layout of
 * `@app/features/binning`: [underflow, bins…, overflow, non-finite]. Non-finite values are data
 * quality, not distribution, so PSI and JS look at every slot but the last.
 */

/** Probabilities of zero are replaced by this before logs are taken (then renormalised). */
export const PSI_EPSILON = 1e-4;

/**
 * Coarse groups: runs of adjacent fine bins holding ≈ equal baseline mass (about `target` groups),
 * with underflow and overflow as groups of their own so moves outside the range always count.
 * Returns the fine-slot index where each group starts; a group ends where the next starts, the last
 * ends before the non-finite slot.
 */
export function coarseGroupStarts(baselineCounts: ArrayLike<number>, target = 10): number[] {
  const last = baselineCounts.length - 2; // overflow slot; the final slot is non-finite
  let inner = 0;
  for (let i = 1; i < last; i++) {
    inner += baselineCounts[i];
  }
  const starts = [0, 1]; // underflow alone, then the bins
  let acc = 0;
  let k = 1;
  for (let i = 1; i < last; i++) {
    acc += baselineCounts[i];
    let cut = false;
    while (k < target && acc >= (inner * k) / target) {
      cut = true;
      k++;
    }
    if (cut && i + 1 < last) {
      starts.push(i + 1);
    }
  }
  starts.push(last); // overflow alone
  return starts;
}

/** Sums fine counts into the coarse groups (the non-finite slot is left out). */
export function groupCounts(counts: ArrayLike<number>, starts: readonly number[]): number[] {
  const end = counts.length - 1;
  return starts.map((s, g) => {
    const e = g + 1 < starts.length ? starts[g + 1] : end;
    let sum = 0;
    for (let i = s; i < e; i++) {
      sum += counts[i];
    }
    return sum;
  });
}

/** Normalised distribution with zero cells raised to epsilon. Null when there is no mass. */
export function smoothedDistribution(counts: readonly number[], epsilon = PSI_EPSILON): number[] | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total <= 0) {
    return null;
  }
  const raised = counts.map((c) => Math.max(c / total, epsilon));
  const z = raised.reduce((a, b) => a + b, 0);
  return raised.map((p) => p / z);
}

/** Population stability index Σ (a − e)·ln(a / e) of actual vs expected group counts. */
export function psi(expected: readonly number[], actual: readonly number[], epsilon = PSI_EPSILON): number | null {
  const e = smoothedDistribution(expected, epsilon);
  const a = smoothedDistribution(actual, epsilon);
  if (!e || !a) {
    return null;
  }
  let sum = 0;
  for (let i = 0; i < e.length; i++) {
    sum += (a[i] - e[i]) * Math.log(a[i] / e[i]);
  }
  return sum;
}

/** Jensen–Shannon distance (square root of the divergence, log base 2, so 0..1) on unsmoothed proportions. */
export function jensenShannonDistance(expected: readonly number[], actual: readonly number[]): number | null {
  const te = expected.reduce((a, b) => a + b, 0);
  const ta = actual.reduce((a, b) => a + b, 0);
  if (te <= 0 || ta <= 0) {
    return null;
  }
  let js = 0;
  for (let i = 0; i < expected.length; i++) {
    const p = expected[i] / te;
    const q = actual[i] / ta;
    const m = (p + q) / 2;
    if (p > 0) {
      js += 0.5 * p * Math.log2(p / m);
    }
    if (q > 0) {
      js += 0.5 * q * Math.log2(q / m);
    }
  }
  return Math.sqrt(Math.max(0, js));
}

/** Approximate moments of a fine histogram from bin midpoints (under/overflow at the range ends). */
export function histogramMoments(
  edges: readonly number[],
  counts: ArrayLike<number>,
): Omit<FeatureSummary, 'edges' | 'counts'> {
  const nonFinite = counts[counts.length - 1];
  const m = edges.length;
  const nBins = Math.max(m - 1, 1);
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  let min: number | null = null;
  let max: number | null = null;
  for (let slot = 0; slot < counts.length - 1; slot++) {
    const c = counts[slot];
    if (c === 0) {
      continue;
    }
    let lo: number;
    let hi: number;
    if (slot === 0) {
      lo = hi = edges[0];
    } else if (slot === nBins + 1) {
      lo = hi = edges[m - 1];
    } else {
      lo = edges[slot - 1];
      hi = m > 1 ? edges[slot] : edges[0];
    }
    const mid = (lo + hi) / 2;
    n += c;
    sum += c * mid;
    sumSq += c * mid * mid;
    min = min === null ? lo : Math.min(min, lo);
    max = max === null ? hi : Math.max(max, hi);
  }
  const mean = n > 0 ? sum / n : null;
  const std = n > 0 && mean !== null ? Math.sqrt(Math.max(0, sumSq / n - mean * mean)) : null;
  return { mean, std, min, max, count: n + nonFinite, non_finite: nonFinite };
}

/** Element-wise sum of counts arrays of one length. */
export function addCounts(target: number[], source: ArrayLike<number>): number[] {
  for (let i = 0; i < source.length; i++) {
    target[i] = (target[i] ?? 0) + source[i];
  }
  return target;
}
