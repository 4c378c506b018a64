import { onnx } from 'onnx-proto';

import type { LogisticRegressionModel } from './logistic-regression';
import type { RandomForestModel } from './random-forest';

/** Name of the graph input: float32 [N, nFeatures]. */
export const ONNX_INPUT_NAME = 'features';
/** Name of the probability output: float32 [N, 2] = [P(y = 0), P(y = 1)]. */
export const ONNX_PROBABILITIES_OUTPUT = 'probabilities';
/** Name of the label output: int64 [N], 1 when P(y = 1) ≥ 0.5. */
export const ONNX_LABEL_OUTPUT = 'label';
/** Index of the positive class in the probability output. */
export const ONNX_POSITIVE_CLASS_INDEX = 1;
export const ONNX_IR_VERSION = 8;
/** Default-domain opset (Gather, GreaterOrEqual, Cast, MatMul, Add, Sigmoid, Sub, Concat). */
export const ONNX_OPSET = 17;
/** `ai.onnx.ml` opset (TreeEnsembleClassifier). */
export const ONNX_ML_OPSET = 3;

export interface OnnxExportOptions {
  /** Graph name [model type]. */
  graphName?: string;
  /** Written into the model's doc_string. */
  docString?: string;
  /** Key/value pairs stored as ONNX metadata_props (e.g. model_version, feature_schema_version). */
  metadata?: Record<string, string>;
}

const { AttributeType } = onnx.AttributeProto;
const { DataType } = onnx.TensorProto;
const encoder = new TextEncoder();

/** Serialises a trained forest or logistic regression to ONNX bytes (see the two exporters). */
export function exportModelToOnnx(
  model: RandomForestModel | LogisticRegressionModel,
  options: OnnxExportOptions = {},
): Uint8Array {
  switch (model.modelType) {
    case 'random_forest':
      return exportRandomForestToOnnx(model, options);
    case 'logistic_regression':
      return exportLogisticRegressionToOnnx(model, options);
  }
}

/**
 * The forest as one `ai.onnx.ml` TreeEnsembleClassifier (BRANCH_LEQ on the float32 thresholds, post_transform
 * NONE, aggregate SUM). Every leaf carries explicit weights for both class ids, (1 − p)/T for class 0 and p/T
 * for class 1, so the summed class scores are exactly [1 − mean p, mean p]. With two class ids the runtime's
 * own label output is not argmax(probabilities) (it reports 1 whenever P(1) > 0), so it is left unused and
 * `label` is rebuilt as P(1) ≥ 0.5.
 */
