import { splitRanges } from './histogram-backfill';

const T0 = Date.parse('2025-03-01T00:00:00Z');
const MIN = 60_000;
const at = (minutes: number): Date => new Date(T0 + minutes * MIN);
const minutes = (slices: Array<Array<[Date, Date]>>): number[][][] =>
  slices.map((s) => s.map(([a, b]) => [(a.getTime() - T0) / MIN, (b.getTime() - T0) / MIN]));

describe('splitRanges', () => {
  it('cuts one range into halves on a whole minute', () => {
    expect(minutes(splitRanges([[at(0), at(10)]], 2))).toEqual([[[0, 5]], [[5, 10]]]);
  });

  it('never cuts inside a minute, even when the window starts or ends mid-minute', () => {
    const slices = splitRanges([[at(0.5), at(3.25)]], 2);

    expect(minutes(slices)).toEqual([[[0.5, 2]], [[2, 3.25]]]);
  });

  it('balances durations across gaps, keeping every range whole or cut on a minute', () => {
    const slices = splitRanges(
      [
        [at(0), at(2)],
        [at(10), at(12)],
        [at(20), at(24)],
      ],
      2,
    );

    expect(minutes(slices)).toEqual([
      [
        [0, 2],
        [10, 12],
      ],
      [[20, 24]],
    ]);
  });

  it('returns one slice for n = 1, fewer slices than n for a single minute, none for nothing', () => {
    expect(minutes(splitRanges([[at(0), at(7)]], 1))).toEqual([[[0, 7]]]);
    expect(minutes(splitRanges([[at(3), at(4)]], 2))).toEqual([[[3, 4]]]);
    expect(splitRanges([], 2)).toEqual([]);
  });
});
