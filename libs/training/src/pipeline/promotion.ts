import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { FEATURE_NAMES, FEATURE_SCHEMA_VERSION } from '@app/features';
import type { Dataset } from '../dataset';
import { BinaryMetrics, evaluateBinary } from '../metrics';
import { serializeModelCard, sha256Hex } from '../model-card';
import type { ModelCard } from '../model-card.interface';
import { isBetter, type Candidate } from './train-pipeline';

export interface ChampionScore {
  card: ModelCard;
  metrics: BinaryMetrics;
}

export interface PromotionDecision {
  promoted: boolean;
  reason: string;
  champion: ChampionScore | null;
}

/** Writes model.onnx + model_card.json into `dir` through a temporary sibling and a rename. */
export function writeModelDir(dir: string, candidate: Pick<Candidate, 'onnx' | 'card'>): void {
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(tmp, { recursive: true });
  try {
    writeFileSync(join(tmp, 'model.onnx'), candidate.onnx);
    writeFileSync(join(tmp, 'model_card.json'), serializeModelCard(candidate.card));
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** What is in champion/: nothing, something broken, a valid model this trainer cannot score, or a scored model. */
export type ChampionInspection =
  | { status: 'missing' }
  | { status: 'unusable'; reason: string }
  | { status: 'unscorable'; card: ModelCard; reason: string }
  | { status: 'scored'; score: ChampionScore };

/**
 * Scores the current champion on the same holdout with onnxruntime (its card's declared output).
 * A champion with another feature schema, a sha256 mismatch or an unloadable graph is `unusable`; a valid
 * scikit-learn ZipMap model (which the service loads after a graph rewrite) is `unscorable` here.
 */
export async function inspectChampion(outDir: string, holdout: Dataset): Promise<ChampionInspection> {
  const dir = join(outDir, 'champion');
  if (!existsSync(join(dir, 'model_card.json')) || !existsSync(join(dir, 'model.onnx'))) {
    return { status: 'missing' };
  }
  try {
    const card = JSON.parse(readFileSync(join(dir, 'model_card.json'), 'utf8')) as ModelCard;
    const bytes = readFileSync(join(dir, 'model.onnx'));
    const sameSchema =
      card.feature_schema_version === FEATURE_SCHEMA_VERSION &&
      Array.isArray(card.feature_names) &&
      card.feature_names.length === FEATURE_NAMES.length &&
      card.feature_names.every((n, i) => n === FEATURE_NAMES[i]);
    if (!sameSchema) {
      return { status: 'unusable', reason: 'its card declares another feature schema' };
    }
    if (sha256Hex(bytes) !== card.sha256) {
      return { status: 'unusable', reason: 'model.onnx does not match the sha256 of its card' };
    }
    if (card.output?.kind === 'zipmap') {
      return { status: 'unscorable', card, reason: 'its card declares a scikit-learn ZipMap output' };
    }
    if (card.output?.kind !== 'probability_tensor') {
      return { status: 'unusable', reason: 'its card declares no known output kind' };
    }
    const session = await ort.InferenceSession.create(bytes);
    try {
      const input = new ort.Tensor('float32', holdout.X, [holdout.n, holdout.d]);
      const out = await session.run({ [card.input_name]: input }, [card.output.name]);
      const data = out[card.output.name].data as Float32Array;
      const cols = data.length / holdout.n;
      const p = new Float64Array(holdout.n);
      for (let i = 0; i < holdout.n; i++) {
        p[i] = data[i * cols + card.output.positive_class_index];
      }
      return { status: 'scored', score: { card, metrics: evaluateBinary(holdout.y, p) } };
    } finally {
      await session.release();
    }
  } catch (err) {
    return { status: 'unusable', reason: `it cannot be read or run: ${(err as Error).message}` };
  }
}

/** The current champion's metrics on `holdout`, or null when there is none this trainer can score. */
export async function scoreChampion(outDir: string, holdout: Dataset): Promise<ChampionScore | null> {
  const inspection = await inspectChampion(outDir, holdout);
  return inspection.status === 'scored' ? inspection.score : null;
}

/**
 * Promotes `best` to champion/ (old champion → backup/) when it beats the current champion on the
 * same holdout; otherwise changes nothing. New files are complete before any rename.
 */
export async function promoteIfBetter(outDir: string, best: Candidate, holdout: Dataset): Promise<PromotionDecision> {
  const inspection = await inspectChampion(outDir, holdout);
  if (inspection.status === 'unscorable') {
    // The service loads it, so displacing it without a comparison could replace a better model.
    return {
      promoted: false,
      champion: null,
      reason: `current champion ${inspection.card.model_version} cannot be scored by the trainer (${inspection.reason}), so it is not replaced without a comparison; move it to backup/ by hand to install ${best.card.model_version} from candidates/`,
    };
  }
  const champion = inspection.status === 'scored' ? inspection.score : null;
  if (champion && !isBetter(best.metrics, champion.metrics)) {
    return {
      promoted: false,
      champion,
      reason: `current champion ${champion.card.model_version} (AUC ${champion.metrics.auc.toFixed(4)}) is not beaten by ${best.card.model_version} (AUC ${best.metrics.auc.toFixed(4)}) on the same holdout`,
    };
  }
  mkdirSync(outDir, { recursive: true });
  const championDir = join(outDir, 'champion');
  const backupDir = join(outDir, 'backup');
  const staged = join(outDir, `.staged-${process.pid}-${Date.now()}`);
  writeModelDir(staged, best);
  const oldBackup = join(outDir, `.old-backup-${process.pid}-${Date.now()}`);
  if (champion) {
    if (existsSync(backupDir)) {
      renameSync(backupDir, oldBackup);
    }
    renameSync(championDir, backupDir);
  } else if (existsSync(championDir)) {
    // An unusable champion must not become the backup; keep it aside for inspection.
    renameSync(championDir, join(outDir, `champion.rejected-${Date.now()}`));
  }
  renameSync(staged, championDir);
  rmSync(oldBackup, { recursive: true, force: true });
  return {
    promoted: true,
    champion,
    reason: champion
      ? `${best.card.model_version} (AUC ${best.metrics.auc.toFixed(4)}) beats ${champion.card.model_version} (AUC ${champion.metrics.auc.toFixed(4)}); previous champion moved to backup/`
      : inspection.status === 'unusable'
        ? `champion in ${championDir} is unusable (${inspection.reason}) and was moved aside; ${best.card.model_version} becomes champion`
        : `no champion in ${championDir}; ${best.card.model_version} becomes champion`,
  };
}
