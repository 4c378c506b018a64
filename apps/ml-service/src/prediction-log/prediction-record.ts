/** One scored request as it is written to ml_predictions. */
export interface PredictionRecord {
  created_at: Date;
  pattern_id: string;
  symbol: string;
  pattern_type: string;
  timeframe: string;
  direction: string;
  instance_id: string;
  model_version: string | null;
  feature_schema_version: string;
  arm: 'ml' | 'control';
  source: 'ml_blended' | 'rule_fallback';
  fallback_reason: string | null;
  confidence: number;
  confidence_ml: number | null;
  confidence_rule: number;
  confidence_blended: number | null;
  passes_threshold: boolean;
  cache_hit: boolean;
  inference_latency_ms: number;
  features: Float32Array;
}
