import { coarseGroupStarts, groupCounts, histogramMoments, jensenShannonDistance, psi } from './drift-statistics.util';

describe('coarse groups', () => {
  it('cuts ~10 runs of adjacent fine bins with ≈ equal baseline mass, under/overflow alone', () => {
    const counts = [3, ...Array.from({ length: 100 }, () => 10), 4, 7]; // under, 100 bins, over, non-finite
    const starts = coarseGroupStarts(counts, 10);
    expect(starts[0]).toBe(0);
    expect(starts[1]).toBe(1);
    expect(starts[starts.length - 1]).toBe(101);
    const groups = groupCounts(counts, starts);
    expect(groups[0]).toBe(3);
    expect(groups[groups.length - 1]).toBe(4);
    const inner = groups.slice(1, -1);
    expect(inner).toHaveLength(10);
    inner.forEach((g) => expect(g).toBe(100));
    expect(groups.reduce((a, b) => a + b, 0)).toBe(1007); // 3 + 1000 + 4: the 7 non-finite are excluded
  });

  it('keeps a heavy single bin as one group and never creates empty trailing groups', () => {
    const counts = [0, 900, 10, 10, 10, 0, 0]; // 5 bins, the first heavy
    const starts = coarseGroupStarts(counts, 10);
    const groups = groupCounts(counts, starts);
    expect(groups.reduce((a, b) => a + b, 0)).toBe(930);
    expect(new Set(starts).size).toBe(starts.length);
  });

  it('handles a single-value feature (one zero-width bin)', () => {
    expect(coarseGroupStarts([0, 50, 0, 0])).toEqual([0, 1, 2]);
  });
});

describe('PSI and Jensen–Shannon', () => {
  it('is zero for identical distributions, whatever the sample sizes', () => {
    expect(psi([10, 20, 30], [100, 200, 300])).toBeCloseTo(0, 12);
    expect(jensenShannonDistance([10, 20, 30], [100, 200, 300])).toBeCloseTo(0, 7);
  });

  it('matches the textbook formula', () => {
    const e = [0.25, 0.25, 0.5];
    const a = [0.5, 0.25, 0.25];
    const expected = (0.5 - 0.25) * Math.log(0.5 / 0.25) + 0 + (0.25 - 0.5) * Math.log(0.25 / 0.5);
    expect(psi(e, a, 0)).toBeCloseTo(expected, 12);
    const m = e.map((p, i) => (p + a[i]) / 2);
    const kl = (p: number[], q: number[]) => p.reduce((s, pi, i) => s + (pi > 0 ? pi * Math.log2(pi / q[i]) : 0), 0);
    expect(jensenShannonDistance(e, a)).toBeCloseTo(Math.sqrt(0.5 * kl(e, m) + 0.5 * kl(a, m)), 12);
  });

  it('stays finite when a group is empty on one side (epsilon smoothing) and JS stays ≤ 1', () => {
    const value = psi([100, 0], [0, 100]);
    expect(Number.isFinite(value)).toBe(true);
    expect(value).toBeGreaterThan(5);
    expect(jensenShannonDistance([100, 0], [0, 100])).toBeCloseTo(1, 12);
  });

  it('is null without data', () => {
    expect(psi([0, 0], [1, 2])).toBeNull();
    expect(jensenShannonDistance([1, 2], [0, 0])).toBeNull();
  });
});

describe('histogramMoments', () => {
  it('approximates mean and std from bin midpoints and counts non-finite separately', () => {
    const edges = [0, 1, 2, 3];
    const counts = [0, 10, 10, 10, 0, 5]; // under, 3 bins, over, non-finite
    const m = histogramMoments(edges, counts);
    expect(m.mean).toBeCloseTo(1.5, 12);
    expect(m.std).toBeCloseTo(Math.sqrt(2 / 3), 12);
    expect(m).toMatchObject({ min: 0, max: 3, count: 35, non_finite: 5 });
  });
});
