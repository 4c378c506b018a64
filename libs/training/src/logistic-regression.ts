import type { Dataset } from './dataset';

/** Options of {@link trainLogisticRegression}; defaults in brackets. */
export interface LogisticRegressionOptions {
  /** L2 penalty λ on the standardised coefficients, objective Σ log-loss + λ/2·‖w‖² (scikit-learn C = 1/λ) [1]. */
  l2?: number;
  /** Newton iterations at most [50]. */
  maxIter?: number;
  /** Converged when the Newton decrement λ²/2 (the predicted loss decrease) falls below this [1e-9]. */
  tol?: number;
}

/** Resolved hyper-parameters, snake_case as in the model card's `training.params`. */
export interface LogisticRegressionParams {
  [key: string]: number | boolean;
  l2: number;
  max_iter: number;
  tol: number;
}

/** How the Newton solver ended. */
export interface LogisticRegressionFit {
  iterations: number;
  converged: boolean;
  /** Final penalised objective divided by n. */
  loss: number;
}

/**
 * Trained logistic regression: P(y = 1) = σ(intercept + Σ coefficients[j]·x[j]) on raw features, the training
 * standardisation folded in. Coefficients and intercept are float32 values, exactly what the ONNX export carries.
 */
export class LogisticRegressionModel {
  readonly modelType = 'logistic_regression' as const;

  constructor(
    /** Per raw feature, float32. */
    readonly coefficients: Float32Array,
    /** float32 value. */
    readonly intercept: number,
    readonly params: LogisticRegressionParams,
    readonly fit: LogisticRegressionFit,
    /** The training means and standard deviations used for standardisation (1 for constant features). */
    readonly standardization: { mean: Float64Array; scale: Float64Array },
  ) {}

  get nFeatures(): number {
    return this.coefficients.length;
  }

  /** P(y = 1) for one row. */
  predictRow(x: ArrayLike<number>): number {
    return this.score(x, 0);
  }

  /** P(y = 1) for each row of a row-major n × nFeatures matrix. */
  predictProba(X: ArrayLike<number>, n = X.length / this.nFeatures): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = this.score(X, i * this.nFeatures);
    }
    return out;
  }

  private score(X: ArrayLike<number>, offset: number): number {
    const c = this.coefficients;
    let z = this.intercept;
    for (let j = 0; j < c.length; j++) {
      z += c[j] * Math.fround(X[offset + j]);
    }
    return sigmoid(z);
  }
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** log(1 + e^z), stable for large |z|. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** Resolves defaults and validates the options. */
export function resolveLogisticRegressionParams(options: LogisticRegressionOptions = {}): LogisticRegressionParams {
  const params = { l2: options.l2 ?? 1, max_iter: options.maxIter ?? 50, tol: options.tol ?? 1e-9 };
  if (!(params.l2 > 0) || !Number.isFinite(params.l2)) {
    throw new RangeError(`l2 must be a positive number, got ${params.l2}`);
  }
  if (!Number.isInteger(params.max_iter) || params.max_iter < 1) {
    throw new RangeError(`maxIter must be a positive integer, got ${params.max_iter}`);
  }
  if (!(params.tol > 0)) {
    throw new RangeError(`tol must be positive, got ${params.tol}`);
  }
  return params;
}

/**
 * L2-regularised logistic regression on standardised features (training mean/std), fitted by Newton's method
 * with a backtracking line search; the intercept is not penalised.
 */
