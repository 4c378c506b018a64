import { DATA_QUALITY_THRESHOLDS } from '@app/config';
import { FEATURE_NAMES } from '@app/features';
import type { FeatureReference } from '../baseline/baseline.entity';
import { addCounts, groupCounts, jensenShannonDistance, psi } from './drift-statistics.util';

/** Drift of one feature (or of the ML confidence) over the baseline's coarse groups. */
export interface SeriesDrift {
  feature: string;
  psi: number | null;
  js_distance: number | null;
  by_arm: Record<string, { psi: number | null; js_distance: number | null; sample_size: number }>;
  baseline_groups: number[];
  current_groups: number[];
  sample_size: number;
  non_finite_rate: number;
  share_below_baseline_range: number;
  share_above_baseline_range: number;
  drifted: boolean;
}

/** First and last fine slots (excluding non-finite) where the baseline has mass. */
function massRange(counts: readonly number[]): [number, number] {
  const last = counts.length - 2;
  let lo = 0;
  while (lo < last && counts[lo] === 0) {
    lo++;
  }
  let hi = last;
  while (hi > lo && counts[hi] === 0) {
    hi--;
  }
  return [lo, hi];
}

/** Compares current window counts per arm with a baseline reference. */
export function seriesDrift(
  feature: string,
  ref: FeatureReference,
  byArm: Map<string, number[]>,
  psiThreshold: number,
): SeriesDrift {
  const total: number[] = new Array<number>(ref.counts.length).fill(0);
  for (const counts of byArm.values()) {
    addCounts(total, counts);
  }
  const base = groupCounts(ref.counts, ref.groups);
  const cur = groupCounts(total, ref.groups);
  const sample = total.reduce((a, b) => a + b, 0);
  const nonFinite = total[total.length - 1];
  const [lo, hi] = massRange(ref.counts);
  let below = 0;
  let above = 0;
  for (let i = 0; i < total.length - 1; i++) {
    if (i < lo) {
      below += total[i];
    } else if (i > hi) {
      above += total[i];
    }
  }
  const by_arm: SeriesDrift['by_arm'] = {};
  for (const [arm, counts] of byArm) {
    const g = groupCounts(counts, ref.groups);
    by_arm[arm] = {
      psi: psi(base, g),
      js_distance: jensenShannonDistance(base, g),
      sample_size: counts.reduce((a, b) => a + b, 0),
    };
  }
  const value = psi(base, cur);
  return {
    feature,
    psi: value,
    js_distance: jensenShannonDistance(base, cur),
    by_arm,
    baseline_groups: base,
    current_groups: cur,
    sample_size: sample,
    non_finite_rate: sample > 0 ? nonFinite / sample : 0,
    share_below_baseline_range: sample > 0 ? below / sample : 0,
    share_above_baseline_range: sample > 0 ? above / sample : 0,
    drifted: value !== null && value > psiThreshold,
  };
}

export interface QualityIssue {
  kind: 'non_finite' | 'out_of_range' | 'invalid_requests';
  feature: string | null;
  value: number;
  threshold: number;
}

/** Data-quality findings of a window: non-finite features, values outside the baseline range, invalid requests. */
export function qualityIssues(
  drifts: SeriesDrift[],
  baseline: Record<string, FeatureReference>,
  invalidRequestRate: number | null,
): QualityIssue[] {
  const t = DATA_QUALITY_THRESHOLDS;
  const issues: QualityIssue[] = [];
  for (const d of drifts) {
    if (!FEATURE_NAMES.includes(d.feature as (typeof FEATURE_NAMES)[number])) {
      continue;
    }
    const baseRate = baseline[d.feature]?.non_finite_rate ?? 0;
    const nfThreshold = Math.max(t.non_finite_rate, 2 * baseRate);
    if (d.non_finite_rate > nfThreshold) {
      issues.push({ kind: 'non_finite', feature: d.feature, value: d.non_finite_rate, threshold: nfThreshold });
    }
    const outside = d.share_below_baseline_range + d.share_above_baseline_range;
    if (outside > t.out_of_range_share) {
      issues.push({ kind: 'out_of_range', feature: d.feature, value: outside, threshold: t.out_of_range_share });
    }
  }
  if (invalidRequestRate !== null && invalidRequestRate > t.invalid_request_rate) {
    issues.push({
      kind: 'invalid_requests',
      feature: null,
      value: invalidRequestRate,
      threshold: t.invalid_request_rate,
    });
  }
  return issues;
}
