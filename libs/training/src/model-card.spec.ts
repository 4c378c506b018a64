import { createHash } from 'node:crypto';

import { countsLength } from '@app/features/binning';
import { FEATURE_NAMES, FEATURE_SCHEMA_VERSION } from '@app/features/feature-schema.constants';

import { splitDataset } from './dataset';
import { trainLogisticRegression } from './logistic-regression';
import { evaluateBinary } from './metrics';
import {
  buildModelCard,
  ModelCardValidationError,
  parseModelCard,
  serializeModelCard,
  type BuildModelCardInput,
} from './model-card';
import type { ModelCard } from './model-card.interface';
import { exportModelToOnnx } from './onnx-export';
import { trainRandomForest } from './random-forest';
import { makeSyntheticDataset } from './testing/synthetic-dataset.factory';

describe('model card', () => {
  const { train, holdout } = splitDataset(makeSyntheticDataset(3000, 4), { seed: 4, holdoutFraction: 0.25 });
  const forest = trainRandomForest(train, { nTrees: 10, seed: 4 });
  const onnxBytes = exportModelToOnnx(forest);
  const probabilities = forest.predictProba(holdout.X, holdout.n);
  const input: BuildModelCardInput = {
    modelVersion: 'v1.0.0',
    model: forest,
    onnxBytes,
    createdAt: new Date('2026-01-02T03:04:05.000Z'),
    training: { dataset: 'synthetic seed 4', labelDefinition: 'target before stop', seed: 4, holdoutFraction: 0.25 },
    trainingFeatures: train,
    holdout: { y: holdout.y, probabilities, ruleConfidence: holdout.ruleConfidence },
  };

  it('describes the model, its input/output, hash, training, metrics and rule comparison', () => {
    const card = buildModelCard(input);

    expect(card).toMatchObject({
      model_version: 'v1.0.0',
      model_type: 'random_forest',
      created_at: '2026-01-02T03:04:05.000Z',
      feature_schema_version: FEATURE_SCHEMA_VERSION,
      feature_names: [...FEATURE_NAMES],
      input_name: 'features',
      output: { kind: 'probability_tensor', name: 'probabilities', positive_class_index: 1 },
      sha256: createHash('sha256').update(onnxBytes).digest('hex'),
      training: {
        dataset: 'synthetic seed 4',
        rows: train.n,
        label_definition: 'target before stop',
        seed: 4,
        holdout_fraction: 0.25,
        params: { n_trees: 10, max_depth: 12, min_samples_leaf: 20, max_features: 7, max_bins: 255, bootstrap: true },
      },
      metrics: { ...evaluateBinary(holdout.y, probabilities), holdout_rows: holdout.n },
    });
    const rule = evaluateBinary(holdout.y, holdout.ruleConfidence);
    expect(card.comparison.rule_confidence).toEqual(rule);
    expect(card.comparison.auc_lift).toBeCloseTo(card.metrics.auc - rule.auc, 12);
  });

  it('carries per-feature training histograms in the fine-binning layout and the holdout prediction histogram', () => {
    const card = buildModelCard(input);

    expect(Object.keys(card.feature_statistics)).toEqual([...FEATURE_NAMES]);
    for (const name of FEATURE_NAMES) {
      const stats = card.feature_statistics[name];
      expect(stats.counts.length).toBe(countsLength(stats.edges));
      expect(stats.counts.reduce((a, b) => a + b, 0)).toBe(train.n);
      expect(stats.count).toBe(train.n);
      expect(stats.non_finite).toBe(0);
      expect(stats.edges.length).toBeLessThanOrEqual(101);
    }
    expect(card.feature_statistics.direction.edges).toEqual([-1, 0, 1]);
    const prediction = card.prediction_statistics;
    expect(prediction.edges).toHaveLength(21);
    expect(prediction.edges[0]).toBe(0);
    expect(prediction.edges[20]).toBe(1);
    expect(prediction.counts.reduce((a, b) => a + b, 0)).toBe(holdout.n);
    expect(prediction.counts[0] + prediction.counts[22]).toBe(0);
  });

  it('records the logistic regression fit and round-trips through JSON and parseModelCard', () => {
    const model = trainLogisticRegression(train);
    const card = buildModelCard({
      ...input,
      model,
      onnxBytes: exportModelToOnnx(model),
      holdout: { ...input.holdout, probabilities: model.predictProba(holdout.X, holdout.n) },
    });

    const parsed = parseModelCard(JSON.parse(serializeModelCard(card)));

    expect(parsed.model_type).toBe('logistic_regression');
    expect(parsed.training.params).toMatchObject({ l2: 1, converged: true });
    expect(parsed).toEqual(card);
  });

  it('refuses a holdout with a single class', () => {
    const ones = new Uint8Array(holdout.n).fill(1);
    expect(() => buildModelCard({ ...input, holdout: { ...input.holdout, y: ones } })).toThrow(/both classes/);
  });
});

describe('parseModelCard', () => {
  const { train, holdout } = splitDataset(makeSyntheticDataset(1500, 5), { seed: 5 });
  const model = trainLogisticRegression(train);
  const card = buildModelCard({
    modelVersion: 'v1',
    model,
    onnxBytes: exportModelToOnnx(model),
    training: { dataset: 'synthetic', labelDefinition: 'label', seed: 5 },
    trainingFeatures: train,
    holdout: { y: holdout.y, probabilities: model.predictProba(holdout.X), ruleConfidence: holdout.ruleConfidence },
  });
  const clone = (): ModelCard => structuredClone(card);
  type Loose = Record<string, unknown>;

  it('accepts a scikit-learn ZipMap output with its label name', () => {
    const sklearn = clone();
    sklearn.output = {
      kind: 'zipmap',
      name: 'output_probability',
      label_name: 'output_label',
      positive_class_index: 1,
    };
    expect(parseModelCard(sklearn).output).toEqual(sklearn.output);
  });

  it.each([
    ['a bad sha256', (c: ModelCard) => (c.sha256 = 'abc'), /sha256/],
    ['an unknown model type', (c: ModelCard) => ((c as unknown as Loose).model_type = 'svm'), /model_type/],
    [
      'a zipmap without label_name',
      (c: ModelCard) => ((c as unknown as Loose).output = { kind: 'zipmap', name: 'p', positive_class_index: 1 }),
      /label_name/,
    ],
    ['counts of the wrong length', (c: ModelCard) => c.feature_statistics.ret_1.counts.pop(), /ret_1\.counts/],
    [
      'missing feature statistics',
      (c: ModelCard) => delete (c.feature_statistics as Partial<Loose>).rsi_14,
      /rsi_14 is missing/,
    ],
    ['unsorted edges', (c: ModelCard) => c.prediction_statistics.edges.reverse(), /strictly increasing/],
  ])('rejects %s', (_label, mutate, message) => {
    const broken = clone();
    mutate(broken);
    expect(() => parseModelCard(broken)).toThrow(ModelCardValidationError);
    expect(() => parseModelCard(broken)).toThrow(message);
  });
});