export function exportRandomForestToOnnx(model: RandomForestModel, options: OnnxExportOptions = {}): Uint8Array {
  const nTrees = model.trees.length;
  const treeIds: number[] = [];
  const nodeIds: number[] = [];
  const featureIds: number[] = [];
  const modes: Uint8Array[] = [];
  const values: number[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const classTreeIds: number[] = [];
  const classNodeIds: number[] = [];
  const classIds: number[] = [];
  const classWeights: number[] = [];
  const branch = encoder.encode('BRANCH_LEQ');
  const leaf = encoder.encode('LEAF');

  model.trees.forEach((tree, t) => {
    for (let k = 0; k < tree.feature.length; k++) {
      treeIds.push(t);
      nodeIds.push(k);
      const isLeaf = tree.feature[k] < 0;
      featureIds.push(isLeaf ? 0 : tree.feature[k]);
      modes.push(isLeaf ? leaf : branch);
      values.push(isLeaf ? 0 : tree.threshold[k]);
      trueIds.push(isLeaf ? 0 : tree.left[k]);
      falseIds.push(isLeaf ? 0 : tree.right[k]);
      if (isLeaf) {
        const p = tree.value[k];
        classTreeIds.push(t, t);
        classNodeIds.push(k, k);
        classIds.push(0, 1);
        classWeights.push((1 - p) / nTrees, p / nTrees);
      }
    }
  });

  const ensemble = onnx.NodeProto.create({
    name: 'forest',
    opType: 'TreeEnsembleClassifier',
    domain: 'ai.onnx.ml',
    input: [ONNX_INPUT_NAME],
    output: ['forest_label_unused', ONNX_PROBABILITIES_OUTPUT],
    attribute: [
      intsAttr('classlabels_int64s', [0, 1]),
      intsAttr('nodes_treeids', treeIds),
      intsAttr('nodes_nodeids', nodeIds),
      intsAttr('nodes_featureids', featureIds),
      { name: 'nodes_modes', type: AttributeType.STRINGS, strings: modes },
      floatsAttr('nodes_values', values),
      intsAttr('nodes_truenodeids', trueIds),
      intsAttr('nodes_falsenodeids', falseIds),
      intsAttr('class_treeids', classTreeIds),
      intsAttr('class_nodeids', classNodeIds),
      intsAttr('class_ids', classIds),
      floatsAttr('class_weights', classWeights),
      { name: 'post_transform', type: AttributeType.STRING, s: encoder.encode('NONE') },
    ],
  });

  return encodeModel(
    [ensemble, ...labelNodes()],
    [...labelInitializers()],
    model.nFeatures,
    options.graphName ?? 'random_forest',
    options,
  );
}

/**
 * The logistic regression in plain operators: probabilities = Concat(1 − σ(x·W + b), σ(x·W + b)) with the
 * float32 coefficients and intercept the model itself predicts with.
 */
export function exportLogisticRegressionToOnnx(
  model: LogisticRegressionModel,
  options: OnnxExportOptions = {},
): Uint8Array {
  const d = model.nFeatures;
  const nodes = [
    node('MatMul', [ONNX_INPUT_NAME, 'lr_coefficients'], ['lr_linear']),
    node('Add', ['lr_linear', 'lr_intercept'], ['lr_logit']),
    node('Sigmoid', ['lr_logit'], ['lr_p1']),
    node('Sub', ['lr_one', 'lr_p1'], ['lr_p0']),
    node('Concat', ['lr_p0', 'lr_p1'], [ONNX_PROBABILITIES_OUTPUT], [intAttr('axis', 1)]),
    ...labelNodes(),
  ];
  const initializers = [
    floatTensor('lr_coefficients', [d, 1], Array.from(model.coefficients)),
    floatTensor('lr_intercept', [1], [model.intercept]),
    floatTensor('lr_one', [1], [1]),
    ...labelInitializers(),
  ];
  return encodeModel(nodes, initializers, d, options.graphName ?? 'logistic_regression', options);
}

/** label = int64(probabilities[:, 1] ≥ 0.5). */
function labelNodes(): onnx.INodeProto[] {
  return [
    node('Gather', [ONNX_PROBABILITIES_OUTPUT, 'label_positive_index'], ['label_p1'], [intAttr('axis', 1)]),
    node('GreaterOrEqual', ['label_p1', 'label_threshold'], ['label_bool']),
    node('Cast', ['label_bool'], [ONNX_LABEL_OUTPUT], [intAttr('to', DataType.INT64)]),
  ];
}

function labelInitializers(): onnx.ITensorProto[] {
  return [
    onnx.TensorProto.create({
      name: 'label_positive_index',
      dims: [],
      dataType: DataType.INT64,
      int64Data: [ONNX_POSITIVE_CLASS_INDEX],
    }),
    floatTensor('label_threshold', [], [0.5]),
  ];
}

function encodeModel(
  nodes: onnx.INodeProto[],
  initializers: onnx.ITensorProto[],
  nFeatures: number,
  graphName: string,
  options: OnnxExportOptions,
): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    producerName: 'pattern-confidence-ml',
    producerVersion: '1',
    docString: options.docString ?? '',
    opsetImport: [
      { domain: '', version: ONNX_OPSET },
      { domain: 'ai.onnx.ml', version: ONNX_ML_OPSET },
    ],
    metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: graphName,
      node: nodes,
      initializer: initializers,
      input: [tensorInfo(ONNX_INPUT_NAME, DataType.FLOAT, ['N', nFeatures])],
      output: [
        tensorInfo(ONNX_LABEL_OUTPUT, DataType.INT64, ['N']),
        tensorInfo(ONNX_PROBABILITIES_OUTPUT, DataType.FLOAT, ['N', 2]),
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

function node(
  opType: string,
  input: string[],
  output: string[],
  attribute: onnx.IAttributeProto[] = [],
): onnx.INodeProto {
  return { name: output[0], opType, input, output, attribute };
}

function tensorInfo(name: string, elemType: number, dims: Array<string | number>): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((dim) => (typeof dim === 'string' ? { dimParam: dim } : { dimValue: dim })) },
      },
    },
  };
}

function floatTensor(name: string, dims: number[], data: number[]): onnx.ITensorProto {
  return onnx.TensorProto.create({ name, dims, dataType: DataType.FLOAT, floatData: data });
}

function intAttr(name: string, i: number): onnx.IAttributeProto {
  return { name, type: AttributeType.INT, i };
}

function intsAttr(name: string, ints: number[]): onnx.IAttributeProto {
  return { name, type: AttributeType.INTS, ints };
}

function floatsAttr(name: string, floats: number[]): onnx.IAttributeProto {
  return { name, type: AttributeType.FLOATS, floats };
}
