import { LogHistogram } from '@app/metrics';

/** Counters of one time slice; every field adds up across slices and instances. */
export class WindowCounts {
  requests = 0; // scored requests
  mlAnswered = 0; // source = ml_blended
  eligible = 0; // ML enabled and arm = ml
  eligibleFallback = 0; // eligible requests that fell back
  errors = 0; // inference_error, inference_timeout, or a 5xx on a scoring route
  cacheLookups = 0;
  cacheHits = 0;
  invalidRequests = 0; // 400s on scoring routes (data quality)
  invalidFeatures = 0;
  readonly fallbackReasons: Record<string, number> = {};
  readonly latency = new LogHistogram();

  add(o: WindowCounts): this {
    this.requests += o.requests;
    this.mlAnswered += o.mlAnswered;
    this.eligible += o.eligible;
    this.eligibleFallback += o.eligibleFallback;
    this.errors += o.errors;
    this.cacheLookups += o.cacheLookups;
    this.cacheHits += o.cacheHits;
    this.invalidRequests += o.invalidRequests;
    this.invalidFeatures += o.invalidFeatures;
    for (const [k, v] of Object.entries(o.fallbackReasons)) {
      this.fallbackReasons[k] = (this.fallbackReasons[k] ?? 0) + v;
    }
    this.latency.merge(o.latency);
    return this;
  }
}

/** The six numbers of the plan plus volume, with DESIGN §4's definitions. Rates are null without traffic. */
export interface WindowMetrics {
  inference_latency_p50: number | null;
  inference_latency_p95: number | null;
  inference_latency_p99: number | null;
  cache_hit_rate: number | null;
  ml_usage_rate: number | null;
  fallback_rate: number | null;
  error_rate: number | null;
  request_count: number;
}

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);
const round = (v: number | null, digits = 4): number | null => (v === null ? null : Number(v.toFixed(digits)));

export function windowMetrics(c: WindowCounts): WindowMetrics {
  return {
    inference_latency_p50: round(c.latency.quantile(0.5), 3),
    inference_latency_p95: round(c.latency.quantile(0.95), 3),
    inference_latency_p99: round(c.latency.quantile(0.99), 3),
    cache_hit_rate: round(ratio(c.cacheHits, c.cacheLookups)),
    ml_usage_rate: round(ratio(c.mlAnswered, c.requests)),
    fallback_rate: round(ratio(c.eligibleFallback, c.eligible)),
    error_rate: round(ratio(c.errors, c.requests)),
    request_count: c.requests,
  };
}

/**
 * A ring of fixed time slices covering up to `horizonSeconds`: bounded memory whatever the traffic,
 * and any window is the sum of its slices.
 */
export class SlicedWindow {
  private readonly slices: Array<{ start: number; counts: WindowCounts }>;

  constructor(
    readonly sliceSeconds: number,
    readonly horizonSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    this.slices = Array.from({ length: Math.ceil(horizonSeconds / sliceSeconds) }, () => ({
      start: -1,
      counts: new WindowCounts(),
    }));
  }

  /** The slice for the current time, recycled when it belongs to an older period. */
  current(): WindowCounts {
    const index = Math.floor(this.now() / 1000 / this.sliceSeconds);
    const slot = this.slices[index % this.slices.length];
    if (slot.start !== index) {
      slot.start = index;
      slot.counts = new WindowCounts();
    }
    return slot.counts;
  }

  /** Sum over the last `seconds` (rounded up to whole slices). */
  sum(seconds: number): WindowCounts {
    const nowIndex = Math.floor(this.now() / 1000 / this.sliceSeconds);
    const span = Math.min(this.slices.length, Math.ceil(seconds / this.sliceSeconds));
    const total = new WindowCounts();
    for (const slot of this.slices) {
      if (slot.start >= 0 && nowIndex - slot.start < span) {
        total.add(slot.counts);
      }
    }
    return total;
  }
}
