import { OnnxRuntime, ScoringSession } from '@app/ml-service/inference/onnx-runtime.provider';

/**
 * The real onnxruntime seam with switchable faults: calls can be delayed or made to throw after the
 * model loaded fine, which a healthy runtime cannot be made to do. Counts model calls and rows.
 */
export class FaultyRuntime extends OnnxRuntime {
  mode: 'ok' | 'slow' | 'fail' = 'ok';
  delayMs = 0;
  runs = 0;
  rows = 0;

  override async createSession(model: Uint8Array): Promise<ScoringSession> {
    const real = await super.createSession(model);
    return {
      inputs: real.inputs,
      outputs: real.outputs,
      release: () => real.release(),
      run: async (inputName, data, rows, cols, outputName) => {
        this.runs++;
        this.rows += rows;
        if (this.mode === 'fail') {
          throw new Error('simulated runtime failure');
        }
        if (this.mode === 'slow') {
          await new Promise((r) => setTimeout(r, this.delayMs));
        }
        return real.run(inputName, data, rows, cols, outputName);
      },
    };
  }
}
