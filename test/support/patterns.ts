import type { PatternInput } from '@app/features';
import { generatePatterns } from '@app/simulation';

/** Valid simulated requests with unique ids (seeded, so every run sends the same traffic). */
export function patterns(count: number, seed = 11, prefix = 'p'): PatternInput[] {
  return generatePatterns(seed, count).map((p, i) => ({ ...p.input, pattern_id: `${prefix}-${seed}-${i}` }));
}

/** A valid request whose volumes are all zero: its volume features are non-finite. */
export function zeroVolume(input: PatternInput): PatternInput {
  return { ...input, candles: input.candles.map((c) => ({ ...c, v: 0 })) };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until `fn` returns true or the timeout passes. */
export async function eventually(
  fn: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
  stepMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fn()) {
      return;
    }
    await sleep(stepMs);
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
