import { MinuteBuckets } from './minute-buckets';
import { minuteOfMicros } from './raw-prediction-page';

describe('MinuteBuckets', () => {
  it('hands out finished minutes oldest first, every arm of a minute together, and keeps the open minute', () => {
    // Arrange: minutes arrive out of order within a page.
    const buckets = new MinuteBuckets(3);
    buckets.counts(12, 'ml')[0]++;
    buckets.counts(10, 'control')[1]++;
    buckets.counts(11, 'ml')[2]++;
    buckets.counts(10, 'ml')[0] += 2;
    buckets.counts(12, 'ml')[0]++;

    // Act
    const done = buckets.take(12);
    const rest = buckets.take();

    // Assert
    expect(done.map((b) => [b.minute, b.arm, Array.from(b.counts)])).toEqual([
      [10, 'control', [0, 1, 0]],
      [10, 'ml', [2, 0, 0]],
      [11, 'ml', [0, 0, 1]],
    ]);
    expect(rest.map((b) => [b.minute, b.arm, Array.from(b.counts)])).toEqual([[12, 'ml', [2, 0, 0]]]);
    expect(buckets.take()).toEqual([]);
  });

  it('starts a fresh bucket for a minute counted again after it was handed out', () => {
    const buckets = new MinuteBuckets(1);
    buckets.counts(5, 'ml')[0]++;
    const first = buckets.take();

    buckets.counts(5, 'ml')[0]++;

    expect(first[0].counts[0]).toBe(1);
    expect(buckets.take()[0].counts[0]).toBe(1);
  });
});

describe('minuteOfMicros', () => {
  it('floors to the minute exactly at the microsecond around boundaries, before 1970 too', () => {
    const t = Date.parse('2025-03-01T10:01:00Z') * 1000;

    expect(minuteOfMicros(t)).toBe(t / 60_000_000);
    expect(minuteOfMicros(t - 1)).toBe(t / 60_000_000 - 1);
    expect(minuteOfMicros(t + 59_999_999)).toBe(t / 60_000_000);
    expect(minuteOfMicros(-1)).toBe(-1);
    expect(minuteOfMicros(-60_000_000)).toBe(-1);
  });
});
