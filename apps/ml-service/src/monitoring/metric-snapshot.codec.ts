import { LogHistogram } from '@app/metrics';
import { WindowCounts } from './serving-window';

/** JSON form of WindowCounts: counters plus the latency histogram as sparse [bucket, count] pairs. */
export interface SnapshotCounters {
  requests: number;
  mlAnswered: number;
  eligible: number;
  eligibleFallback: number;
  errors: number;
  cacheLookups: number;
  cacheHits: number;
  invalidRequests: number;
  invalidFeatures: number;
  fallbackReasons: Record<string, number>;
  latency: { buckets: Array<[number, number]>; sum: number; max: number };
}

export function encodeCounts(c: WindowCounts): SnapshotCounters {
  const buckets: Array<[number, number]> = [];
  c.latency.counts.forEach((n, i) => {
    if (n > 0) {
      buckets.push([i, n]);
    }
  });
  return {
    requests: c.requests,
    mlAnswered: c.mlAnswered,
    eligible: c.eligible,
    eligibleFallback: c.eligibleFallback,
    errors: c.errors,
    cacheLookups: c.cacheLookups,
    cacheHits: c.cacheHits,
    invalidRequests: c.invalidRequests,
    invalidFeatures: c.invalidFeatures,
    fallbackReasons: { ...c.fallbackReasons },
    latency: { buckets, sum: c.latency.sum, max: c.latency.max },
  };
}

/** Adds a stored snapshot into `into` (snapshots of any instances and minutes add up exactly). */
export function addSnapshot(into: WindowCounts, s: SnapshotCounters): WindowCounts {
  const c = new WindowCounts();
  c.requests = s.requests;
  c.mlAnswered = s.mlAnswered;
  c.eligible = s.eligible;
  c.eligibleFallback = s.eligibleFallback;
  c.errors = s.errors;
  c.cacheLookups = s.cacheLookups;
  c.cacheHits = s.cacheHits;
  c.invalidRequests = s.invalidRequests;
  c.invalidFeatures = s.invalidFeatures;
  Object.assign(c.fallbackReasons, s.fallbackReasons);
  const h = new LogHistogram();
  for (const [i, n] of s.latency.buckets) {
    h.counts[i] = n;
    h.total += n;
  }
  h.sum = s.latency.sum;
  h.max = s.latency.max;
  c.latency.merge(h);
  return into.add(c);
}
