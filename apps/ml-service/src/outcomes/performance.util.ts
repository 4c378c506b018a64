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

/**
 * What performance is computed from, additive over rows: confusion counts at the threshold, the sum of
 * squared errors of `confidence`, and the sum of the positives' ranks of `confidence` (ties as average
 * ranks). The drift job gets them from SQL (OutcomesRepository.performanceCounts), so PostgreSQL sorts
 * the window's labels and Node receives three rows.
 */
export interface PerformanceCounts {
  labelled: number;
  positives: number;
  tp: number;
  tn: number;
  fp: number;
  fn: number;
  brierSum: number;
  positiveRankSum: number;
}

/** The counts of no rows. */
export function emptyCounts(): PerformanceCounts {
  return { labelled: 0, positives: 0, tp: 0, tn: 0, fp: 0, fn: 0, brierSum: 0, positiveRankSum: 0 };
}

/** Accuracy at the threshold (passes_threshold vs outcome), FP/FN rates, rank AUC and Brier. */
export function fromCounts(c: PerformanceCounts): ArmPerformance {
  const n = c.labelled;
  const positives = c.tp + c.fn;
  const negatives = c.tn + c.fp;
  return {
    labelled: n,
    positives,
    accuracy: n > 0 ? (c.tp + c.tn) / n : null,
    false_positive_rate: negatives > 0 ? c.fp / negatives : null,
    false_negative_rate: positives > 0 ? c.fn / positives : null,
    auc:
      positives > 0 && negatives > 0
        ? (c.positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives)
        : null,
    brier: n > 0 ? c.brierSum / n : null,
  };
}

/** The counts of labelled rows, in Node: the reference the SQL version is tested against. */
export function countRows(rows: LabelledPrediction[]): PerformanceCounts {
  const c = { ...emptyCounts(), labelled: rows.length };
  for (const r of rows) {
    if (r.passes_threshold && r.outcome === 1) {
      c.tp++;
    } else if (!r.passes_threshold && r.outcome === 0) {
      c.tn++;
    } else if (r.passes_threshold) {
      c.fp++;
    } else {
      c.fn++;
    }
    c.brierSum += (r.confidence - r.outcome) ** 2;
  }
  c.positives = c.tp + c.fn;
  const idx = rows.map((_, i) => i).sort((a, b) => rows[a].confidence - rows[b].confidence);
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && rows[idx[j + 1]].confidence === rows[idx[i]].confidence) {
      j++;
    }
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (rows[idx[k]].outcome === 1) {
        c.positiveRankSum += avgRank;
      }
    }
    i = j + 1;
  }
  return c;
}
