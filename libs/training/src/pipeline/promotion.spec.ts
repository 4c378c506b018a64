import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promoteIfBetter } from './promotion';
import { generateSyntheticRows } from './synthetic-dataset';
import { trainCandidates, type TrainingRun } from './train-pipeline';

const SHIPPED_CHAMPION = resolve(__dirname, '../../../../models/phase5/champion');

/** Relative path → sha256 of every file under `dir`. */
function hashTree(dir: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(dir, rel))) {
    const path = rel ? `${rel}/${name}` : name;
    if (statSync(join(dir, path)).isDirectory()) {
      Object.assign(out, hashTree(dir, path));
    } else {
      out[path] = createHash('sha256')
        .update(readFileSync(join(dir, path)))
        .digest('hex');
    }
  }
  return out;
}

describe('promoteIfBetter', () => {
  let run: TrainingRun;
  const dirs: string[] = [];

  /** A models directory whose champion/ is a copy of the shipped champion, its card edited by `editCard`. */
  function modelsDir(editCard?: (card: Record<string, unknown>) => void): string {
    const dir = mkdtempSync(join(tmpdir(), 'promotion-'));
    dirs.push(dir);
    cpSync(SHIPPED_CHAMPION, join(dir, 'champion'), { recursive: true });
    if (editCard) {
      const path = join(dir, 'champion', 'model_card.json');
      const card = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      editCard(card);
      writeFileSync(path, JSON.stringify(card));
    }
    return dir;
  }

  beforeAll(() => {
    run = trainCandidates(generateSyntheticRows(3, 600), {
      models: ['logistic_regression'],
      seed: 3,
      holdoutFraction: 0.25,
    });
  });

  afterAll(() => {
    for (const dir of dirs) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps a better champion (the shipped forest against a small logistic regression)', async () => {
    const dir = modelsDir();
    const before = hashTree(dir);

    const decision = await promoteIfBetter(dir, run.candidates[0], run.holdout);

    expect(decision.promoted).toBe(false);
    expect(decision.champion?.card.model_version).toBe('v1-rf-s42-0ba10e2f');
    expect(decision.reason).toContain('is not beaten by');
    expect(hashTree(dir)).toEqual(before);
  });

  it('does not displace a scikit-learn ZipMap champion it cannot score', async () => {
    const dir = modelsDir((card) => {
      card.output = { kind: 'zipmap', name: 'output_probability', label_name: 'output_label', positive_class_index: 1 };
    });
    const before = hashTree(dir);

    const decision = await promoteIfBetter(dir, run.candidates[0], run.holdout);

    expect(decision.promoted).toBe(false);
    expect(decision.reason).toContain('cannot be scored by the trainer');
    expect(decision.reason).toContain('ZipMap');
    expect(hashTree(dir)).toEqual(before);
  });

  it('moves an unusable champion (sha256 mismatch) aside instead of making it the backup', async () => {
    const dir = modelsDir((card) => {
      card.sha256 = '0'.repeat(64);
    });

    const decision = await promoteIfBetter(dir, run.candidates[0], run.holdout);

    expect(decision.promoted).toBe(true);
    expect(decision.reason).toContain('does not match the sha256 of its card');
    const entries = readdirSync(dir);
    expect(entries).toContain('champion');
    expect(entries).not.toContain('backup');
    expect(entries.filter((e) => e.startsWith('champion.rejected-'))).toHaveLength(1);
    const card = JSON.parse(readFileSync(join(dir, 'champion', 'model_card.json'), 'utf8')) as { sha256: string };
    expect(card.sha256).toBe(run.candidates[0].card.sha256);
  });

  it('installs the candidate when there is no champion', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'promotion-empty-'));
    dirs.push(dir);

    const decision = await promoteIfBetter(dir, run.candidates[0], run.holdout);

    expect(decision.promoted).toBe(true);
    expect(decision.reason).toContain('no champion in');
    expect(readdirSync(dir)).toEqual(['champion']);
  });
});
