import type { LabelledPrediction } from './outcomes.repository';
import { countRows, fromCounts } from './performance.util';

const row = (confidence: number, outcome: 0 | 1, passes = confidence >= 0.55): LabelledPrediction => ({
  arm: 'ml',
  confidence,
  confidence_ml: confidence,
  passes_threshold: passes,
  outcome,
});

describe('performance', () => {
  it('computes rank AUC with ties as halves, null without both classes', () => {
    expect(fromCounts(countRows([row(0.1, 0), row(0.4, 0), row(0.35, 1), row(0.8, 1)])).auc).toBeCloseTo(0.75, 12);
    expect(fromCounts(countRows([row(0.5, 0), row(0.5, 1)])).auc).toBeCloseTo(0.5, 12);
    expect(fromCounts(countRows([row(0.2, 1), row(0.3, 1)])).auc).toBeNull();
  });

  it('counts accuracy, FP and FN rates at the threshold and the Brier score', () => {
    const p = fromCounts(countRows([row(0.9, 1, true), row(0.7, 0, true), row(0.3, 1, false), row(0.2, 0, false)]));
    expect(p).toMatchObject({
      labelled: 4,
      positives: 2,
      accuracy: 0.5,
      false_positive_rate: 0.5,
      false_negative_rate: 0.5,
    });
    expect(p.brier).toBeCloseTo((0.01 + 0.49 + 0.49 + 0.04) / 4, 12);
    expect(p.auc).toBeCloseTo(0.75, 12);
  });

  it('has no rates without labelled rows', () => {
    expect(fromCounts(countRows([]))).toEqual({
      labelled: 0,
      positives: 0,
      accuracy: null,
      false_positive_rate: null,
      false_negative_rate: null,
      auc: null,
      brier: null,
    });
  });
});
