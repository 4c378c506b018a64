import { createHash } from 'node:crypto';
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_SCHEMA_VERSION } from '@app/features';
import { OnnxRuntime, ScoringSession } from './onnx-runtime.provider';
import { rewriteZipMap } from './zipmap-rewrite.util';

/** Why a model slot was refused; shown in /api/ml/health and /api/ml/models. */
export type RefusalReason =
  | 'card_missing'
  | 'card_invalid'
  | 'model_missing'
  | 'sha256_mismatch'
  | 'schema_mismatch'
  | 'onnx_unparsable'
  | 'shape_mismatch';

export class ModelRefusal extends Error {
  constructor(
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
  }
}

/** The parts of model_card.json (DESIGN §6) the registry relies on. */
export interface CardOutput {
  kind: 'probability_tensor' | 'zipmap';
  name: string;
  positive_class_index: number;
  label_name?: string;
}

export interface ServingCard {
  model_version: string;
  model_type: string;
  feature_schema_version: string;
  feature_names: string[];
  input_name: string;
  output: CardOutput;
  sha256: string;
  [key: string]: unknown;
}

/** A model that passed every check and is ready to score. */
export interface LoadedModel {
  slot: string;
  dir: string;
  card: ServingCard;
  session: ScoringSession;
  /** The tensor read for probabilities (after a ZipMap rewrite, the ZipMap's input). */
  outputName: string;
  positiveIndex: number;
  /** Version plus a sha prefix: the cache key namespace, so changed bytes never reuse old scores. */
  cacheTag: string;
  loadedAt: Date;
}

/** Parses and checks a card; throws ModelRefusal('card_invalid' | 'schema_mismatch'). */
export function parseCard(raw: string): ServingCard {
  let card: Partial<ServingCard>;
  try {
    card = JSON.parse(raw) as Partial<ServingCard>;
  } catch (err) {
    throw new ModelRefusal('card_invalid', `model_card.json is not valid JSON: ${(err as Error).message}`);
  }
  const missing = [
    'model_version',
    'model_type',
    'feature_schema_version',
    'feature_names',
    'input_name',
    'output',
    'sha256',
  ].filter((k) => card[k as keyof ServingCard] === undefined);
  if (missing.length > 0) {
    throw new ModelRefusal('card_invalid', `model_card.json lacks ${missing.join(', ')}`);
  }
  const output = card.output as CardOutput;
  if (!['probability_tensor', 'zipmap'].includes(output.kind) || typeof output.name !== 'string') {
    throw new ModelRefusal('card_invalid', 'model_card.json output must be {kind: probability_tensor|zipmap, name}');
  }
  if (!Number.isInteger(output.positive_class_index) || output.positive_class_index < 0) {
    throw new ModelRefusal(
      'card_invalid',
      'model_card.json output.positive_class_index must be a non-negative integer',
    );
  }
  if (card.feature_schema_version !== FEATURE_SCHEMA_VERSION) {
    throw new ModelRefusal(
      'schema_mismatch',
      `card feature_schema_version ${String(card.feature_schema_version)} ≠ service ${FEATURE_SCHEMA_VERSION}`,
    );
  }
  const names = card.feature_names ?? [];
  const firstDiff = FEATURE_NAMES.findIndex((n, i) => names[i] !== n);
  if (names.length !== FEATURE_COUNT || firstDiff >= 0) {
    throw new ModelRefusal(
      'schema_mismatch',
      names.length !== FEATURE_COUNT
        ? `card lists ${names.length} features, schema ${FEATURE_SCHEMA_VERSION} has ${FEATURE_COUNT}`
        : `card feature ${firstDiff} is "${names[firstDiff]}", schema expects "${FEATURE_NAMES[firstDiff]}"`,
    );
  }
  return card as ServingCard;
}

function dimOk(dim: number | string | undefined, expected: number): boolean {
  return dim === undefined || typeof dim === 'string' || dim === expected || dim === -1;
}

