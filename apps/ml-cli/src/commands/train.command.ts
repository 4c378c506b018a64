import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MODEL_TYPES, ModelType } from '@app/training';
import {
  bestCandidate,
  generateSyntheticRows,
  MIN_TRAINING_ROWS,
  promoteIfBetter,
  RawRows,
  readDatasetFile,
  trainCandidates,
  writeModelDir,
} from '@app/training/pipeline';
import { intOption, numberOption, parseArgs, stringOption, UsageError } from '../cli-args';
import { Progress } from '../progress';

export const TRAIN_USAGE = `npm run train -- --models random_forest logistic [--rows N] [--seed S] [--data file.jsonl|file.csv]
                 [--out models/phase5] [--holdout 0.25] [--trees 100] [--depth 12] [--min-leaf 20] [--l2 1] [--quiet]`;

const OPTIONS = [
  'models',
  'rows',
  'seed',
  'data',
  'out',
  'holdout',
  'trees',
  'depth',
  'min-leaf',
  'l2',
  'quiet',
] as const;
const MODEL_ALIASES: Record<string, ModelType> = {
  random_forest: 'random_forest',
  rf: 'random_forest',
  logistic: 'logistic_regression',
  logistic_regression: 'logistic_regression',
  lr: 'logistic_regression',
};

interface TrainArgs {
  models: ModelType[];
  rows: number;
  seed: number;
  data?: string;
  out: string;
  holdout: number;
  trees: number;
  depth: number;
  minLeaf: number;
  l2: number;
  quiet: boolean;
}

/** Validates every argument before anything is generated or written. */
export function parseTrainArgs(argv: string[]): TrainArgs {
  const args = parseArgs(argv, OPTIONS, ['quiet']);
  if (args.has('data') && args.has('rows')) {
    throw new UsageError(
      '--rows sizes generated data; with --data the file decides the rows, so give one or the other',
    );
  }
  const names = args.get('models') ?? ['random_forest', 'logistic'];
  if (names.length === 0) {
    throw new UsageError(`--models needs at least one of ${Object.keys(MODEL_ALIASES).join(', ')}`);
  }
  const models = names.map((n) => {
    const m = MODEL_ALIASES[n];
    if (!m) {
      throw new UsageError(`unknown model "${n}" (known: ${MODEL_TYPES.join(', ')}, or logistic)`);
    }
    return m;
  });
  const out = resolve(stringOption(args, 'out', 'models/phase5')!);
  if (existsSync(out) && !statSync(out).isDirectory()) {
    throw new UsageError(`--out ${out} exists and is not a directory`);
  }
  return {
    models: [...new Set(models)],
    rows: intOption(args, 'rows', 100_000, MIN_TRAINING_ROWS, 5_000_000),
    seed: intOption(args, 'seed', 42, 0, 2 ** 31 - 1),
    data: stringOption(args, 'data'),
    out,
    holdout: numberOption(args, 'holdout', 0.25, 0.05, 0.5),
    trees: intOption(args, 'trees', 100, 1, 2000),
    depth: intOption(args, 'depth', 12, 1, 40),
    minLeaf: intOption(args, 'min-leaf', 20, 1, 100_000),
    l2: numberOption(args, 'l2', 1, 0, 1e6),
    quiet: args.has('quiet'),
  };
}

const fmt = (v: number): string => v.toFixed(4);

/** `train`: data → models → holdout table → ONNX + cards under out/candidates → promotion decision. */
export async function trainCommand(argv: string[], out: (line: string) => void): Promise<void> {
  const a = parseTrainArgs(argv);
  const progress = new Progress(!a.quiet);
  let raw: RawRows;
  if (a.data) {
    raw = readDatasetFile(a.data);
    out(`read ${raw.n} rows from ${a.data}`);
  } else {
    raw = generateSyntheticRows(a.seed, a.rows, {}, (done, total) => progress.update('generate patterns', done, total));
  }
  const run = trainCandidates(raw, {
    models: a.models,
    seed: a.seed,
    holdoutFraction: a.holdout,
    randomForest: { nTrees: a.trees, maxDepth: a.depth, minSamplesLeaf: a.minLeaf },
    logisticRegression: { l2: a.l2 },
    onProgress: (stage, done, total) => progress.update(stage, done, total),
  });
  progress.stop();

  out('');
  out(
    `rows: ${raw.n} (${run.droppedNonFinite} dropped as non-finite), train ${run.train.n}, holdout ${run.holdout.n}, seed ${a.seed}`,
  );
  out('| model | AUC | Brier | log loss | accuracy@0.5 | train s |');
  out('|---|---|---|---|---|---|');
  for (const c of run.candidates) {
    const m = c.metrics;
    out(
      `| ${c.card.model_version} (${c.modelType}) | ${fmt(m.auc)} | ${fmt(m.brier)} | ${fmt(m.log_loss)} | ${fmt(m.accuracy_at_0_5)} | ${c.trainSeconds.toFixed(1)} |`,
    );
  }
  const r = run.rule;
  out(
    `| rule_confidence alone | ${fmt(r.auc)} | ${fmt(r.brier)} | ${fmt(r.log_loss)} | ${fmt(r.accuracy_at_0_5)} | - |`,
  );

  for (const c of run.candidates) {
    writeModelDir(join(a.out, 'candidates', c.modelType), c);
  }
  out(`\ncandidates written to ${join(a.out, 'candidates')}/`);
  const best = bestCandidate(run);
  const decision = await promoteIfBetter(a.out, best, run.holdout);
  out(`${decision.promoted ? 'PROMOTED' : 'NOT PROMOTED'}: ${decision.reason}`);
}
