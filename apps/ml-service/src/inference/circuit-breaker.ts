import { LogHistogram } from '@app/metrics';

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerOptions {
  windowSeconds: number;
  minRequests: number;
  latencyP95Ms: number;
  errorRate: number;
  cooldownSeconds: number;
  halfOpenProbes: number;
}

interface SecondBucket {
  second: number;
  calls: number;
  errors: number;
  latency: LogHistogram;
}

/**
 * Opens when, over the rolling window, the model's p95 latency exceeds `latencyP95Ms` or its error
 * rate exceeds `errorRate` (with at least `minRequests` calls). After `cooldownSeconds` it lets
 * `halfOpenProbes` calls through; all succeeding closes it, any failing re-opens it.
 * Per-second buckets keep it bounded whatever the traffic.
 */
export class CircuitBreaker {
  private readonly buckets: SecondBucket[];
  /** Running sum of the live buckets, so a call costs O(1) instead of merging the whole window. */
  private readonly total = { calls: 0, errors: 0, latency: new LogHistogram() };
  private stateValue: CircuitState = 'closed';
  private openedAt = 0;
  private probesIssued = 0;
  private probesSucceeded = 0;
  lastOpenReason: string | null = null;

  constructor(
    private readonly options: CircuitBreakerOptions,
    private readonly now: () => number = Date.now,
    private readonly onStateChange: (state: CircuitState, reason: string | null) => void = () => undefined,
  ) {
    this.buckets = Array.from({ length: options.windowSeconds }, () => ({
      second: -1,
      calls: 0,
      errors: 0,
      latency: new LogHistogram(),
    }));
  }

  get state(): CircuitState {
    if (this.stateValue === 'open' && this.now() - this.openedAt >= this.options.cooldownSeconds * 1000) {
      this.transition('half_open', this.lastOpenReason);
      this.probesIssued = 0;
      this.probesSucceeded = 0;
    }
    return this.stateValue;
  }

  /** Whether a model call may go ahead now; in half-open state this reserves a probe. */
  allow(): boolean {
    const state = this.state;
    if (state === 'closed') {
      return true;
    }
    if (state === 'half_open' && this.probesIssued < this.options.halfOpenProbes) {
      this.probesIssued++;
      return true;
    }
    return false;
  }

  record(latencyMs: number, ok: boolean): void {
    const bucket = this.bucketFor(Math.floor(this.now() / 1000));
    bucket.calls++;
    bucket.latency.record(latencyMs);
    this.total.calls++;
    this.total.latency.record(latencyMs);
    if (!ok) {
      bucket.errors++;
      this.total.errors++;
    }
    const slow = latencyMs > this.options.latencyP95Ms;
    if (this.stateValue === 'half_open') {
      if (!ok || slow) {
        this.open(ok ? `probe latency ${latencyMs.toFixed(1)} ms` : 'probe failed');
      } else if (++this.probesSucceeded >= this.options.halfOpenProbes) {
        this.reset();
        this.transition('closed', null);
      }
      return;
    }
    if (this.stateValue === 'closed') {
      this.evaluate();
    }
  }

  /** Window statistics, for health details and tests. */
  snapshot(): { state: CircuitState; calls: number; errorRate: number | null; p95Ms: number | null } {
    const { calls, errors, latency } = this.window();
    return {
      state: this.state,
      calls,
      errorRate: calls > 0 ? errors / calls : null,
      p95Ms: latency.quantile(0.95),
    };
  }

  private evaluate(): void {
    const { calls, errors, latency } = this.window();
    if (calls < this.options.minRequests) {
      return;
    }
    const errorRate = errors / calls;
    const p95 = latency.quantile(0.95) ?? 0;
    if (errorRate > this.options.errorRate) {
      this.open(`error rate ${(errorRate * 100).toFixed(1)}% over ${calls} calls`);
    } else if (p95 > this.options.latencyP95Ms) {
      this.open(`p95 latency ${p95.toFixed(1)} ms over ${calls} calls`);
    }
  }

  private open(reason: string): void {
    this.openedAt = this.now();
    this.lastOpenReason = reason;
    this.transition('open', reason);
  }

  private transition(state: CircuitState, reason: string | null): void {
    if (this.stateValue !== state) {
      this.stateValue = state;
      this.onStateChange(state, reason);
    }
  }

  private reset(): void {
    for (const b of this.buckets) {
      this.clear(b);
    }
  }

  /** Empties a bucket and takes its counts out of the running total. */
  private clear(b: SecondBucket): void {
    if (b.second >= 0) {
      this.total.calls -= b.calls;
      this.total.errors -= b.errors;
      const counts = this.total.latency.counts;
      for (let i = 0; i < counts.length; i++) {
        counts[i] -= b.latency.counts[i];
      }
      this.total.latency.total -= b.latency.total;
      this.total.latency.sum -= b.latency.sum;
    }
    b.second = -1;
    b.calls = 0;
    b.errors = 0;
    b.latency.reset();
  }

  /** Clears the buckets that have left the window ending at `nowSecond`. */
  private expire(nowSecond: number): void {
    for (const b of this.buckets) {
      if (b.second >= 0 && nowSecond - b.second >= this.buckets.length) {
        this.clear(b);
      }
    }
  }

  private bucketFor(second: number): SecondBucket {
    this.expire(second);
    const bucket = this.buckets[second % this.buckets.length];
    if (bucket.second !== second) {
      this.clear(bucket);
      bucket.second = second;
    }
    return bucket;
  }

  private window(): { calls: number; errors: number; latency: LogHistogram } {
    this.expire(Math.floor(this.now() / 1000));
    // The max is not subtractable: take it from the live buckets, so quantiles cap exactly as a merge would.
    let max = 0;
    for (const b of this.buckets) {
      if (b.second >= 0 && b.latency.max > max) {
        max = b.latency.max;
      }
    }
    this.total.latency.max = max;
    return this.total;
  }
}
