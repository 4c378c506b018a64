import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { Clock } from '@app/common';
import { AppConfig } from '@app/config';
import { METRIC } from '@app/metrics';
import { ModelRegistry } from '../inference/model-registry.service';
import { FeatureHistogramRepository, HistogramRow } from './feature-histogram.repository';
import { HistogramBinning } from './histogram-binning';

/** Rows kept while the database is unreachable: 53 series × 2 arms × one day of minutes. */
const MAX_PENDING_ROWS = 53 * 2 * 1440;
const FLUSH_INTERVAL_MS = 10_000;

interface MinuteBucket {
  minute: number;
  binning: HistogramBinning;
  arm: string;
  counts: Uint32Array;
}

/**
 * Per-request feature histograms (DESIGN §9): one binary search per feature into the serving
 * model's fixed bins, kept per minute and arm in memory, flushed to ml_feature_histograms once the
 * minute is over. Survives a database outage like the prediction log: bounded, counted, flushed at
 * shutdown.
 */
@Injectable()
export class FeatureHistogramService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(FeatureHistogramService.name);
  private readonly buckets = new Map<string, MinuteBucket>();
  /** The bucket of the previous request: most requests reuse it, skipping the key string and map lookup. */
  private lastBucket: MinuteBucket | null = null;
  /** Rows waiting to be written, keyed so a minute staged twice is merged, not duplicated. */
  private readonly pending = new Map<string, HistogramRow>();
  private binning: HistogramBinning | null = null;
  private binningFor: unknown = null;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private failing = false;

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly registry: ModelRegistry,
    private readonly repository: FeatureHistogramRepository,
    @InjectMetric(METRIC.histogramFlushDropped) private readonly dropped: Counter,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(false), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  /** The binning of the serving model (rebuilt when the model changes); null without a model or card statistics. */
  currentBinning(): HistogramBinning | null {
    const card = this.registry.current?.card ?? null;
    if (card !== this.binningFor) {
      this.binningFor = card;
      this.binning = card ? HistogramBinning.fromCard(card) : null;
    }
    return this.binning;
  }

  /** Counts one scored request. A few microseconds: 53 binary searches over ~100 edges. */
  record(arm: string, features: Float32Array, confidenceMl: number | null, atMs: number): void {
    const binning = this.currentBinning();
    if (!binning) {
      return;
    }
    const minute = Math.floor(atMs / 60_000);
    let bucket = this.lastBucket;
    if (!bucket || bucket.minute !== minute || bucket.arm !== arm || bucket.binning !== binning) {
      const key = `${minute}|${binning.modelVersion}|${arm}`;
      const existing = this.buckets.get(key);
      bucket = existing && existing.binning === binning ? existing : null;
      if (!bucket) {
        bucket = { minute, binning, arm, counts: new Uint32Array(binning.length) };
        this.buckets.set(key, bucket);
      }
      this.lastBucket = bucket;
    }
    binning.add(bucket.counts, features, confidenceMl);
  }

  /**
   * Moves finished minutes (all minutes when `includeCurrent`) to the pending rows and writes them.
   * On failure the rows stay pending, up to the bound.
   */
  flush(includeCurrent: boolean): Promise<void> {
    const nowMinute = Math.floor(this.clock.now() / 60_000);
    // A staged bucket must not be counted into again: the next request looks its bucket up afresh.
    this.lastBucket = null;
    for (const [key, b] of this.buckets) {
      if (includeCurrent || b.minute < nowMinute) {
        this.buckets.delete(key);
        this.stage(b);
      }
    }
    this.flushing ??= this.write().finally(() => (this.flushing = null));
    return this.flushing;
  }

  pendingRows(): number {
    return this.pending.size;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) {
      clearInterval(this.timer);
    }
    await this.flushing;
    await this.flush(true);
    if (this.pending.size > 0) {
      await new Promise((r) => setTimeout(r, 500));
      await this.flush(true);
    }
    if (this.pending.size > 0) {
      this.logger.error({ event: 'histograms_lost', rows: this.pending.size }, 'shutdown: histogram rows not written');
    }
  }

  private stage(b: MinuteBucket): void {
    b.binning.names.forEach((feature, i) => {
      const key = `${b.minute}|${b.binning.modelVersion}|${b.arm}|${feature}`;
      const counts = b.binning.slice(b.counts, i);
      const existing = this.pending.get(key);
      if (existing) {
        counts.forEach((c, j) => (existing.counts[j] += c));
      } else if (this.pending.size < MAX_PENDING_ROWS) {
        this.pending.set(key, {
          minute: new Date(b.minute * 60_000),
          instance_id: this.config.INSTANCE_ID,
          model_version: b.binning.modelVersion,
          arm: b.arm,
          feature,
          counts,
        });
      } else {
        this.dropped.inc();
      }
    });
  }

  private async write(): Promise<void> {
    while (this.pending.size > 0) {
      // Take the batch out first, so rows staged meanwhile start fresh instead of mutating rows in flight.
      const batch = [...this.pending.entries()].slice(0, 2000);
      batch.forEach(([key]) => this.pending.delete(key));
      try {
        await this.repository.upsert(batch.map(([, row]) => row));
      } catch (err) {
        for (const [key, row] of batch) {
          const restaged = this.pending.get(key);
          if (restaged) {
            row.counts.forEach((c, j) => (restaged.counts[j] += c));
          } else {
            this.pending.set(key, row);
          }
        }
        if (!this.failing) {
          this.logger.warn(
            { event: 'histogram_flush_failed', error: (err as Error).message },
            'histogram flush failed',
          );
        }
        this.failing = true;
        return;
      }
      this.failing = false;
    }
  }
}
