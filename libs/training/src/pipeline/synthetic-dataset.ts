import { FEATURE_COUNT, writeFeatures } from '@app/features';
import { iteratePatterns, SimulationOptions } from '@app/simulation';

/** Feature rows and labels before non-finite rows are dropped. */
export interface RawRows {
  /** Row-major n × 52. */
  X: Float64Array;
  y: Uint8Array;
  n: number;
  source: string;
}

/**
 * `rows` simulated patterns turned into feature rows with the serving feature builder (one
 * implementation for serving and training), label = the simulated outcome.
 */
export function generateSyntheticRows(
  seed: number,
  rows: number,
  options: SimulationOptions = {},
  onProgress?: (done: number, total: number) => void,
): RawRows {
  const X = new Float64Array(rows * FEATURE_COUNT);
  const y = new Uint8Array(rows);
  const patterns = iteratePatterns(seed, options);
  const step = Math.max(1, Math.floor(rows / 100));
  for (let i = 0; i < rows; i++) {
    const p = patterns.next().value;
    writeFeatures(p.input, X, i * FEATURE_COUNT);
    y[i] = p.outcome;
    if (onProgress && (i % step === step - 1 || i === rows - 1)) {
      onProgress(i + 1, rows);
    }
  }
  return { X, y, n: rows, source: `libs/simulation seed=${seed} rows=${rows}` };
}
