/**
 * Deterministic rollout bucket 0..99 of a pattern id: FNV-1a over the UTF-16 code units, then
 * murmur3's finaliser so that ids differing in their last character spread over all buckets.
 * Same id → same bucket on every replica and across restarts.
 */
export function rolloutBucket(patternId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < patternId.length; i++) {
    h ^= patternId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % 100;
}

/** `hash(pattern_id) mod 100 < percent` → the ML arm. */
export function inMlArm(patternId: string, percent: number): boolean {
  return rolloutBucket(patternId) < percent;
}
