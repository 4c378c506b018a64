import type { PatternType } from '@app/features/feature-schema.constants';
import type { Prng } from './prng';

// Math functions bound once per module: under jest's vm sandbox every read of the global `Math` is a slow
// interceptor call, which made generation 20x slower in tests.
const { cos, max, min, sin } = Math;
const PI = Math.PI;

/**
 * The shape of a pattern in normalized space: x in [0, 1] over the pattern's bars, y in units of the pattern
 * height, oriented so that the breakout is upward (a bearish pattern is drawn with y negated).
 */
export interface PatternTemplate {
  /** Anchor points (swing highs/lows), xs strictly increasing from 0 to 1; the last anchor sits on the breakout line. */
  xs: number[];
  ys: number[];
  /** Breakout level (neckline, resistance line at the last bar, flag top, cup rim). */
  breakoutY: number;
  /** The swing the stop protects (right shoulder, last bottom, last touch of the lower line, handle low). */
  protectY: number;
  /** Measured-move height (head to neckline, pole length, cup depth, widest part of a triangle). */
  heightY: number;
  /** Direction of the move into the pattern in normalized space: −1 for reversals, +1 for continuations. */
  priorTrend: 1 | -1;
}

const MIN_ANCHOR_GAP = 0.02;

/** Draws the anchors of a pattern type; lower quality means more jitter around the textbook shape. */
export function buildTemplate(type: PatternType, quality: number, rng: Prng): PatternTemplate {
  const j = 0.03 + 0.12 * (1 - quality); // y jitter, in pattern heights
  const jx = 0.01 + 0.03 * (1 - quality); // x jitter, in pattern widths
  const jit = (scale: number): number => rng.uniform(-scale, scale);
  switch (type) {
    case 'head_and_shoulders':
    case 'inverse_head_and_shoulders':
      return headAndShoulders(j, jx, jit);
    case 'double_top':
    case 'double_bottom':
      return multipleBottom(2, j, jx, jit);
    case 'triple_top':
    case 'triple_bottom':
      return multipleBottom(3, j, jx, jit);
    case 'rising_wedge':
    case 'falling_wedge':
      // A rising wedge broken downward is, negated, a falling wedge broken upward.
      return converging(1, 0.35 + jit(j), 0.55 + jit(j), 0.2 + jit(j / 2), -1, j, jx, rng);
    case 'ascending_triangle':
    case 'descending_triangle':
      // A descending triangle broken downward is, negated, an ascending triangle broken upward.
      return converging(1, 1, jit(j), 0.72 + jit(j / 2), 1, j / 3, jx, rng);
    case 'symmetrical_triangle':
      return converging(1, 0.6 + jit(j / 2), jit(j), 0.42 + jit(j / 2), 1, j, jx, rng);
    case 'bull_flag':
    case 'bear_flag':
      return flag(j, jx, rng);
    case 'cup_and_handle':
      return cupAndHandle(j, jit);
  }
}

function headAndShoulders(j: number, jx: number, jit: (s: number) => number): PatternTemplate {
  const xs = [0, 0.15 + jit(jx), 0.3 + jit(jx), 0.5 + jit(jx), 0.7 + jit(jx), 0.85 + jit(jx), 1];
  const leftShoulder = 0.28 + jit(j);
  const neck1 = 0.7 + jit(j);
  const head = jit(j / 2);
  const neck2 = 0.7 + jit(j);
  const rightShoulder = 0.28 + jit(j);
  // The neckline through both reaction highs, extended to the last bar, is the breakout line.
  const slope = clamp((neck2 - neck1) / (xs[4] - xs[2]), -0.5, 0.5);
  const breakoutY = max(neck2 + slope * (1 - xs[4]), rightShoulder + 0.25);
  const ys = [0.85 + jit(j), leftShoulder, neck1, head, neck2, rightShoulder, breakoutY];
  const neckAtHead = neck1 + slope * (xs[3] - xs[2]);
  return finish(xs, ys, breakoutY, rightShoulder, max(neckAtHead - head, 0.3), -1);
}

function multipleBottom(bottoms: 2 | 3, j: number, jx: number, jit: (s: number) => number): PatternTemplate {
  const legs = bottoms * 2;
  const xs: number[] = [0];
  const ys: number[] = [0.85 + jit(j)];
  const peaks: number[] = [];
  const lows: number[] = [];
  for (let k = 1; k < legs; k++) {
    xs.push(k / legs + jit(jx));
    if (k % 2 === 1) {
      const low = jit(j / 2);
      lows.push(low);
      ys.push(low);
    } else {
      const peak = 0.6 + jit(j);
      peaks.push(peak);
      ys.push(peak);
    }
  }
  const breakoutY = max(...peaks);
  xs.push(1);
  ys.push(breakoutY);
  return finish(xs, ys, breakoutY, lows[lows.length - 1], breakoutY - min(...lows), -1);
}

