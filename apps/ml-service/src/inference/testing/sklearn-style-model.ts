import { onnx } from 'onnx-proto';

const { AttributeType } = onnx.AttributeProto;
const { DataType } = onnx.TensorProto;
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/**
 * The graph skl2onnx produces for a binary LogisticRegression (with ZipMap on): `float_input` →
 * LinearClassifier (LOGISTIC) → Normalizer (L1) → ZipMap → `output_probability` (a sequence of
 * maps), plus `output_label`. Built here because Python is not available to this project's tests.
 */
export function sklearnStyleLogisticModel(coefficients: ArrayLike<number>, intercept: number): Uint8Array {
  const w = Array.from(coefficients);
  const d = w.length;
  const nodes: onnx.INodeProto[] = [
    {
      name: 'LinearClassifier',
      opType: 'LinearClassifier',
      domain: 'ai.onnx.ml',
      input: ['float_input'],
      output: ['label', 'probability_tensor'],
      attribute: [
        { name: 'classlabels_ints', type: AttributeType.INTS, ints: [0, 1] },
        { name: 'coefficients', type: AttributeType.FLOATS, floats: [...w.map((x) => -x), ...w] },
        { name: 'intercepts', type: AttributeType.FLOATS, floats: [-intercept, intercept] },
        { name: 'multi_class', type: AttributeType.INT, i: 0 },
        { name: 'post_transform', type: AttributeType.STRING, s: text('LOGISTIC') },
      ],
    },
    {
      name: 'Normalizer',
      opType: 'Normalizer',
      domain: 'ai.onnx.ml',
      input: ['probability_tensor'],
      output: ['probabilities'],
      attribute: [{ name: 'norm', type: AttributeType.STRING, s: text('L1') }],
    },
    {
      name: 'Cast',
      opType: 'Cast',
      input: ['label'],
      output: ['output_label'],
      attribute: [{ name: 'to', type: AttributeType.INT, i: DataType.INT64 }],
    },
    {
      name: 'ZipMap',
      opType: 'ZipMap',
      domain: 'ai.onnx.ml',
      input: ['probabilities'],
      output: ['output_probability'],
      attribute: [{ name: 'classlabels_int64s', type: AttributeType.INTS, ints: [0, 1] }],
    },
  ];
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'skl2onnx',
    opsetImport: [
      { domain: '', version: 17 },
      { domain: 'ai.onnx.ml', version: 3 },
    ],
    graph: {
      name: 'sklearn_logistic',
      node: nodes,
      input: [
        {
          name: 'float_input',
          type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: d }] } } },
        },
      ],
      output: [
        {
          name: 'output_label',
          type: { tensorType: { elemType: DataType.INT64, shape: { dim: [{ dimParam: 'N' }] } } },
        },
        {
          name: 'output_probability',
          type: {
            sequenceType: {
              elemType: {
                mapType: { keyType: DataType.INT64, valueType: { tensorType: { elemType: DataType.FLOAT } } },
              },
            },
          },
        },
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
