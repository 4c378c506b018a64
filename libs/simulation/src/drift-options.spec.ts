import type { Candle } from '@app/features/pattern-input.interface';
import { generatePatterns } from './pattern-generator.util';
import type { SimulationOptions } from './simulation-options.interface';

const SEED = 31;
const COUNT = 400;

function logReturns(candles: readonly Candle[], lastBars: number): number[] {
  const out: number[] = [];
  for (let i = candles.length - lastBars; i < candles.length; i++) {
    out.push(Math.log(candles[i].c / candles[i - 1].c));
  }
  return out;
}

function std(xs: readonly number[]): number {
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}

function mean(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

/** Mean over patterns of the realized volatility of the last `bars` returns. */
function meanRealizedVol(opts: SimulationOptions, bars: number): number {
  return mean(generatePatterns(SEED, COUNT, opts).map((p) => std(logReturns(p.input.candles, bars))));
}

describe('drift options', () => {
  it('multiply volume by k on the recent bars only', () => {
    // Arrange
    const recentBars = 20;
    const base = generatePatterns(SEED, COUNT, { timeframe: '1h' });

    // Act
    const shifted = generatePatterns(SEED, COUNT, { timeframe: '1h', volumeMultiplier: 3, recentBars });

    // Assert
    base.forEach((b, i) => {
      const s = shifted[i];
      const n = b.input.candles.length;
      for (let j = 0; j < n - recentBars; j++) {
        expect(s.input.candles[j].v).toBe(b.input.candles[j].v);
      }
      const baseRecent = b.input.candles.slice(n - recentBars).reduce((sum, c) => sum + c.v, 0);
      const shiftedRecent = s.input.candles.slice(n - recentBars).reduce((sum, c) => sum + c.v, 0);
      expect(shiftedRecent / baseRecent).toBeCloseTo(3, 2);
      expect(s.input.candles.map((c) => c.c)).toEqual(b.input.candles.map((c) => c.c));
    });
    // A surge on the last bars (the breakout) reads as volume confirmation.
    const surged = generatePatterns(SEED, COUNT, { timeframe: '1h', volumeMultiplier: 3, recentBars: 3 });
    expect(mean(surged.map((p) => p.latent.volumeConfirmation))).toBeGreaterThan(
      1.8 * mean(base.map((p) => p.latent.volumeConfirmation)),
    );
  });

  it('raise realized volatility in the high regime and lower it in the low one', () => {
    const low = meanRealizedVol({ timeframe: '4h', volatilityRegime: 'low' }, 50);
    const normal = meanRealizedVol({ timeframe: '4h', volatilityRegime: 'normal' }, 50);
    const high = meanRealizedVol({ timeframe: '4h', volatilityRegime: 'high' }, 50);
    expect(normal).toBeGreaterThan(1.3 * low);
    expect(high).toBeGreaterThan(1.5 * normal);
  });

  it('scale volatility by a numeric factor, on the recent bars when asked', () => {
    const base = meanRealizedVol({ timeframe: '1d' }, 30);
    const doubled = meanRealizedVol({ timeframe: '1d', volatilityRegime: 2, recentBars: 30 }, 30);
    const earlyBase = mean(
      generatePatterns(SEED, COUNT, { timeframe: '1d' }).map((p) => std(logReturns(p.input.candles.slice(0, 100), 60))),
    );
    const earlyShifted = mean(
      generatePatterns(SEED, COUNT, { timeframe: '1d', volatilityRegime: 2, recentBars: 30 }).map((p) =>
        std(logReturns(p.input.candles.slice(0, 100), 60)),
      ),
    );
    expect(doubled / base).toBeGreaterThan(1.7);
    expect(doubled / base).toBeLessThan(2.3);
    expect(earlyShifted).toBeCloseTo(earlyBase, 6);
  });

  it('tilt the recent path up or down with a trend, by exactly the drift when numeric', () => {
    const recentBars = 100;
    const meanReturn = (opts: SimulationOptions): number =>
      mean(
        generatePatterns(SEED, COUNT, { ...opts, recentBars }).map((p) =>
          mean(logReturns(p.input.candles, recentBars)),
        ),
      );
    const up = meanReturn({ trend: 'up' });
    const flat = meanReturn({ trend: 'flat' });
    const down = meanReturn({ trend: 'down' });
    expect(up).toBeGreaterThan(flat);
    expect(flat).toBeGreaterThan(down);

    const base = generatePatterns(SEED, 50, { recentBars });
    const tilted = generatePatterns(SEED, 50, { recentBars, trend: 0.002 });
    base.forEach((b, i) => {
      const shift =
        mean(logReturns(tilted[i].input.candles, recentBars)) - mean(logReturns(b.input.candles, recentBars));
      expect(shift).toBeCloseTo(0.002, 4);
    });
  });
});