/** Wedges and triangles: a zigzag bouncing between two converging lines, ending on the upper one. */
function converging(
  upper0: number,
  upper1: number,
  lower0: number,
  lower1: number,
  priorTrend: 1 | -1,
  j: number,
  jx: number,
  rng: Prng,
): PatternTemplate {
  const u1 = max(upper1, lower1 + 0.1);
  const upper = (x: number): number => upper0 + (u1 - upper0) * x;
  const lower = (x: number): number => lower0 + (lower1 - lower0) * x;
  const legs = rng.int(4, 7);
  const xs: number[] = [];
  const ys: number[] = [];
  let lastLow = lower1;
  for (let k = 0; k <= legs; k++) {
    const onUpper = (legs - k) % 2 === 0;
    const x = k === 0 || k === legs ? k / legs : k / legs + rng.uniform(-jx, jx);
    xs.push(x);
    if (k === legs) {
      ys.push(upper(1));
    } else if (onUpper) {
      ys.push(upper(x) - rng.uniform(-j / 3, j));
    } else {
      lastLow = lower(x) + rng.uniform(-j / 3, j);
      ys.push(lastLow);
    }
  }
  return finish(xs, ys, upper(1), lastLow, upper0 - lower0, priorTrend);
}

function flag(j: number, jx: number, rng: Prng): PatternTemplate {
  const poleEnd = rng.uniform(0.28, 0.4);
  const drop = rng.uniform(0.08, 0.25);
  const width = rng.uniform(0.14, 0.24);
  const upper = (x: number): number => 1 - (drop * (x - poleEnd)) / (1 - poleEnd);
  const legs = rng.chance(0.5) ? 2 : 4;
  const xs = [0, poleEnd];
  const ys = [rng.uniform(-j / 2, j / 2), 1];
  let lastLow = upper(1) - width;
  for (let k = 1; k <= legs; k++) {
    const x = k === legs ? 1 : poleEnd + ((1 - poleEnd) * k) / legs + rng.uniform(-jx, jx);
    xs.push(x);
    if (k === legs) {
      ys.push(upper(1));
    } else if (k % 2 === 1) {
      lastLow = upper(x) - width + rng.uniform(-j / 3, j / 3);
      ys.push(lastLow);
    } else {
      ys.push(upper(x) - rng.uniform(0, j / 2));
    }
  }
  return finish(xs, ys, upper(1), lastLow, 1 - ys[0], 1);
}

function cupAndHandle(j: number, jit: (s: number) => number): PatternTemplate {
  const cupEnd = 0.78 + jit(0.04);
  const bottom = jit(j / 2);
  const rightRim = 0.96 + jit(j / 3);
  const xs: number[] = [];
  const ys: number[] = [];
  const steps = 8;
  for (let k = 0; k <= steps; k++) {
    const u = k / steps;
    const rim = 1 + (rightRim - 1) * u;
    xs.push(cupEnd * u);
    // sin gives the rounded bottom and steep walls of a textbook "U".
    ys.push(rim - (rim - bottom) * sin(PI * u));
  }
  const breakoutY = max(1, rightRim);
  const handleLow = rightRim - (0.15 + jit(0.06)) * (breakoutY - bottom);
  xs.push(cupEnd + (1 - cupEnd) * 0.5, 1);
  ys.push(handleLow, breakoutY);
  return finish(xs, ys, breakoutY, handleLow, breakoutY - bottom, 1);
}

function finish(
  xs: number[],
  ys: number[],
  breakoutY: number,
  protectY: number,
  heightY: number,
  priorTrend: 1 | -1,
): PatternTemplate {
  xs[0] = 0;
  xs[xs.length - 1] = 1;
  for (let k = 1; k < xs.length - 1; k++) {
    xs[k] = clamp(xs[k], xs[k - 1] + MIN_ANCHOR_GAP, 1 - MIN_ANCHOR_GAP * (xs.length - 1 - k));
  }
  // The stop must protect something below the breakout, however the jitter fell.
  return { xs, ys, breakoutY, protectY: min(protectY, breakoutY - 0.15), heightY: max(heightY, 0.3), priorTrend };
}

/**
 * Samples the template at `count` evenly spaced points with cosine interpolation between anchors,
 * so swings are rounded like real price paths instead of straight lines.
 */
export function sampleTemplate(template: PatternTemplate, count: number, out: Float64Array): void {
  const { xs, ys } = template;
  let seg = 0;
  for (let i = 0; i < count; i++) {
    const x = count === 1 ? 1 : i / (count - 1);
    while (seg < xs.length - 2 && x > xs[seg + 1]) {
      seg++;
    }
    const span = xs[seg + 1] - xs[seg];
    const u = span > 0 ? clamp((x - xs[seg]) / span, 0, 1) : 1;
    const w = (1 - cos(PI * u)) / 2;
    out[i] = ys[seg] + (ys[seg + 1] - ys[seg]) * w;
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
