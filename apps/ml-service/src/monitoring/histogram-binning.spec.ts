import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { binIndex } from '@app/features/binning';
import { FEATURE_NAMES } from '@app/features';
import { HistogramBinning } from './histogram-binning';

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

/** Values around every edge and across the range, float32-rounded too, plus the non-finite ones. */
function probes(edges: Float64Array, r: () => number): number[] {
  const lo = edges[0];
  const hi = edges[edges.length - 1];
  const span = hi - lo || 1;
  const xs = [NaN, Infinity, -Infinity, lo - span, hi + span, -0, 0];
  for (const e of edges) {
    xs.push(e, Math.fround(e), e - span * 1e-9, e + span * 1e-9, e * (1 - Number.EPSILON), e * (1 + Number.EPSILON));
  }
  for (let k = 0; k < 2000; k++) {
    const x = lo - 0.1 * span + r() * 1.2 * span;
    xs.push(x, Math.fround(x));
  }
  return xs;
}

function binningWith(features: number[][], prediction: number[]): HistogramBinning {
  return HistogramBinning.fromReference({
    model_version: 'spec',
    features: Object.fromEntries(FEATURE_NAMES.map((name, i) => [name, { edges: features[i % features.length] }])),
    prediction: { edges: prediction },
  });
}

describe('HistogramBinning.slot', () => {
  it('equals binIndex for the shipped champion card, at and around every edge', () => {
    // Arrange
    const card = JSON.parse(
      readFileSync(resolve(__dirname, '../../../../models/phase5/champion/model_card.json'), 'utf8'),
    ) as Parameters<typeof HistogramBinning.fromCard>[0];
    const binning = HistogramBinning.fromCard(card)!;
    const r = rng(1);

    // Act
    const mismatches: string[] = [];
    binning.edges.forEach((edges, i) => {
      for (const x of probes(edges, r)) {
        if (binning.slot(i, x) !== binIndex(edges, x)) {
          mismatches.push(`${binning.names[i]} x=${x}: ${binning.slot(i, x)} ≠ ${binIndex(edges, x)}`);
        }
      }
    });

    // Assert
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it('equals binIndex for single, heavy-tailed, tiny-range and huge-range edges', () => {
    // Arrange
    const r = rng(2);
    const heavy = Array.from({ length: 101 }, (_, k) => Math.exp(k / 4) - 1);
    const tiny = Array.from({ length: 50 }, (_, k) => 1 + k * 1e-13);
    const huge = [-1e308, -1, 0, 1, 1e308];
    const binning = binningWith([[7], [0, 1], heavy, tiny, huge], [0, 0.25, 0.5, 0.75, 1]);

    // Act
    const mismatches: string[] = [];
    binning.edges.forEach((edges, i) => {
      for (const x of probes(edges, r)) {
        if (binning.slot(i, x) !== binIndex(edges, x)) {
          mismatches.push(`series ${i} x=${x}: ${binning.slot(i, x)} ≠ ${binIndex(edges, x)}`);
        }
      }
    });

    // Assert
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it('add() counts one slot per feature and the confidence, as binIndex places them', () => {
    // Arrange
    const r = rng(3);
    const binning = binningWith([Array.from({ length: 30 }, (_, k) => k * k)], [0, 0.5, 1]);
    const counts = new Uint32Array(binning.length);
    const expected = new Uint32Array(binning.length);
    const n = FEATURE_NAMES.length;

    // Act
    for (let k = 0; k < 500; k++) {
      const features = Float32Array.from({ length: n }, () => (r() < 0.05 ? NaN : r() * 1000 - 50));
      const confidence = k % 3 === 0 ? null : r();
      binning.add(counts, features, confidence);
      features.forEach((x, i) => expected[binning.offsets[i] + binIndex(binning.edges[i], x)]++);
      if (confidence !== null) {
        expected[binning.offsets[n] + binIndex(binning.edges[n], Math.fround(confidence))]++;
      }
    }

    // Assert
    expect(Array.from(counts)).toEqual(Array.from(expected));
  });
});
