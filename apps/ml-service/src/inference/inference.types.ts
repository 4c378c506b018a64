import type { FeatureName } from '@app/features';

export const FALLBACK_REASONS = [
  'ml_disabled',
  'not_in_rollout',
  'model_unavailable',
  'inference_error',
  'inference_timeout',
  'circuit_open',
  'invalid_features',
] as const;
export type FallbackReason = (typeof FALLBACK_REASONS)[number];

export type Arm = 'ml' | 'control';
export type AnswerSource = 'ml_blended' | 'rule_fallback';

/** The answer for one pattern (DESIGN §4 response). */
export interface ConfidenceResult {
  pattern_id: string;
  confidence: number;
  confidence_ml: number | null;
  confidence_rule: number;
  confidence_blended: number | null;
  passes_threshold: boolean;
  source: AnswerSource;
  fallback_reason: FallbackReason | null;
  arm: Arm;
  model_version: string | null;
  cache_hit: boolean;
  inference_latency_ms: number;
  features_count: number;
  features?: Record<FeatureName, number | null>;
}