/**
 * Turns verified bytes into a warm session: rewrites a ZipMap graph, checks the input and output
 * signatures against the card, and runs one row to prove the output is a probability.
 */
export async function openModel(
  runtime: OnnxRuntime,
  slot: string,
  dir: string,
  card: ServingCard,
  bytes: Uint8Array,
): Promise<LoadedModel> {
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== card.sha256.toLowerCase()) {
    throw new ModelRefusal(
      'sha256_mismatch',
      `model.onnx sha256 ${sha.slice(0, 12)}… ≠ card ${card.sha256.slice(0, 12)}…`,
    );
  }
  let model = bytes;
  let outputName = card.output.name;
  try {
    if (card.output.kind === 'zipmap') {
      const rewrite = rewriteZipMap(bytes, card.output.name);
      model = rewrite.model;
      outputName = rewrite.probabilityOutput;
    }
  } catch (err) {
    throw new ModelRefusal('onnx_unparsable', `cannot rewrite ZipMap: ${(err as Error).message}`);
  }
  let session: ScoringSession;
  try {
    session = await runtime.createSession(model);
  } catch (err) {
    throw new ModelRefusal('onnx_unparsable', `onnxruntime cannot load model.onnx: ${(err as Error).message}`);
  }
  try {
    const input = session.inputs.find((i) => i.name === card.input_name);
    if (!input || !input.isTensor || (input.type !== undefined && input.type !== 'float32')) {
      throw new ModelRefusal('shape_mismatch', `no float32 tensor input named "${card.input_name}"`);
    }
    if (input.shape.length !== 2 || !dimOk(input.shape[1], FEATURE_COUNT)) {
      throw new ModelRefusal('shape_mismatch', `input shape [${input.shape.join(', ')}] is not [N, ${FEATURE_COUNT}]`);
    }
    const output = session.outputs.find((o) => o.name === outputName);
    if (!output || !output.isTensor) {
      throw new ModelRefusal('shape_mismatch', `no tensor output named "${outputName}"`);
    }
    const probe = await session.run(card.input_name, new Float32Array(FEATURE_COUNT * 2), 2, FEATURE_COUNT, outputName);
    const cols = probe.dims.length === 2 ? probe.dims[1] : 1;
    if (probe.dims[0] !== 2 || card.output.positive_class_index >= cols) {
      throw new ModelRefusal(
        'shape_mismatch',
        `output dims [${probe.dims.join(', ')}] lack class ${card.output.positive_class_index} for 2 rows`,
      );
    }
    const p = probe.data[card.output.positive_class_index];
    if (!(p >= 0 && p <= 1)) {
      throw new ModelRefusal('shape_mismatch', `output "${outputName}" is not a probability (got ${p})`);
    }
    return {
      slot,
      dir,
      card,
      session,
      outputName,
      positiveIndex: card.output.positive_class_index,
      cacheTag: `${card.model_version}@${sha.slice(0, 12)}`,
      loadedAt: new Date(),
    };
  } catch (err) {
    await session.release().catch(() => undefined);
    if (err instanceof ModelRefusal) {
      throw err;
    }
    throw new ModelRefusal('shape_mismatch', `model failed its warm-up run: ${(err as Error).message}`);
  }
}

/** Probabilities of the positive class for `rows` rows; throws when the output is not a probability. */
export async function scoreRows(model: LoadedModel, data: Float32Array, rows: number): Promise<Float32Array> {
  const { data: out, dims } = await model.session.run(
    model.card.input_name,
    data,
    rows,
    FEATURE_COUNT,
    model.outputName,
  );
  const cols = dims.length === 2 ? dims[1] : 1;
  if (dims[0] !== rows) {
    throw new Error(`model returned ${dims[0]} rows for ${rows}`);
  }
  const p = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const v = out[r * cols + model.positiveIndex];
    if (!(v >= 0 && v <= 1)) {
      throw new Error(`model returned a non-probability ${v} for row ${r}`);
    }
    p[r] = v;
  }
  return p;
}
