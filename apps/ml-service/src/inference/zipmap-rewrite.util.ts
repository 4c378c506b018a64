import { onnx } from 'onnx-proto';

/** Result of rewriting a scikit-learn style graph: the new bytes and the tensor that now carries probabilities. */
export interface ZipMapRewrite {
  model: Uint8Array;
  probabilityOutput: string;
}

/**
 * onnxruntime-node cannot return ZipMap's sequence-of-maps output ("Non tensor type is temporarily
 * not supported"). Drop the ZipMap node and expose its input (the [N, classes] probability tensor)
 * as a graph output instead, keeping every other output (e.g. the label).
 */
export function rewriteZipMap(bytes: Uint8Array, zipmapOutput: string): ZipMapRewrite {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph) {
    throw new Error('ONNX model has no graph');
  }
  const nodes = graph.node ?? [];
  const zipmap = nodes.find((n) => n.opType === 'ZipMap' && (n.output ?? []).includes(zipmapOutput));
  if (!zipmap) {
    throw new Error(`no ZipMap node produces output "${zipmapOutput}"`);
  }
  const probabilityTensor = (zipmap.input ?? [])[0];
  if (!probabilityTensor) {
    throw new Error('ZipMap node has no input');
  }
  graph.node = nodes.filter((n) => n !== zipmap);
  const outputs = (graph.output ?? []).filter((o) => o.name !== zipmapOutput);
  outputs.push(
    onnx.ValueInfoProto.create({
      name: probabilityTensor,
      type: onnx.TypeProto.create({
        tensorType: onnx.TypeProto.Tensor.create({
          elemType: onnx.TensorProto.DataType.FLOAT,
          shape: onnx.TensorShapeProto.create({
            dim: [
              onnx.TensorShapeProto.Dimension.create({ dimParam: 'N' }),
              onnx.TensorShapeProto.Dimension.create({ dimParam: 'C' }),
            ],
          }),
        }),
      }),
    }),
  );
  graph.output = outputs;
  return { model: onnx.ModelProto.encode(model).finish(), probabilityOutput: probabilityTensor };
}
