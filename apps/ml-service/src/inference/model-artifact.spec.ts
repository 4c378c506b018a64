import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_SCHEMA_VERSION } from '@app/features';
import { ModelRefusal, openModel, parseCard, scoreRows, ServingCard } from './model-artifact';
import { OnnxRuntime } from './onnx-runtime.provider';
import { sklearnStyleLogisticModel } from './testing/sklearn-style-model';

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function card(bytes: Uint8Array, patch: Partial<ServingCard> = {}): ServingCard {
  return {
    model_version: 'sk-1',
    model_type: 'logistic_regression',
    feature_schema_version: FEATURE_SCHEMA_VERSION,
    feature_names: [...FEATURE_NAMES],
    input_name: 'float_input',
    output: { kind: 'zipmap', name: 'output_probability', label_name: 'output_label', positive_class_index: 1 },
    sha256: createHash('sha256').update(bytes).digest('hex'),
    ...patch,
  };
}

describe('scikit-learn style models (label + ZipMap)', () => {
  const rand = seeded(3);
  const w = Float32Array.from({ length: FEATURE_COUNT }, () => (rand() - 0.5) * 0.4);
  const b = 0.1;
  const bytes = sklearnStyleLogisticModel(w, b);

  it('cannot be read by onnxruntime-node as shipped (why the rewrite exists)', async () => {
    const session = await ort.InferenceSession.create(bytes);
    const x = new ort.Tensor('float32', new Float32Array(FEATURE_COUNT), [1, FEATURE_COUNT]);
    await expect(session.run({ float_input: x }, ['output_probability'])).rejects.toThrow(/Non tensor type/);
  });

  it('loads after the ZipMap rewrite and reproduces predict_proba within 1e-6', async () => {
    const model = await openModel(new OnnxRuntime(), 'champion', '/tmp', card(bytes), bytes);
    expect(model.outputName).toBe('probabilities');
    const rows = 200;
    const X = Float32Array.from({ length: rows * FEATURE_COUNT }, () => (rand() - 0.5) * 4);
    const p = await scoreRows(model, X, rows);
    for (let r = 0; r < rows; r++) {
      let z = b;
      for (let j = 0; j < FEATURE_COUNT; j++) {
        z += w[j] * X[r * FEATURE_COUNT + j];
      }
      expect(Math.abs(p[r] - 1 / (1 + Math.exp(-z)))).toBeLessThan(1e-6);
    }
    await model.session.release();
  });

  it('refuses a card that points at an output the graph lacks', async () => {
    const bad = card(bytes, { output: { kind: 'zipmap', name: 'nope', positive_class_index: 1 } });
    await expect(openModel(new OnnxRuntime(), 'champion', '/tmp', bad, bytes)).rejects.toMatchObject({
      reason: 'onnx_unparsable',
    });
  });

  it('refuses a wrong input name as a shape mismatch', async () => {
    const bad = card(bytes, { input_name: 'features' });
    await expect(openModel(new OnnxRuntime(), 'champion', '/tmp', bad, bytes)).rejects.toMatchObject({
      reason: 'shape_mismatch',
    });
  });
});

describe('parseCard', () => {
  it.each([
    ['not json', '{', 'card_invalid'],
    ['missing fields', '{}', 'card_invalid'],
    [
      'other schema version',
      JSON.stringify({ ...card(new Uint8Array()), feature_schema_version: 'v2' }),
      'schema_mismatch',
    ],
    [
      '51 features',
      JSON.stringify({ ...card(new Uint8Array()), feature_names: FEATURE_NAMES.slice(1) }),
      'schema_mismatch',
    ],
  ])('refuses %s', (_name, raw, reason) => {
    expect(() => parseCard(raw)).toThrow(ModelRefusal);
    try {
      parseCard(raw);
    } catch (err) {
      expect((err as ModelRefusal).reason).toBe(reason);
    }
  });
});
