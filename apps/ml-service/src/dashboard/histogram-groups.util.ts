/**
 * Coarse drift groups as value ranges, shared by the server-side HTML report and the browser page
 * (no imports: the browser bundle includes this file). Counts use the fine layout of
 * `@app/features/binning`: [underflow, bins…, overflow, non-finite]; a group starts at a fine slot
 * and ends where the next one starts, the last one before the non-finite slot.
 */

/** Value range of one coarse group; null bounds are −∞ / +∞. */
export interface GroupRange {
  lo: number | null;
  hi: number | null;
}

/** Lower bound of a fine slot: slot 0 is the underflow, slot k ≥ 1 starts at edges[k − 1]. */
function slotLower(edges: readonly number[], slot: number): number | null {
  if (slot <= 0) {
    return null;
  }
  return edges[Math.min(slot - 1, edges.length - 1)] ?? null;
}

/** The value range of each coarse group, from the baseline's fine edges and group starts. */
export function groupRanges(edges: readonly number[], starts: readonly number[], countsLength: number): GroupRange[] {
  const overflow = countsLength - 2;
  return starts.map((s, g) => {
    const end = g + 1 < starts.length ? starts[g + 1] : countsLength - 1;
    return {
      lo: slotLower(edges, s),
      hi: s >= overflow || end > overflow ? null : slotLower(edges, end),
    };
  });
}

/** A number in at most 3 significant digits (exponent form outside 1e-3..1e5). */
export function compactNumber(v: number): string {
  if (v === 0) {
    return '0';
  }
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) {
    return v.toExponential(1);
  }
  return String(Number(v.toPrecision(3)));
}

/** Short label of a group: "< 0.1", "0.1 – 0.25", "> 3". */
export function groupLabel(r: GroupRange): string {
  if (r.lo === null && r.hi === null) {
    return 'all';
  }
  if (r.lo === null) {
    return `< ${compactNumber(r.hi as number)}`;
  }
  if (r.hi === null) {
    return `> ${compactNumber(r.lo)}`;
  }
  return `${compactNumber(r.lo)} – ${compactNumber(r.hi)}`;
}

/** Shares of the total (all zeros when the total is zero). */
export function proportions(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (total > 0 ? c / total : 0));
}
