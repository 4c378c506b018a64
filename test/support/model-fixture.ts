import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSyntheticRows, trainCandidates, writeModelDir } from '@app/training/pipeline';

/** Models trained once per test process on simulated data (small, fast, real ONNX). */
let trained: { rf: string; lr: string } | null = null;

function trainFixtures(): { rf: string; lr: string } {
  if (trained) {
    return trained;
  }
  const root = mkdtempSync(join(tmpdir(), 'ml-fixture-models-'));
  const raw = generateSyntheticRows(7, 4000);
  const run = trainCandidates(raw, {
    models: ['random_forest', 'logistic_regression'],
    seed: 7,
    holdoutFraction: 0.25,
    randomForest: { nTrees: 20, maxDepth: 8 },
  });
  const rf = join(root, 'rf');
  const lr = join(root, 'lr');
  writeModelDir(
    rf,
    run.candidates.find((c) => c.modelType === 'random_forest')!,
  );
  writeModelDir(
    lr,
    run.candidates.find((c) => c.modelType === 'logistic_regression')!,
  );
  trained = { rf, lr };
  return trained;
}

export type SlotContent = 'rf' | 'lr' | 'corrupt' | 'sha_mismatch' | 'schema_mismatch' | 'empty';

/**
 * A fresh model directory with champion/ and backup/ filled as asked: a trained random forest or
 * logistic regression, a corrupted ONNX file (card sha updated, so only the bytes are bad), a
 * sha256 mismatch, a card whose feature schema differs, or nothing.
 */
export function makeModelDir(champion: SlotContent, backup: SlotContent = 'empty'): string {
  const models = trainFixtures();
  const dir = mkdtempSync(join(tmpdir(), 'ml-models-'));
  for (const [slot, content] of [
    ['champion', champion],
    ['backup', backup],
  ] as const) {
    fillSlot(join(dir, slot), content, models);
  }
  return dir;
}

export function fillSlot(target: string, content: SlotContent, models = trainFixtures()): void {
  if (content === 'empty') {
    mkdirSync(target, { recursive: true });
    return;
  }
  cpSync(content === 'lr' ? models.lr : models.rf, target, { recursive: true });
  const cardPath = join(target, 'model_card.json');
  const card = JSON.parse(readFileSync(cardPath, 'utf8')) as Record<string, unknown>;
  if (content === 'corrupt') {
    const bytes = readFileSync(join(target, 'model.onnx'));
    const broken = Buffer.from(bytes.subarray(0, Math.floor(bytes.length / 3)));
    writeFileSync(join(target, 'model.onnx'), broken);
    card.sha256 = createHash('sha256').update(broken).digest('hex');
  } else if (content === 'sha_mismatch') {
    card.sha256 = '0'.repeat(64);
  } else if (content === 'schema_mismatch') {
    const names = [...(card.feature_names as string[])];
    [names[0], names[1]] = [names[1], names[0]];
    card.feature_names = names;
  }
  writeFileSync(cardPath, JSON.stringify(card));
}

/** The card of a fixture model (version, type). */
export function fixtureCard(kind: 'rf' | 'lr'): { model_version: string; model_type: string } {
  const dir = trainFixtures()[kind];
  if (!existsSync(dir)) {
    throw new Error('fixture missing');
  }
  return JSON.parse(readFileSync(join(dir, 'model_card.json'), 'utf8')) as {
    model_version: string;
    model_type: string;
  };
}
