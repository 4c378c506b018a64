// Math functions bound once per module: under jest's vm sandbox every read of the global `Math` is a slow
// interceptor call, which made generation 20x slower in tests.
const { log, max, min, sqrt } = Math;

/** Small local statistics the simulator reads from its own candles (a few, not the 52-feature builder). */

/** RSI(period) with Wilder smoothing at the last close; 50 when there are too few bars, 100 with no losses. */
export function rsiAtEnd(closes: ArrayLike<number>, period = 14): number {
  const n = closes.length;
  if (n <= period) {
    return 50;
  }
  let gain = 0;
  let loss = 0;
  for (let i = 1; i <= period; i++) {
    const d = closes[i] - closes[i - 1];
    if (d > 0) {
      gain += d;
    } else {
      loss -= d;
    }
  }
  gain /= period;
  loss /= period;
  for (let i = period + 1; i < n; i++) {
    const d = closes[i] - closes[i - 1];
    gain = (gain * (period - 1) + (d > 0 ? d : 0)) / period;
    loss = (loss * (period - 1) + (d < 0 ? -d : 0)) / period;
  }
  if (loss === 0) {
    return gain === 0 ? 50 : 100;
  }
  return 100 - 100 / (1 + gain / loss);
}

/** Sample standard deviation of the last `window` log returns of closes. */
export function realizedVolatility(closes: ArrayLike<number>, window: number): number {
  const n = closes.length;
  const k = min(window, n - 1);
  if (k < 2) {
    return 0;
  }
  let sum = 0;
  let sumSq = 0;
  for (let i = n - k; i < n; i++) {
    const r = log(closes[i] / closes[i - 1]);
    sum += r;
    sumSq += r * r;
  }
  const mean = sum / k;
  return sqrt(max(0, (sumSq - k * mean * mean) / (k - 1)));
}

/** OLS slope per bar of log close over the last `window` bars. */
export function logTrendSlope(closes: ArrayLike<number>, window: number): number {
  const n = closes.length;
  const k = min(window, n);
  if (k < 2) {
    return 0;
  }
  const xMean = (k - 1) / 2;
  let yMean = 0;
  for (let i = 0; i < k; i++) {
    yMean += log(closes[n - k + i]);
  }
  yMean /= k;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < k; i++) {
    const dx = i - xMean;
    sxy += dx * (log(closes[n - k + i]) - yMean);
    sxx += dx * dx;
  }
  return sxy / sxx;
}

/** Mean of values[from..to) (clipped to the array); 0 for an empty range. */
export function meanOf(values: ArrayLike<number>, from: number, to: number): number {
  const a = max(0, from);
  const b = min(values.length, to);
  if (b <= a) {
    return 0;
  }
  let s = 0;
  for (let i = a; i < b; i++) {
    s += values[i];
  }
  return s / (b - a);
}
