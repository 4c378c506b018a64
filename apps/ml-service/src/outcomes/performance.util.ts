import type { LabelledPrediction } from './outcomes.repository';

/** Performance of served confidences against outcomes (DESIGN §9). Rates are null without the needed rows. */
export interface ArmPerformance {
  labelled: number;
  positives: number;
  accuracy: number | null;
  false_positive_rate: number | null;
  false_negative_rate: number | null;
  auc: number | null;
  brier: number | null;
}

/** Rank AUC with ties counted as halves; null unless both classes are present. */
export function rankAuc(scores: number[], labels: number[]): number | null {
  const idx = scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[i]]) {
      j++;
    }
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[idx[k]] === 1) {
        pos++;
        rankSum += avgRank;
      }
    }
    i = j + 1;
  }
  const neg = idx.length - pos;
  if (pos === 0 || neg === 0) {
    return null;
  }
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Accuracy at the threshold (passes_threshold vs outcome), FP/FN rates, AUC and Brier of `confidence`. */
export function armPerformance(rows: LabelledPrediction[]): ArmPerformance {
  const n = rows.length;
  let tp = 0;
  let tn = 0;
  let fp = 0;
  let fn = 0;
  let brier = 0;
  for (const r of rows) {
    if (r.passes_threshold && r.outcome === 1) {
      tp++;
    } else if (!r.passes_threshold && r.outcome === 0) {
      tn++;
    } else if (r.passes_threshold) {
      fp++;
    } else {
      fn++;
    }
    brier += (r.confidence - r.outcome) ** 2;
  }
  const positives = tp + fn;
  const negatives = tn + fp;
  return {
    labelled: n,
    positives,
    accuracy: n > 0 ? (tp + tn) / n : null,
    false_positive_rate: negatives > 0 ? fp / negatives : null,
    false_negative_rate: positives > 0 ? fn / positives : null,
    auc: rankAuc(
      rows.map((r) => r.confidence),
      rows.map((r) => r.outcome),
    ),
    brier: n > 0 ? brier / n : null,
  };
}

/** Performance overall and per arm (ML vs control: the plan's Phase 5 vs Phase 4 A/B). */
export function performanceByArm(rows: LabelledPrediction[]): Record<'overall' | 'ml' | 'control', ArmPerformance> {
  return {
    overall: armPerformance(rows),
    ml: armPerformance(rows.filter((r) => r.arm === 'ml')),
    control: armPerformance(rows.filter((r) => r.arm === 'control')),
  };
}
