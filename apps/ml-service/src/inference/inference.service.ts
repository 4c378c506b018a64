import { Injectable, Logger } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { performance } from 'node:perf_hooks';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { Clock } from '@app/common';
import { AppConfig } from '@app/config';
import {
  buildFeatures,
  FEATURE_COUNT,
  FEATURE_SCHEMA_VERSION,
  featuresToRecord,
  isFiniteVector,
  PatternInput,
} from '@app/features';
import { METRIC } from '@app/metrics';
import { FeatureHistogramService } from '../monitoring/feature-histogram.service';
import { ServingStatsService } from '../monitoring/serving-stats.service';
import { PredictionLogService } from '../prediction-log/prediction-log.service';
import { RolloutService } from '../rollout/rollout.service';
import { blend, BlendPolicy, passesThreshold } from './blending.util';
import { CircuitBreaker, CircuitState } from './circuit-breaker';
import { AnswerSource, Arm, ConfidenceResult, FallbackReason } from './inference.types';
import { LoadedModel, scoreRows } from './model-artifact';
import { ModelRegistry } from './model-registry.service';
import { inMlArm } from './rollout-bucket.util';
import { ScoreCache } from './score-cache.service';

class InferenceTimeout extends Error {}

interface Item {
  input: PatternInput;
  features: Float32Array;
  arm: Arm;
  reason: FallbackReason | null;
  ml: number | null;
  cacheLookup: boolean;
  cacheHit: boolean;
  cacheKey?: string;
}

/**
 * Scores patterns: features → rollout arm → cache → one ONNX run for the batch's misses (under the
 * timeout and circuit breaker) → blend. Any failure of the model path becomes a rule fallback with
 * a named reason; nothing here throws for a valid input.
 */
