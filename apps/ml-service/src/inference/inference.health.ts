import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { buildFeatures, FEATURE_COUNT, isFiniteVector, PatternInput } from '@app/features';
import { RolloutService } from '../rollout/rollout.service';
import { InferenceService } from './inference.service';
import { ModelRegistry } from './model-registry.service';
import { ScoreCache } from './score-cache.service';

/** A fixed, valid pattern the feature builder must turn into 52 finite numbers. */
function selfTestInput(): PatternInput {
  const candles = Array.from({ length: 80 }, (_, i) => {
    const c = 100 + 5 * Math.sin(i / 6) + i * 0.1;
    return { t: 1_700_000_000_000 + i * 86_400_000, o: c - 0.3, h: c + 1, l: c - 1.2, c, v: 1000 + 37 * (i % 11) };
  });
  const last = candles[candles.length - 1].c;
  return {
    pattern_id: 'health-self-test',
    symbol: 'SELF',
    pattern_type: 'double_bottom',
    direction: 'bullish',
    timeframe: '1d',
    rule_confidence: 0.6,
    pattern_start_index: 40,
    pattern_end_index: 75,
    breakout_price: last * 0.99,
    target_price: last * 1.1,
    stop_price: last * 0.95,
    candles,
  };
}

/** Indicators of the inference module: model (CRITICAL), inference circuit, feature builder, cache. */
@Injectable()
export class InferenceHealth {
  private readonly selfTest = selfTestInput();

  constructor(
    private readonly health: HealthIndicatorService,
    private readonly registry: ModelRegistry,
    private readonly rollout: RolloutService,
    private readonly inference: InferenceService,
    private readonly cache: ScoreCache,
  ) {}

  /** Down (CRITICAL) when ML is enabled and no model is loaded; up with state "disabled" when switched off. */
  model(): HealthIndicatorResult {
    const indicator = this.health.check('model');
    const status = this.registry.status();
    const { enabled, percent } = this.rollout.snapshot();
    const details = {
      severity: 'CRITICAL',
      state: enabled ? status.state : 'disabled',
      ml_enabled: enabled,
      rollout_percent: percent,
      slot: status.slot,
      model_version: status.model_version,
      model_type: status.model_type,
      refusals: status.refusals,
    };
    if (enabled && status.state !== 'loaded') {
      return indicator.down({ ...details, message: 'ML is enabled but no model is loaded: serving rules only' });
    }
    return indicator.up(details);
  }

  /** Readiness: startup decided between a model and rules-only mode. */
  warmup(): HealthIndicatorResult {
    const indicator = this.health.check('warmup');
    const state = this.registry.status().state;
    return this.registry.isWarm ? indicator.up({ state }) : indicator.down({ state });
  }

  /** Down (WARNING) while the circuit breaker keeps the model out of the path. */
  inferenceCircuit(): HealthIndicatorResult {
    const indicator = this.health.check('inference');
    const snap = this.inference.circuit.snapshot();
    const details = {
      severity: 'WARNING',
      circuit: snap.state,
      window_calls: snap.calls,
      window_error_rate: snap.errorRate,
      window_p95_ms: snap.p95Ms,
      last_open_reason: this.inference.circuit.lastOpenReason,
    };
    return snap.state === 'open' ? indicator.down(details) : indicator.up(details);
  }

  /** Down (CRITICAL) when the builder cannot turn a known-good pattern into 52 finite features. */
  featureBuilder(): HealthIndicatorResult {
    const indicator = this.health.check('feature_builder');
    try {
      const v = buildFeatures(this.selfTest);
      const ok = v.length === FEATURE_COUNT && isFiniteVector(v);
      const details = { severity: 'CRITICAL', self_test: ok ? 'pass' : 'fail', features_count: v.length };
      return ok ? indicator.up(details) : indicator.down(details);
    } catch (err) {
      return indicator.down({ severity: 'CRITICAL', self_test: 'error', message: (err as Error).message });
    }
  }

  /** Down (WARNING) when a cache tier failed recently; the service scores without it meanwhile. */
  cacheTier(): HealthIndicatorResult {
    const indicator = this.health.check('cache');
    if (!this.cache.enabled) {
      return indicator.up({ severity: 'WARNING', state: 'disabled' });
    }
    const s = this.cache.status();
    const details = { severity: 'WARNING', state: s.healthy ? 'ok' : 'degraded', ...s };
    return s.healthy ? indicator.up(details) : indicator.down({ ...details, message: 'cache tier unavailable' });
  }
}
