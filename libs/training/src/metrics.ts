/** Clip used by {@link logLoss}: probabilities are kept in [ε, 1 − ε]. */
export const LOG_LOSS_EPSILON = 1e-15;

/** Binary-classification metrics as stored in the model card. */
export interface BinaryMetrics {
  auc: number;
  brier: number;
  log_loss: number;
  accuracy_at_0_5: number;
}

/**
 * ROC AUC from ranks (Mann–Whitney U), tied scores sharing their average rank, so a tie between a positive
 * and a negative counts one half. NaN when y holds a single class.
 */
export function auc(y: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = checkLengths(y, scores);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let nPositive = 0;
  let rankSumPositive = 0;
  for (let start = 0; start < n;) {
    let end = start + 1;
    while (end < n && scores[order[end]] === scores[order[start]]) {
      end++;
    }
    // Ranks start..end−1 (0-based) → average 1-based rank.
    const averageRank = (start + end + 1) / 2;
    for (let k = start; k < end; k++) {
      if (y[order[k]] === 1) {
        nPositive++;
        rankSumPositive += averageRank;
      }
    }
    start = end;
  }
  const nNegative = n - nPositive;
  if (nPositive === 0 || nNegative === 0) {
    return NaN;
  }
  return (rankSumPositive - (nPositive * (nPositive + 1)) / 2) / (nPositive * nNegative);
}

/** Mean squared error of the probabilities: mean of (p − y)². */
export function brierScore(y: ArrayLike<number>, p: ArrayLike<number>): number {
  const n = checkLengths(y, p);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = p[i] - y[i];
    sum += e * e;
  }
  return sum / n;
}

/** Mean negative log-likelihood, the observed class's probability clipped to [ε, 1 − ε], ε = {@link LOG_LOSS_EPSILON}. */
export function logLoss(y: ArrayLike<number>, p: ArrayLike<number>): number {
  const n = checkLengths(y, p);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    // Clip the probability of the observed class, so both classes get the same floor ε.
    const q = y[i] === 1 ? p[i] : 1 - p[i];
    sum -= Math.log(Math.min(1 - LOG_LOSS_EPSILON, Math.max(LOG_LOSS_EPSILON, q)));
  }
  return sum / n;
}

/** Share of rows where (p ≥ threshold) equals y = 1 (≥, as the service's threshold rule). */
export function accuracyAt(y: ArrayLike<number>, p: ArrayLike<number>, threshold = 0.5): number {
  const n = checkLengths(y, p);
  let correct = 0;
  for (let i = 0; i < n; i++) {
    if ((p[i] >= threshold ? 1 : 0) === y[i]) {
      correct++;
    }
  }
  return correct / n;
}

/** AUC, Brier, log loss and accuracy at 0.5 of probabilities p (a model's, or rule_confidence alone). */
export function evaluateBinary(y: ArrayLike<number>, p: ArrayLike<number>): BinaryMetrics {
  return {
    auc: auc(y, p),
    brier: brierScore(y, p),
    log_loss: logLoss(y, p),
    accuracy_at_0_5: accuracyAt(y, p, 0.5),
  };
}

function checkLengths(y: ArrayLike<number>, p: ArrayLike<number>): number {
  if (y.length !== p.length) {
    throw new RangeError(`${y.length} labels but ${p.length} predictions`);
  }
  if (y.length === 0) {
    throw new RangeError('no rows to evaluate');
  }
  return y.length;
}