@Injectable()
export class InferenceService {
  private readonly logger = new Logger('inference');
  private readonly policy: BlendPolicy;
  readonly circuit: CircuitBreaker;
  private logCounter = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly registry: ModelRegistry,
    private readonly cache: ScoreCache,
    private readonly rollout: RolloutService,
    private readonly predictionLog: PredictionLogService,
    private readonly stats: ServingStatsService,
    private readonly histograms: FeatureHistogramService,
    @InjectMetric(METRIC.inferenceDuration) private readonly duration: Histogram,
    @InjectMetric(METRIC.predictions) private readonly predictions: Counter<'source' | 'arm' | 'model_version'>,
    @InjectMetric(METRIC.fallbacks) private readonly fallbacks: Counter<'reason'>,
    @InjectMetric(METRIC.inferenceErrors) private readonly errors: Counter<'reason'>,
    @InjectMetric(METRIC.activeInferences) private readonly active: Gauge,
    @InjectMetric(METRIC.confidence) private readonly confidence: Histogram<'kind'>,
    @InjectMetric(METRIC.featureExtraction) private readonly extraction: Counter<'result'>,
    @InjectMetric(METRIC.circuitOpen) circuitGauge: Gauge,
  ) {
    this.policy = {
      mlWeight: config.ML_WEIGHT,
      ruleWeight: config.RULE_WEIGHT,
      threshold: config.ML_CONFIDENCE_THRESHOLD,
    };
    circuitGauge.set(0);
    this.circuit = new CircuitBreaker(
      {
        windowSeconds: config.ML_CIRCUIT_WINDOW_SECONDS,
        minRequests: config.ML_CIRCUIT_MIN_REQUESTS,
        latencyP95Ms: config.ML_CIRCUIT_LATENCY_MS,
        errorRate: config.ML_CIRCUIT_ERROR_RATE,
        cooldownSeconds: config.ML_CIRCUIT_COOLDOWN_SECONDS,
        halfOpenProbes: config.ML_CIRCUIT_HALF_OPEN_PROBES,
      },
      Date.now,
      (state: CircuitState, reason) => {
        circuitGauge.set(state === 'closed' ? 0 : 1);
        this.logger.warn({ event: 'circuit_state', state, reason }, `model circuit ${state}`);
      },
    );
  }

  /** Scores validated inputs in order; one model call for all ML-eligible cache misses. */
  async score(inputs: PatternInput[], includeFeatures = false): Promise<ConfidenceResult[]> {
    const started = performance.now();
    const { enabled, percent } = this.rollout.snapshot();
    const model = this.registry.current;
    const items = inputs.map((input) => this.prepare(input, enabled, percent, model));

    const eligible = items.filter((it) => it.reason === null);
    if (model && eligible.length > 0) {
      await this.fillFromCache(model, eligible);
      const misses = eligible.filter((it) => it.ml === null);
      if (misses.length > 0) {
        await this.runModel(model, misses);
      }
    }

    const latencyMs = performance.now() - started;
    // Latency is observed once per scoring call: a batch is one call, not N slow ones.
    return items.map((it, i) => this.finish(it, model, latencyMs, includeFeatures, i === 0));
  }

  private prepare(input: PatternInput, enabled: boolean, percent: number, model: LoadedModel | null): Item {
    const features = buildFeatures(input);
    const finite = isFiniteVector(features);
    this.extraction.inc({ result: finite ? 'success' : 'invalid' });
    // The kill switch puts everyone in the control arm: only ML-enabled, bucketed traffic is ML-eligible.
    const arm: Arm = enabled && inMlArm(input.pattern_id, percent) ? 'ml' : 'control';
    let reason: FallbackReason | null = null;
    if (!enabled) {
      reason = 'ml_disabled';
    } else if (arm === 'control') {
      reason = 'not_in_rollout';
    } else if (!finite) {
      reason = 'invalid_features';
    } else if (!model) {
      reason = 'model_unavailable';
    }
    return { input, features, arm, reason, ml: null, cacheLookup: false, cacheHit: false };
  }

  private async fillFromCache(model: LoadedModel, items: Item[]): Promise<void> {
    if (!this.cache.enabled) {
      return;
    }
    for (const it of items) {
      it.cacheKey = this.cache.key(model.cacheTag, it.features);
      it.cacheLookup = true;
    }
    const values = await this.cache.getMany(items.map((it) => it.cacheKey!));
    values.forEach((v, i) => {
      if (v !== undefined) {
        items[i].ml = v;
        items[i].cacheHit = true;
      }
    });
  }

  private async runModel(model: LoadedModel, items: Item[]): Promise<void> {
    if (!this.circuit.allow()) {
      items.forEach((it) => (it.reason = 'circuit_open'));
      return;
    }
    const matrix = new Float32Array(items.length * FEATURE_COUNT);
    items.forEach((it, r) => matrix.set(it.features, r * FEATURE_COUNT));
    const t0 = performance.now();
    this.active.inc();
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new InferenceTimeout()), this.config.ML_INFERENCE_TIMEOUT_MS);
      });
      const probabilities = await Promise.race([scoreRows(model, matrix, items.length), timeout]);
      this.circuit.record(performance.now() - t0, true);
      const toCache: Array<[string, number]> = [];
      items.forEach((it, r) => {
        it.ml = probabilities[r];
        if (it.cacheKey) {
          toCache.push([it.cacheKey, probabilities[r]]);
        }
      });
      if (toCache.length > 0) {
        this.cache.setMany(toCache);
      }
    } catch (err) {
      const reason: FallbackReason = err instanceof InferenceTimeout ? 'inference_timeout' : 'inference_error';
      this.circuit.record(performance.now() - t0, false);
      this.errors.inc({ reason }, items.length);
      items.forEach((it) => (it.reason = reason));
      if (reason === 'inference_error') {
        this.logger.error(
          { event: 'inference_error', error: (err as Error).message, rows: items.length },
          'model call failed',
        );
      }
    } finally {
      clearTimeout(timer);
      this.active.dec();
    }
  }

  private finish(
    it: Item,
    model: LoadedModel | null,
    latencyMs: number,
    includeFeatures: boolean,
    observeLatency: boolean,
  ): ConfidenceResult {
    const rule = it.input.rule_confidence;
    const answered = it.reason === null && it.ml !== null;
    const source: AnswerSource = answered ? 'ml_blended' : 'rule_fallback';
    const ml = answered ? it.ml : null;
    const blended = ml !== null ? blend(ml, rule, this.policy) : null;
    const confidence = blended ?? rule;
    const modelVersion = model?.card.model_version ?? null;
    const latency = Number(latencyMs.toFixed(3));
    const result: ConfidenceResult = {
      pattern_id: it.input.pattern_id,
      confidence,
      confidence_ml: ml,
      confidence_rule: rule,
      confidence_blended: blended,
      passes_threshold: passesThreshold(confidence, this.policy),
      source,
      fallback_reason: answered ? null : it.reason,
      arm: it.arm,
      model_version: modelVersion,
      cache_hit: answered && it.cacheHit,
      inference_latency_ms: latency,
      features_count: FEATURE_COUNT,
    };
    if (includeFeatures) {
      result.features = featuresToRecord(it.features);
    }
    this.observe(it, result, observeLatency);
    return result;
  }

  private observe(it: Item, r: ConfidenceResult, observeLatency: boolean): void {
    if (observeLatency) {
      this.duration.observe(r.inference_latency_ms / 1000);
    }
    this.predictions.inc({ source: r.source, arm: r.arm, model_version: r.model_version ?? 'none' });
    if (r.fallback_reason) {
      this.fallbacks.inc({ reason: r.fallback_reason });
    }
    this.confidence.observe({ kind: 'rule' }, r.confidence_rule);
    if (r.confidence_ml !== null && r.confidence_blended !== null) {
      this.confidence.observe({ kind: 'ml' }, r.confidence_ml);
      this.confidence.observe({ kind: 'blended' }, r.confidence_blended);
    }
    this.stats.record({
      source: r.source,
      arm: r.arm,
      eligible: r.arm === 'ml',
      fallbackReason: r.fallback_reason,
      latencyMs: observeLatency ? r.inference_latency_ms : null,
      cacheLookup: it.cacheLookup,
      cacheHit: it.cacheHit,
      invalidFeatures: r.fallback_reason === 'invalid_features' || !isFiniteVector(it.features),
    });
    // One timestamp for the histogram minute and the logged row, so the backfill rebuilds the same minutes.
    const now = this.clock.now();
    this.histograms.record(r.arm, it.features, r.confidence_ml, now);
    this.predictionLog.enqueue({
      created_at: new Date(now),
      pattern_id: r.pattern_id,
      symbol: it.input.symbol,
      pattern_type: it.input.pattern_type,
      timeframe: it.input.timeframe,
      direction: it.input.direction,
      instance_id: this.config.INSTANCE_ID,
      model_version: r.model_version,
      feature_schema_version: FEATURE_SCHEMA_VERSION,
      arm: r.arm,
      source: r.source,
      fallback_reason: r.fallback_reason,
      confidence: r.confidence,
      confidence_ml: r.confidence_ml,
      confidence_rule: r.confidence_rule,
      confidence_blended: r.confidence_blended,
      passes_threshold: r.passes_threshold,
      cache_hit: r.cache_hit,
      inference_latency_ms: r.inference_latency_ms,
      features: it.features,
    });
    this.logInference(r);
  }

  /** The plan's inference_complete event; fallbacks always, successes sampled at LOG_SAMPLE_RATE. */
  private logInference(r: ConfidenceResult): void {
    if (r.source === 'ml_blended') {
      // Deterministic 1-in-N sampling of the successful events only; fallbacks are always written.
      const rate = this.config.LOG_SAMPLE_RATE;
      const every = rate > 0 ? Math.max(1, Math.round(1 / rate)) : 0;
      if (every === 0 || this.logCounter++ % every !== 0) {
        return;
      }
    }
    this.logger.log({
      event: 'inference_complete',
      pattern_id: r.pattern_id,
      model_version: r.model_version,
      inference_latency_ms: r.inference_latency_ms,
      confidence_ml: r.confidence_ml,
      confidence_rule: r.confidence_rule,
      confidence_blended: r.confidence_blended,
      cache_hit: r.cache_hit,
      features_count: r.features_count,
      source: r.source,
      fallback_reason: r.fallback_reason,
      arm: r.arm,
    });
  }
}
