import { LogHistogram } from './log-histogram';

function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

describe('LogHistogram', () => {
  it('returns null quantiles when empty', () => {
    expect(new LogHistogram().quantile(0.5)).toBeNull();
  });

  it('keeps quantiles within 5% of the exact value over six decades', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const values = Array.from({ length: 20000 }, () => Math.exp(rand() * 14 - 6)); // ~0.0025 ms .. 3000 ms
    const h = new LogHistogram();
    values.forEach((v) => h.record(v));
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.95, 0.99]) {
      const exact = exactQuantile(sorted, q);
      const approx = h.quantile(q)!;
      expect(Math.abs(approx - exact) / exact).toBeLessThan(0.05);
    }
  });

  it('merges exactly: two halves equal the whole', () => {
    const a = new LogHistogram();
    const b = new LogHistogram();
    const whole = new LogHistogram();
    for (let i = 1; i <= 1000; i++) {
      (i % 2 ? a : b).record(i / 10);
      whole.record(i / 10);
    }
    const merged = new LogHistogram().merge(a).merge(b);
    expect(Array.from(merged.counts)).toEqual(Array.from(whole.counts));
    expect(merged.total).toBe(1000);
    expect(merged.quantile(0.95)).toBe(whole.quantile(0.95));
  });

  it('never reports a quantile above the observed maximum', () => {
    const h = new LogHistogram();
    h.record(1.01);
    expect(h.quantile(0.99)).toBe(1.01);
  });
});
