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

/**
 * Scores the current champion on the same holdout with onnxruntime (its card's declared output).
 * Null when there is no usable champion: missing, corrupt, or another feature schema.
 */
export async function scoreChampion(outDir: string, holdout: Dataset): Promise<ChampionScore | null> {
  const dir = join(outDir, 'champion');
  if (!existsSync(join(dir, 'model_card.json')) || !existsSync(join(dir, 'model.onnx'))) {
    return null;
  }
  try {
    const card = JSON.parse(readFileSync(join(dir, 'model_card.json'), 'utf8')) as ModelCard;
    const bytes = readFileSync(join(dir, 'model.onnx'));
    const sameSchema =
      card.feature_schema_version === FEATURE_SCHEMA_VERSION &&
      card.feature_names.length === FEATURE_NAMES.length &&
      card.feature_names.every((n, i) => n === FEATURE_NAMES[i]);
    if (!sameSchema || sha256Hex(bytes) !== card.sha256 || card.output.kind !== 'probability_tensor') {
      return null;
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
      return { card, metrics: evaluateBinary(holdout.y, p) };
    } finally {
      await session.release();
    }
  } catch {
    return null;
  }
}

/**
 * Promotes `best` to champion/ (old champion → backup/) when it beats the current champion on the
 * same holdout; otherwise changes nothing. New files are complete before any rename.
 */
export async function promoteIfBetter(outDir: string, best: Candidate, holdout: Dataset): Promise<PromotionDecision> {
  const champion = await scoreChampion(outDir, holdout);
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
      : `no usable champion in ${championDir}; ${best.card.model_version} becomes champion`,
  };
}