export function trainLogisticRegression(
  data: Pick<Dataset, 'X' | 'y' | 'n' | 'd'>,
  options: LogisticRegressionOptions = {},
): LogisticRegressionModel {
  const { X, y, n, d } = data;
  const params = resolveLogisticRegressionParams(options);
  if (n < 1 || X.length !== n * d || y.length !== n) {
    throw new RangeError(`inconsistent data: X has ${X.length} values, y ${y.length}, n = ${n}, d = ${d}`);
  }

  const { mean, scale, constant } = standardization(X, n, d);
  // Design matrix with a leading column of ones for the intercept.
  const D = d + 1;
  const Z = new Float64Array(n * D);
  for (let i = 0; i < n; i++) {
    Z[i * D] = 1;
    for (let j = 0; j < d; j++) {
      const v = X[i * d + j];
      if (v - v !== 0) {
        throw new RangeError(`non-finite feature at row ${i}, column ${j}`);
      }
      Z[i * D + j + 1] = constant[j] ? 0 : (v - mean[j]) / scale[j];
    }
  }

  const theta = new Float64Array(D);
  const z = new Float64Array(n);
  const objective = (t: Float64Array): number => {
    let loss = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let a = 0; a < D; a++) {
        s += Z[i * D + a] * t[a];
      }
      z[i] = s;
      loss += softplus(s) - y[i] * s;
    }
    for (let a = 1; a < D; a++) {
      loss += 0.5 * params.l2 * t[a] * t[a];
    }
    return loss;
  };

  let loss = objective(theta);
  let iterations = 0;
  let converged = false;
  const grad = new Float64Array(D);
  const hess = new Float64Array(D * D);
  const candidate = new Float64Array(D);
  while (iterations < params.max_iter) {
    iterations++;
    grad.fill(0);
    hess.fill(0);
    for (let i = 0; i < n; i++) {
      const p = sigmoid(z[i]);
      const r = p - y[i];
      const s = p * (1 - p);
      const row = i * D;
      for (let a = 0; a < D; a++) {
        grad[a] += r * Z[row + a];
      }
      // Upper triangle, two rows of H per pass over the row of Z (halves the loads).
      let a = 0;
      for (; a + 1 < D; a += 2) {
        const za0 = Z[row + a];
        const s0 = s * za0;
        const s1 = s * Z[row + a + 1];
        const h0 = a * D;
        const h1 = h0 + D;
        hess[h0 + a] += s0 * za0;
        for (let b = a + 1; b < D; b++) {
          const zb = Z[row + b];
          hess[h0 + b] += s0 * zb;
          hess[h1 + b] += s1 * zb;
        }
      }
      if (a < D) {
        const za = Z[row + a];
        hess[a * D + a] += s * za * za;
      }
    }
    for (let a = 1; a < D; a++) {
      grad[a] += params.l2 * theta[a];
      hess[a * D + a] += params.l2;
    }
    for (let a = 0; a < D; a++) {
      for (let b = 0; b < a; b++) {
        hess[a * D + b] = hess[b * D + a];
      }
    }

    const step = choleskySolve(hess, grad, D);
    let decrement = 0;
    for (let a = 0; a < D; a++) {
      decrement += grad[a] * step[a];
    }
    if (decrement / 2 < params.tol) {
      converged = true;
      break;
    }
    // Backtracking (Armijo) line search along the Newton direction.
    let t = 1;
    let accepted = false;
    for (let k = 0; k < 30; k++) {
      for (let a = 0; a < D; a++) {
        candidate[a] = theta[a] - t * step[a];
      }
      const next = objective(candidate);
      if (next <= loss - 1e-4 * t * decrement) {
        theta.set(candidate);
        loss = next;
        accepted = true;
        break;
      }
      t /= 2;
    }
    if (!accepted) {
      // No further decrease possible in double precision: at the optimum up to rounding.
      objective(theta);
      converged = decrement / 2 < 1e-6 * Math.max(1, loss);
      break;
    }
  }

  // Fold the standardisation: w·(x − μ)/s + b = (w/s)·x + (b − Σ w·μ/s).
  const coefficients = new Float32Array(d);
  let intercept = theta[0];
  for (let j = 0; j < d; j++) {
    if (constant[j]) {
      continue;
    }
    const c = theta[j + 1] / scale[j];
    coefficients[j] = c;
    intercept -= c * mean[j];
  }
  return new LogisticRegressionModel(
    coefficients,
    Math.fround(intercept),
    params,
    { iterations, converged, loss: loss / n },
    { mean, scale },
  );
}

function standardization(
  X: ArrayLike<number>,
  n: number,
  d: number,
): { mean: Float64Array; scale: Float64Array; constant: boolean[] } {
  const mean = new Float64Array(d);
  const scale = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      mean[j] += X[i * d + j];
    }
  }
  for (let j = 0; j < d; j++) {
    mean[j] /= n;
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const dev = X[i * d + j] - mean[j];
      scale[j] += dev * dev;
    }
  }
  const constant: boolean[] = [];
  for (let j = 0; j < d; j++) {
    const std = Math.sqrt(scale[j] / n);
    const isConstant = !(std > 1e-12 * Math.max(1, Math.abs(mean[j])));
    constant.push(isConstant);
    scale[j] = isConstant ? 1 : std;
  }
  return { mean, scale, constant };
}

/** Solves H·x = g for symmetric positive definite H (Cholesky), adding a tiny ridge if H is not quite PD. */
function choleskySolve(H: Float64Array, g: Float64Array, D: number): Float64Array {
  for (let jitter = 0; ; jitter = jitter === 0 ? 1e-10 : jitter * 100) {
    const L = new Float64Array(D * D);
    let ok = true;
    for (let i = 0; i < D && ok; i++) {
      for (let j = 0; j <= i; j++) {
        let s = H[i * D + j] + (i === j ? jitter * Math.max(1, H[i * D + i]) : 0);
        for (let k = 0; k < j; k++) {
          s -= L[i * D + k] * L[j * D + k];
        }
        if (i === j) {
          if (!(s > 0)) {
            ok = false;
            break;
          }
          L[i * D + i] = Math.sqrt(s);
        } else {
          L[i * D + j] = s / L[j * D + j];
        }
      }
    }
    if (!ok) {
      if (jitter > 1) {
        throw new Error('logistic regression: Hessian is not positive definite');
      }
      continue;
    }
    const x = new Float64Array(D);
    for (let i = 0; i < D; i++) {
      let s = g[i];
      for (let k = 0; k < i; k++) {
        s -= L[i * D + k] * x[k];
      }
      x[i] = s / L[i * D + i];
    }
    for (let i = D - 1; i >= 0; i--) {
      let s = x[i];
      for (let k = i + 1; k < D; k++) {
        s -= L[k * D + i] * x[k];
      }
      x[i] = s / L[i * D + i];
    }
    return x;
  }
}
