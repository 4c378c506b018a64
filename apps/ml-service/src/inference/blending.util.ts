/** Weights and threshold of the blend; from config, never literals. */
export interface BlendPolicy {
  mlWeight: number;
  ruleWeight: number;
  threshold: number;
}

/** blended = w_ml·ml + w_rule·rule, clamped to [0, 1] against float error. */
export function blend(ml: number, rule: number, policy: BlendPolicy): number {
  const value = policy.mlWeight * ml + policy.ruleWeight * rule;
  return Math.min(1, Math.max(0, value));
}

export function passesThreshold(confidence: number, policy: BlendPolicy): boolean {
  return confidence >= policy.threshold;
}
