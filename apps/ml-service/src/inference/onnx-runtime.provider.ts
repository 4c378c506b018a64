import { Injectable } from '@nestjs/common';
import * as ort from 'onnxruntime-node';

/** Shape and type of one graph input or output, as the runtime reports it. */
export interface TensorSignature {
  name: string;
  isTensor: boolean;
  type?: string;
  shape: ReadonlyArray<number | string>;
}

/** A loaded model that scores row-major float32 feature matrices. */
export interface ScoringSession {
  readonly inputs: readonly TensorSignature[];
  readonly outputs: readonly TensorSignature[];
  /** Runs `rows` rows of `cols` features through the graph and returns the named output's data and dims. */
  run(
    inputName: string,
    data: Float32Array,
    rows: number,
    cols: number,
    outputName: string,
  ): Promise<{ data: Float32Array; dims: readonly number[] }>;
  release(): Promise<void>;
}

function signature(meta: ort.InferenceSession.ValueMetadata): TensorSignature {
  return meta.isTensor
    ? { name: meta.name, isTensor: true, type: meta.type, shape: meta.shape }
    : { name: meta.name, isTensor: false, shape: [] };
}

/**
 * The only place that imports onnxruntime-node. Everything else receives sessions through this
 * injectable, so tests can wrap it to simulate slow or failing inference.
 */
@Injectable()
export class OnnxRuntime {
  async createSession(model: Uint8Array): Promise<ScoringSession> {
    // One intra-op thread: requests are tiny, and the event loop needs the second core.
    const session = await ort.InferenceSession.create(model, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    return {
      inputs: session.inputMetadata.map(signature),
      outputs: session.outputMetadata.map(signature),
      async run(inputName, data, rows, cols, outputName) {
        const feeds = { [inputName]: new ort.Tensor('float32', data, [rows, cols]) };
        const result = await session.run(feeds, [outputName]);
        const out = result[outputName];
        return { data: out.data as Float32Array, dims: out.dims };
      },
      release: () => session.release(),
    };
  }
}
