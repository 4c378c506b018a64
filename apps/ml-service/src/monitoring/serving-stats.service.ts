import { Injectable } from '@nestjs/common';
import { SlicedWindow, WindowCounts, windowMetrics, WindowMetrics } from './serving-window';

/** One scored prediction, as the rolling window needs it. */
export interface ScoredEvent {
  source: 'ml_blended' | 'rule_fallback';
  arm: 'ml' | 'control';
  eligible: boolean;
  fallbackReason: string | null;
  /** Null for the 2nd..Nth item of a batch: latency is one observation per scoring call. */
  latencyMs: number | null;
  cacheLookup: boolean;
  cacheHit: boolean;
  invalidFeatures: boolean;
}

export const DEFAULT_WINDOW_SECONDS = 300;
const MAX_WINDOW_SECONDS = 3600;

/** The in-process rolling window behind /api/ml/metrics "current", health's fallback check and snapshots. */
@Injectable()
export class ServingStatsService {
  private readonly window = new SlicedWindow(10, MAX_WINDOW_SECONDS);
  /** Counts since the last minute snapshot was taken (reset by takeMinute). */
  private minute = new WindowCounts();

  record(e: ScoredEvent): void {
    for (const c of [this.window.current(), this.minute]) {
      c.requests++;
      if (e.source === 'ml_blended') {
        c.mlAnswered++;
      }
      if (e.eligible) {
        c.eligible++;
        if (e.source === 'rule_fallback') {
          c.eligibleFallback++;
        }
      }
      if (e.fallbackReason === 'inference_error' || e.fallbackReason === 'inference_timeout') {
        c.errors++;
      }
      if (e.fallbackReason) {
        c.fallbackReasons[e.fallbackReason] = (c.fallbackReasons[e.fallbackReason] ?? 0) + 1;
      }
      if (e.cacheLookup) {
        c.cacheLookups++;
        if (e.cacheHit) {
          c.cacheHits++;
        }
      }
      if (e.invalidFeatures) {
        c.invalidFeatures++;
      }
      if (e.latencyMs !== null) {
        c.latency.record(e.latencyMs);
      }
    }
  }

  /** A scoring route answered 5xx (counts as an error and a request) or 400 (data quality). */
  recordHttpFailure(status: number): void {
    for (const c of [this.window.current(), this.minute]) {
      if (status >= 500) {
        c.errors++;
        c.requests++;
      } else if (status === 400 || status === 413 || status === 422) {
        c.invalidRequests++;
      }
    }
  }

  current(seconds = DEFAULT_WINDOW_SECONDS): WindowMetrics & { window_seconds: number } {
    const s = Math.min(MAX_WINDOW_SECONDS, Math.max(10, seconds));
    return { ...windowMetrics(this.window.sum(s)), window_seconds: s };
  }

  counts(seconds = DEFAULT_WINDOW_SECONDS): WindowCounts {
    return this.window.sum(seconds);
  }

  /** Hands over the counts gathered since the previous call (for the per-minute snapshot). */
  takeMinute(): WindowCounts {
    const taken = this.minute;
    this.minute = new WindowCounts();
    return taken;
  }
}
