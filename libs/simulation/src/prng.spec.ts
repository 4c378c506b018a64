import { Prng, deriveSeed } from './prng';

describe('Prng', () => {
  it('repeats the same sequence for the same seed and differs across seeds', () => {
    // Arrange
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);

    // Act
    const seqA = Array.from({ length: 100 }, () => a.nextUint32());
    const seqB = Array.from({ length: 100 }, () => b.nextUint32());
    const seqC = Array.from({ length: 100 }, () => c.nextUint32());

    // Assert
    expect(seqA).toEqual(seqB);
    expect(seqA).not.toEqual(seqC);
  });

  it('draws uniforms in [0, 1) with mean 1/2 and normals with mean 0 and variance 1', () => {
    const rng = new Prng(7);
    const n = 200_000;
    let sumU = 0;
    let minU = 1;
    let maxU = 0;
    let sumZ = 0;
    let sumZ2 = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      sumU += u;
      minU = Math.min(minU, u);
      maxU = Math.max(maxU, u);
      const z = rng.normal();
      sumZ += z;
      sumZ2 += z * z;
    }
    expect(minU).toBeGreaterThanOrEqual(0);
    expect(maxU).toBeLessThan(1);
    expect(sumU / n).toBeCloseTo(0.5, 2);
    expect(sumZ / n).toBeCloseTo(0, 2);
    expect(sumZ2 / n).toBeCloseTo(1, 1);
  });

  it('keeps int() within its inclusive bounds and reaches both ends', () => {
    const rng = new Prng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      seen.add(rng.int(3, 6));
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
  });

  it('picks weighted keys in proportion to their weights', () => {
    const rng = new Prng(9);
    let heavy = 0;
    for (let i = 0; i < 10_000; i++) {
      if (rng.weighted({ light: 1, heavy: 3, never: 0 }) === 'heavy') {
        heavy++;
      }
    }
    expect(heavy / 10_000).toBeCloseTo(0.75, 1);
  });

  it('derives distinct stream seeds and refuses non-integer seeds', () => {
    const seeds = new Set(Array.from({ length: 1000 }, (_, i) => deriveSeed(5, i)));
    expect(seeds.size).toBe(1000);
    expect(deriveSeed(2 ** 40 + 1)).not.toBe(deriveSeed(1));
    expect(() => new Prng(1.5)).toThrow(RangeError);
    expect(() => deriveSeed(Number.NaN)).toThrow(RangeError);
  });
});
