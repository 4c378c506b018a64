// Math functions bound once per module: under jest's vm sandbox every read of the global `Math` is a slow
// interceptor call, which made generation 20x slower in tests.
const { exp, floor, imul, log, sqrt } = Math;

const TWO_POW_32 = 4294967296;

// Ziggurat tables for the standard normal (Marsaglia & Tsang 2000, 128 layers). The low 7 bits of a draw pick
// the layer and the high 25 bits (signed) the abscissa, so the two never share bits.
const ZIG_LAYERS = 128;
const ZIG_R = 3.442619855899;
const ZIG_AREA = 9.91256303526217e-3;
const ZIG_SCALE = 16777216; // 2^24: |signed 25-bit abscissa| < 2^24
const zigK = new Int32Array(ZIG_LAYERS);
const zigW = new Float64Array(ZIG_LAYERS);
const zigF = new Float64Array(ZIG_LAYERS);
{
  let dn = ZIG_R;
  let tn = dn;
  const q = ZIG_AREA / exp(-0.5 * dn * dn);
  zigK[0] = floor((dn / q) * ZIG_SCALE);
  zigK[1] = 0;
  zigW[0] = q / ZIG_SCALE;
  zigW[ZIG_LAYERS - 1] = dn / ZIG_SCALE;
  zigF[0] = 1;
  zigF[ZIG_LAYERS - 1] = exp(-0.5 * dn * dn);
  for (let i = ZIG_LAYERS - 2; i >= 1; i--) {
    dn = sqrt(-2 * log(ZIG_AREA / dn + exp(-0.5 * dn * dn)));
    zigK[i + 1] = floor((dn / tn) * ZIG_SCALE);
    tn = dn;
    zigF[i] = exp(-0.5 * dn * dn);
    zigW[i] = dn / ZIG_SCALE;
  }
}

/** splitmix32 step: spreads any 32-bit input over the whole state space (used for seeding only). */
function splitmix32(state: number): number {
  let z = (state + 0x9e3779b9) | 0;
  z = imul(z ^ (z >>> 16), 0x85ebca6b);
  z = imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Mixes a safe-integer seed and a stream number into one 32-bit seed (pattern i of seed s gets its own stream). */
export function deriveSeed(seed: number, stream = 0): number {
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`seed must be a safe integer, got ${seed}`);
  }
  if (!Number.isSafeInteger(stream) || stream < 0) {
    throw new RangeError(`stream must be a non-negative safe integer, got ${stream}`);
  }
  const lo = seed >>> 0;
  const hi = floor(seed / TWO_POW_32) >>> 0;
  const streamLo = stream >>> 0;
  const streamHi = floor(stream / TWO_POW_32) >>> 0;
  let h = splitmix32(lo);
  h = splitmix32(h ^ hi);
  h = splitmix32(h ^ streamLo);
  return splitmix32(h ^ streamHi);
}

/**
 * Seeded pseudo-random generator: xoshiro128** (Blackman & Vigna) for uniforms, the ziggurat method for normals.
 * Never the global random source: the same seed gives the same sequence on every run.
 */
export class Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    const base = deriveSeed(seed);
    this.s0 = splitmix32(base);
    this.s1 = splitmix32(this.s0);
    this.s2 = splitmix32(this.s1);
    this.s3 = splitmix32(this.s2);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) {
      this.s0 = 1; // xoshiro's all-zero state is a fixed point
    }
  }

  /** Next raw 32-bit unsigned integer. */
  nextUint32(): number {
    const result = imul(rotl(imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + floor(this.next() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Standard normal by the ziggurat method: one 32-bit draw and a multiply ~98% of the time. */
  normal(): number {
    for (;;) {
      const u = this.nextUint32();
      const layer = u & (ZIG_LAYERS - 1);
      const j = (u | 0) >> 7; // signed 25-bit abscissa
      if ((j < 0 ? -j : j) < zigK[layer]) {
        return j * zigW[layer];
      }
      const x = j * zigW[layer];
      if (layer === 0) {
        // Base strip: sample the tail beyond ZIG_R (Marsaglia's exponential method).
        let tx: number;
        let ty: number;
        do {
          tx = -log(1 - this.next()) / ZIG_R;
          ty = -log(1 - this.next());
        } while (ty + ty < tx * tx);
        return j > 0 ? ZIG_R + tx : -ZIG_R - tx;
      }
      // Wedge: accept under the density, else draw again.
      if (zigF[layer] + this.next() * (zigF[layer - 1] - zigF[layer]) < exp(-0.5 * x * x)) {
        return x;
      }
    }
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) {
      throw new RangeError('pick() needs a non-empty array');
    }
    return items[floor(this.next() * items.length)];
  }

  /** One key of a weight table, with probability proportional to its (non-negative) weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const keys = Object.keys(weights) as K[];
    let total = 0;
    for (const key of keys) {
      total += weights[key];
    }
    let u = this.next() * total;
    for (const key of keys) {
      u -= weights[key];
      if (u < 0) {
        return key;
      }
    }
    return keys[keys.length - 1];
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
