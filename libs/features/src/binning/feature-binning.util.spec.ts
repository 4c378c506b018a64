import {
  binCount,
  binIndex,
  computeFineEdges,
  countBins,
  countsLength,
  equalWidthEdges,
  summarizeFeature,
} from './feature-binning.util';

/** Small seeded PRNG (mulberry32) so the data below is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The layout written out literally, one linear scan: the reference binIndex must agree with. */
function slotByDefinition(edges: number[], x: number): number {
  const m = edges.length;
  const nBins = Math.max(m - 1, 1);
  if (!Number.isFinite(x)) {
    return nBins + 2;
  }
  if (x < edges[0]) {
    return 0;
  }
  if (x > edges[m - 1]) {
    return nBins + 1;
  }
  for (let i = 0; i < nBins - 1; i++) {
    if (edges[i] <= x && x < edges[i + 1]) {
      return 1 + i;
    }
  }
  return nBins; // last bin, closed on the right
}

describe('feature binning layout', () => {
  const edges = [0, 1, 2, 3];

  it('has length edges.length + 2: underflow, edges.length − 1 bins, overflow, non-finite', () => {
    expect(binCount(edges)).toBe(3);
    expect(countsLength(edges)).toBe(6);
  });

  it('puts values in left-closed, right-open bins and the maximum in the last bin', () => {
    expect(binIndex(edges, -0.5)).toBe(0); // underflow
    expect(binIndex(edges, 0)).toBe(1); // bin 0 = [0, 1)
    expect(binIndex(edges, 0.999)).toBe(1);
    expect(binIndex(edges, 1)).toBe(2); // bin 1 = [1, 2)
    expect(binIndex(edges, 2.5)).toBe(3); // bin 2 = [2, 3]
    expect(binIndex(edges, 3)).toBe(3); // last edge closed on the right
    expect(binIndex(edges, 3.0001)).toBe(4); // overflow
    expect(binIndex(edges, NaN)).toBe(5);
    expect(binIndex(edges, Infinity)).toBe(5);
    expect(binIndex(edges, -Infinity)).toBe(5);
  });

  it('gives a single-value feature one zero-width bin holding exactly that value (length 4)', () => {
    const single = [7];
    expect(countsLength(single)).toBe(4);
    expect(binIndex(single, 6.9)).toBe(0);
    expect(binIndex(single, 7)).toBe(1);
    expect(binIndex(single, 7.1)).toBe(2);
    expect(binIndex(single, NaN)).toBe(3);
    expect(countBins([7, 7, 7, 6, 8, NaN], single)).toEqual([1, 3, 1, 1]);
  });

  it('refuses empty edges', () => {
    expect(() => binIndex([], 1)).toThrow(RangeError);
    expect(() => countsLength([])).toThrow(RangeError);
  });

  it('agrees with the literal definition on random data, number[] and Float64Array edges alike', () => {
    const r = rng(11);
    const values = Array.from({ length: 5000 }, () => Math.round((r() * 10 - 5) * 100) / 100);
    const fine = computeFineEdges(values.slice(0, 2000), 50);
    const typed = Float64Array.from(fine);
    const mismatches: number[] = [];
    for (const x of [...values, -100, 100, NaN, ...fine]) {
      const expected = slotByDefinition(fine, x);
      if (binIndex(fine, x) !== expected || binIndex(typed, x) !== expected) {
        mismatches.push(x);
      }
    }
    expect(mismatches).toEqual([]);
  });
});

describe('computeFineEdges', () => {
  it('gives ~maxBins equal-mass bins for a continuous feature, from min to max', () => {
    const r = rng(3);
    const values = Float64Array.from({ length: 20000 }, () => -Math.log(1 - r())); // exponential
    const edges = computeFineEdges(values, 100);

    expect(edges.length).toBe(101);
    expect(edges[0]).toBe(Math.min(...values));
    expect(edges[edges.length - 1]).toBe(Math.max(...values));
    for (let i = 1; i < edges.length; i++) {
      expect(edges[i]).toBeGreaterThan(edges[i - 1]);
    }
    const counts = countBins(values, edges);
    expect(counts[0]).toBe(0);
    expect(counts[counts.length - 2]).toBe(0);
    expect(counts[counts.length - 1]).toBe(0);
    for (const c of counts.slice(1, -2)) {
      expect(c).toBeGreaterThanOrEqual(190);
      expect(c).toBeLessThanOrEqual(210);
    }
  });

  it('gives a discrete feature one bin per distinct value', () => {
    const direction = [-1, 1, 1, -1, 1, 1, 1];
    const edges = computeFineEdges(direction);
    expect(edges).toEqual([-1, 0, 1]);
    expect(countBins(direction, edges)).toEqual([0, 2, 5, 0, 0]);

    const bars = [0, 1, 2, 3, 4, 5, 5, 5];
    const barEdges = computeFineEdges(bars);
    expect(barEdges.length).toBe(7);
    expect(countBins(bars, barEdges)).toEqual([0, 1, 1, 1, 1, 1, 3, 0, 0]);
  });

  it('deduplicates heavy ties, ignores non-finite values and returns [v] for a constant feature', () => {
    const values = [...Array.from({ length: 900 }, () => 0), ...Array.from({ length: 200 }, (_, i) => i + 1), NaN];
    const edges = computeFineEdges(values, 100);
    expect(new Set(edges).size).toBe(edges.length);
    expect(edges[0]).toBe(0);
    expect(edges.length).toBeLessThan(30);

    expect(computeFineEdges([4, 4, 4, Infinity])).toEqual([4]);
  });

  it('refuses data without a finite value and a bad maxBins', () => {
    expect(() => computeFineEdges([NaN, Infinity])).toThrow(RangeError);
    expect(() => computeFineEdges([1, 2], 0)).toThrow(RangeError);
  });
});

describe('summarizeFeature', () => {
  it('reports counts, mean, population std, min, max and non-finite values', () => {
    const values = [1, 2, 3, 4, NaN, -Infinity];
    const summary = summarizeFeature(values, [1, 2, 3, 4]);

    expect(summary.counts).toEqual([0, 1, 1, 2, 0, 2]);
    expect(summary.count).toBe(6);
    expect(summary.non_finite).toBe(2);
    expect(summary.mean).toBeCloseTo(2.5, 12);
    expect(summary.std).toBeCloseTo(Math.sqrt(1.25), 12);
    expect(summary.min).toBe(1);
    expect(summary.max).toBe(4);
    expect(summary.counts.reduce((a, b) => a + b, 0)).toBe(summary.count);
  });

  it('uses null statistics when no value is finite', () => {
    const summary = summarizeFeature([NaN], [0]);
    expect(summary).toMatchObject({ mean: null, std: null, min: null, max: null, count: 1, non_finite: 1 });
    expect(summary.counts).toEqual([0, 0, 0, 1]);
  });
});

describe('equalWidthEdges', () => {
  it('splits [0, 1] into equal bins ending exactly at 1', () => {
    const edges = equalWidthEdges(0, 1, 20);
    expect(edges.length).toBe(21);
    expect(edges[0]).toBe(0);
    expect(edges[20]).toBe(1);
    expect(binIndex(edges, 1)).toBe(20);
    expect(binIndex(edges, 0)).toBe(1);
  });
});
