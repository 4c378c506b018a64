import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';
import { AppConfig } from '@app/config';
import { METRIC } from '@app/metrics';
import { encodedPatternId, encodePredictionRow, PredictionLogRepository } from './prediction-log.repository';
import type { PredictionRecord } from './prediction-record';

/**
 * SQLSTATE classes 22 (data exception) and 23 (integrity violation): the row is at fault, retrying
 * cannot help. Connection failures carry no such code (or class 08/57) and are retried.
 */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^2[23]/.test(code);
}

/** How long shutdown keeps retrying to write what is buffered before giving up (and saying so). */
const SHUTDOWN_FLUSH_MS = 15_000;
const MAX_BACKOFF_MS = 5_000;

/**
 * Bounded, batched, asynchronous prediction log. Scoring only enqueues; a timer writes batches.
 * When the database is down rows stay queued (retried with backoff) up to the bound, after which
 * new rows are dropped and counted. Shutdown drains the queue.
 */
@Injectable()
export class PredictionLogService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PredictionLogService.name);
  /** Rows encoded for the insert (encodePredictionRow), oldest first. */
  private queue: Buffer[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private failures = 0;
  private nextAttemptAt = 0;
  private lastError: string | null = null;
  private droppedCount = 0;
  private writtenCount = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly repository: PredictionLogRepository,
    @InjectMetric(METRIC.predictionLogQueueDepth) private readonly depthGauge: Gauge,
    @InjectMetric(METRIC.predictionLogDropped) private readonly droppedCounter: Counter,
    @InjectMetric(METRIC.predictionLogWritten) private readonly writtenCounter: Counter,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.config.PREDICTION_LOG_FLUSH_MS);
    this.timer.unref();
  }

  /** Queues a record; false (and counted) when the queue is full. Never throws, never waits. */
  enqueue(record: PredictionRecord): boolean {
    if (!this.config.PREDICTION_LOG_ENABLED) {
      return false;
    }
    if (this.queue.length >= this.config.PREDICTION_LOG_QUEUE_MAX) {
      this.droppedCount++;
      this.droppedCounter.inc();
      return false;
    }
    this.queue.push(encodePredictionRow(record));
    if (this.queue.length >= this.config.PREDICTION_LOG_BATCH_SIZE && !this.flushing && this.failures === 0) {
      void this.flush();
    }
    return true;
  }

  get depth(): number {
    return this.queue.length;
  }

  stats(): { queued: number; dropped: number; written: number; failing: boolean; last_error: string | null } {
    return {
      queued: this.queue.length,
      dropped: this.droppedCount,
      written: this.writtenCount,
      failing: this.failures > 0,
      last_error: this.lastError,
    };
  }

  /** Writes queued batches until the queue is empty or a write fails. Concurrent calls share one run. */
  flush(): Promise<void> {
    if (this.flushing) {
      return this.flushing;
    }
    if (this.queue.length === 0 || Date.now() < this.nextAttemptAt) {
      this.depthGauge.set(this.queue.length);
      return Promise.resolve();
    }
    this.flushing = this.drain().finally(() => {
      this.flushing = null;
      this.depthGauge.set(this.queue.length);
    });
    return this.flushing;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) {
      clearInterval(this.timer);
    }
    const deadline = Date.now() + SHUTDOWN_FLUSH_MS;
    while (this.queue.length > 0 && Date.now() < deadline) {
      this.nextAttemptAt = 0;
      await this.flush();
      if (this.queue.length > 0) {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    if (this.queue.length > 0) {
      this.logger.error(
        { event: 'prediction_log_lost', count: this.queue.length, error: this.lastError },
        `shutdown: ${this.queue.length} predictions could not be written`,
      );
    }
  }

  /** Writes the first `count` queued rows one by one, removing each from the queue once decided. */
  private async isolate(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const row = this.queue[0];
      try {
        await this.repository.insertMany([row]);
        this.writtenCount++;
        this.writtenCounter.inc();
      } catch (err) {
        if (!isDataError(err)) {
          throw err;
        }
        this.droppedCount++;
        this.droppedCounter.inc();
        this.logger.error(
          { event: 'prediction_log_row_refused', pattern_id: encodedPatternId(row), error: (err as Error).message },
          'prediction refused by the database; dropped',
        );
      }
      this.queue.shift();
    }
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, this.config.PREDICTION_LOG_BATCH_SIZE);
      try {
        await this.repository.insertMany(batch);
      } catch (caught) {
        let err = caught;
        if (isDataError(err)) {
          // A row the database refuses (not an outage) must not block the queue: write the batch
          // row by row and drop only the rows that are refused, counted and logged.
          try {
            await this.isolate(batch.length);
            continue;
          } catch (outage) {
            err = outage;
          }
        }
        this.failures++;
        this.lastError = (err as Error).message;
        this.nextAttemptAt = Date.now() + Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(this.failures, 6));
        if (this.failures === 1) {
          this.logger.warn(
            { event: 'prediction_log_write_failed', error: this.lastError, queued: this.queue.length },
            'prediction log write failed; buffering',
          );
        }
        return;
      }
      // Rows enqueued meanwhile sit behind the batch, so removing the head is exact.
      this.queue.splice(0, batch.length);
      this.writtenCount += batch.length;
      this.writtenCounter.inc(batch.length);
      if (this.failures > 0) {
        this.logger.log(
          { event: 'prediction_log_recovered', after_failures: this.failures },
          'prediction log writing again',
        );
        this.failures = 0;
      }
    }
  }
}
