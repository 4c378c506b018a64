import { FEATURE_COUNT, FEATURE_INDEX } from '@app/features/feature-schema.constants';

import { createDataset, createDatasetFromMatrix, splitDataset } from './dataset';
import { makeSyntheticDataset } from './testing/synthetic-dataset.factory';

function row(fill: number, overrides: Record<number, number> = {}): number[] {
  const values = Array.from({ length: FEATURE_COUNT }, () => fill);
  for (const [index, value] of Object.entries(overrides)) {
    values[Number(index)] = value;
  }
  return values;
}

describe('createDataset', () => {
  it('drops rows with NaN, ±Infinity or float32 overflow and reports how many', () => {
    const rule = FEATURE_INDEX.rule_confidence;
    const rows = [
      row(1, { [rule]: 0.7 }),
      row(1, { 3: NaN }),
      row(2, { [rule]: 0.2 }),
      row(1, { 5: -Infinity }),
      row(1, { 7: 1e39 }), // finite in float64, Infinity in float32
    ];

    const { dataset, droppedNonFinite } = createDataset(rows, [1, 0, 0, 1, 1]);

    expect(droppedNonFinite).toBe(3);
    expect(dataset.n).toBe(2);
    expect(dataset.d).toBe(FEATURE_COUNT);
    expect(Array.from(dataset.y)).toEqual([1, 0]);
    expect(dataset.X[FEATURE_COUNT]).toBe(2);
    expect(Array.from(dataset.ruleConfidence)).toEqual([Math.fround(0.7), Math.fround(0.2)]);
  });

  it('refuses labels other than 0/1 and rows of the wrong width', () => {
    expect(() => createDataset([row(0)], [2])).toThrow(RangeError);
    expect(() => createDataset([[1, 2, 3]], [1])).toThrow(RangeError);
    expect(() => createDatasetFromMatrix([1, 2], [1], 1, 2, { ruleConfidenceIndex: 5 })).toThrow(RangeError);
  });
});

describe('splitDataset', () => {
  const dataset = makeSyntheticDataset(1000, 1);

  it('splits into disjoint train and holdout of the requested size, rows kept intact', () => {
    const { train, holdout } = splitDataset(dataset, { holdoutFraction: 0.25, seed: 3 });

    expect(holdout.n).toBe(250);
    expect(train.n).toBe(750);
    const key = (X: Float32Array, i: number): string => X.subarray(i * 52, i * 52 + 52).join(',');
    const all = new Map(Array.from({ length: dataset.n }, (_, i) => [key(dataset.X, i), dataset.y[i]]));
    const seen = new Set<string>();
    for (const part of [train, holdout]) {
      for (let i = 0; i < part.n; i++) {
        const k = key(part.X, i);
        expect(all.get(k)).toBe(part.y[i]);
        expect(part.ruleConfidence[i]).toBe(part.X[i * 52 + FEATURE_INDEX.rule_confidence]);
        seen.add(k);
      }
    }
    expect(seen.size).toBe(1000);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const a = splitDataset(dataset, { seed: 3 });
    const b = splitDataset(dataset, { seed: 3 });
    const c = splitDataset(dataset, { seed: 4 });
    expect(Array.from(a.holdout.X)).toEqual(Array.from(b.holdout.X));
    expect(Array.from(a.holdout.X)).not.toEqual(Array.from(c.holdout.X));
  });
});
