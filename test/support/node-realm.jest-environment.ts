import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import NodeEnvironment from 'jest-environment-node';

const SHARED_CONSTRUCTORS = [
  'ArrayBuffer',
  'Float32Array',
  'Float64Array',
  'Int8Array',
  'Int16Array',
  'Int32Array',
  'BigInt64Array',
  'Uint8Array',
  'Uint16Array',
  'Uint32Array',
  'BigUint64Array',
] as const;

/**
 * jest environment for specs that call onnxruntime-node (`@jest-environment` docblock). The native binding
 * returns typed arrays of Node's own realm while onnxruntime-common checks them with `instanceof` against
 * jest's sandbox globals, so every session.run fails with "A float32 tensor's data must be type of function
 * Float32Array()". Sharing the outer realm's typed-array constructors makes both sides agree.
 */
export default class OnnxRuntimeEnvironment extends NodeEnvironment {
  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    for (const name of SHARED_CONSTRUCTORS) {
      this.global[name] = globalThis[name] as never;
    }
  }
}
