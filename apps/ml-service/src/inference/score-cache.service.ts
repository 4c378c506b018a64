import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Counter } from 'prom-client';
import { AppConfig } from '@app/config';
import { METRIC } from '@app/metrics';

/** How long after a cache failure the health indicator keeps reporting a WARNING. */
const FAILURE_MEMORY_MS = 30_000;

/**
 * Model scores keyed by model version + the exact feature bytes, so a new model never serves an
 * old score. In-process LRU (TTL + size bound), then Redis when REDIS_URL is set. A cache failure
 * is counted and reported, never thrown: the request just computes the score.
 */
@Injectable()
export class ScoreCache implements OnApplicationShutdown {
  private readonly logger = new Logger(ScoreCache.name);
  private readonly lru: LRUCache<string, number>;
  private readonly redis: Redis | null;
  private lastFailureAt = 0;
  private lastFailure: string | null = null;

  constructor(
    private readonly config: AppConfig,
    @InjectMetric(METRIC.cacheRequests) private readonly requests: Counter<'result'>,
  ) {
    this.lru = new LRUCache({ max: config.ML_CACHE_MAX_ENTRIES, ttl: config.ML_CACHE_TTL_SECONDS * 1000 });
    this.redis = config.REDIS_URL
      ? new Redis(config.REDIS_URL, {
          lazyConnect: false,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
          connectTimeout: 2000,
          retryStrategy: (times) => Math.min(times * 200, 2000),
        })
      : null;
    this.redis?.on('error', (err: Error) => this.fail(`redis: ${err.message}`));
  }

  get enabled(): boolean {
    return this.config.ML_CACHE_ENABLED;
  }

  /** Cache key of a feature vector under a model version. */
  key(modelVersion: string, features: Float32Array): string {
    return `${modelVersion}:${Buffer.from(features.buffer, features.byteOffset, features.byteLength).toString('base64')}`;
  }

  /** Looks up many keys (LRU first, then one Redis MGET for the misses). Counts hit/miss/error per key. */
  async getMany(keys: string[]): Promise<Array<number | undefined>> {
    const out: Array<number | undefined> = keys.map((k) => this.lru.get(k));
    const missing = out.flatMap((v, i) => (v === undefined ? [i] : []));
    if (this.redis && missing.length > 0) {
      try {
        const values = await this.withTimeout(this.redis.mget(...missing.map((i) => this.redisKey(keys[i]))));
        values.forEach((raw, j) => {
          const v = raw === null ? NaN : Number(raw);
          if (Number.isFinite(v)) {
            out[missing[j]] = v;
            this.lru.set(keys[missing[j]], v);
          }
        });
      } catch (err) {
        this.fail(`redis get: ${(err as Error).message}`);
        this.requests.inc({ result: 'error' }, missing.length);
      }
    }
    let hits = 0;
    for (const v of out) {
      if (v !== undefined) {
        hits++;
      }
    }
    if (hits > 0) {
      this.requests.inc({ result: 'hit' }, hits);
    }
    if (keys.length - hits > 0) {
      this.requests.inc({ result: 'miss' }, keys.length - hits);
    }
    return out;
  }

  /** Stores scores; Redis writes are fire-and-forget so they never add latency. */
  setMany(entries: Array<[string, number]>): void {
    for (const [k, v] of entries) {
      this.lru.set(k, v);
    }
    if (this.redis && entries.length > 0 && this.redis.status === 'ready') {
      const pipeline = this.redis.pipeline();
      for (const [k, v] of entries) {
        pipeline.set(this.redisKey(k), String(v), 'EX', this.config.ML_CACHE_TTL_SECONDS);
      }
      pipeline.exec().catch((err: Error) => this.fail(`redis set: ${err.message}`));
    }
  }

  /** Health view: which tiers exist and whether a tier failed recently. */
  status(): { tiers: string[]; entries: number; redis: string | null; healthy: boolean; last_error: string | null } {
    const recentFailure = Date.now() - this.lastFailureAt < FAILURE_MEMORY_MS;
    const redisDown = this.redis !== null && this.redis.status !== 'ready';
    return {
      tiers: this.redis ? ['memory', 'redis'] : ['memory'],
      entries: this.lru.size,
      redis: this.redis ? this.redis.status : null,
      healthy: !recentFailure && !redisDown,
      last_error: this.lastFailure,
    };
  }

  clear(): void {
    this.lru.clear();
  }

  onApplicationShutdown(): void {
    if (this.redis) {
      this.redis.disconnect();
    }
  }

  private redisKey(key: string): string {
    return `ml:score:${createHash('sha1').update(key).digest('base64url')}`;
  }

  private fail(message: string): void {
    if (Date.now() - this.lastFailureAt > FAILURE_MEMORY_MS) {
      this.logger.warn({ event: 'cache_failure', error: message }, 'cache tier failed; scoring without it');
    }
    this.lastFailureAt = Date.now();
    this.lastFailure = message;
  }

  private withTimeout<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), this.config.ML_CACHE_REDIS_TIMEOUT_MS);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}
