import { createHash } from 'node:crypto';
import { CliResult, runCli } from './support/cli';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_SCHEMA_VERSION } from '@app/features';
import { parseModelCard, type ModelCard } from '@app/training';
import { generateSyntheticRows } from '@app/training/pipeline';

/**
 * `npm run train` as a real child process: every bad input exits 2 with a message naming the problem and
 * leaves the output directory byte-identical; good runs write candidates, promote only a better model and
 * move the old champion to backup/.
 */

const ROOT = resolve(__dirname, '..');
const SHIPPED = join(ROOT, 'models', 'phase5');

function runTrain(args: string[]): Promise<CliResult> {
  return runCli(['train', ...args]);
}

/** Every directory and file under `dir` (relative path → 'dir' or the file's sha256). */
function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        out[`${path}/`] = 'dir';
        walk(path);
      } else {
        out[path] = createHash('sha256')
          .update(readFileSync(join(dir, path)))
          .digest('hex');
      }
    }
  };
  walk('');
  return out;
}

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const readCard = (dir: string): ModelCard =>
  JSON.parse(readFileSync(join(dir, 'model_card.json'), 'utf8')) as ModelCard;

const scratch: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

/** A temporary models directory holding copies of the shipped champion and backup. */
function outDirWithShippedModels(): string {
  const dir = tempDir('ml-cli-out-');
  cpSync(join(SHIPPED, 'champion'), join(dir, 'champion'), { recursive: true });
  cpSync(join(SHIPPED, 'backup'), join(dir, 'backup'), { recursive: true });
  return dir;
}

/** Simulated feature rows with finite values only, as JSON-ready arrays. */
function featureRows(count: number, seed = 5): Array<{ features: number[]; label: number }> {
  const raw = generateSyntheticRows(seed, Math.ceil(count * 1.2));
  const rows: Array<{ features: number[]; label: number }> = [];
  for (let i = 0; i < raw.n && rows.length < count; i++) {
    const features = Array.from(raw.X.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT));
    if (features.every(Number.isFinite)) {
      rows.push({ features, label: raw.y[i] });
    }
  }
  return rows;
}

const jsonl = (rows: unknown[]): string => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;

describe('ml-cli train (child process)', () => {
  let dataDir: string;
  let shippedBefore: Record<string, string>;
  const files: Record<string, string> = {};

  beforeAll(() => {
    shippedBefore = { ...hashTree(join(SHIPPED, 'champion')), ...hashTree(join(SHIPPED, 'backup')) };
    dataDir = tempDir('ml-cli-data-');
    const rows = featureRows(300);
    const write = (name: string, text: string): void => {
      files[name] = join(dataDir, name);
      writeFileSync(files[name], text);
    };

    const ragged = rows.map((r) => ({ ...r }));
    ragged[2] = { ...ragged[2], features: ragged[2].features.slice(0, 51) };
    write('ragged.jsonl', jsonl(ragged));

    const nanString = rows.map((r) => ({ ...r })) as Array<{ features: unknown[]; label: number }>;
    nanString[1] = { ...nanString[1], features: [...rows[1].features] };
    nanString[1].features[8] = 'NaN';
    write('nan-string.jsonl', jsonl(nanString));

    // 1e400 is valid JSON that parses to Infinity; it has to be written as text.
    const lines = jsonl(rows).split('\n');
    lines[3] = JSON.stringify({ features: rows[3].features.map((v, j) => (j === 5 ? 7777.5 : v)), label: 1 }).replace(
      '7777.5',
      '1e400',
    );
    write('overflow.jsonl', lines.join('\n'));

    const withoutRsi = FEATURE_NAMES.filter((n) => n !== 'rsi_14');
    const rsiIndex = FEATURE_NAMES.indexOf('rsi_14');
    write(
      'missing-column.csv',
      [
        [...withoutRsi, 'label'].join(','),
        ...rows.map((r) => [...r.features.filter((_, j) => j !== rsiIndex), r.label].join(',')),
      ].join('\n'),
    );
    write('one-class.jsonl', jsonl(rows.map((r) => ({ ...r, label: 0 }))));
    write('not-an-object.jsonl', jsonl([rows[0], rows[1], null, rows[2]]));
    write('bad-label.jsonl', jsonl([rows[0], { ...rows[1], label: 2 }, rows[2]]));
    write('too-few.jsonl', jsonl(rows.slice(0, 50).map((r, i) => ({ ...r, label: i % 2 }))));
    write('header-only.csv', `${[...FEATURE_NAMES, 'label'].join(',')}\n`);
    write('not-a-directory', 'a file where a models directory was expected\n');
  });

  afterAll(() => {
    for (const dir of scratch) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('bad input: exit 2, the problem named, the models directory byte-identical', () => {
    const cases: Array<[string, () => string[], string]> = [
      ['an unknown model name', () => ['--models', 'random_forest', 'xgboost'], 'unknown model "xgboost"'],
      ['--models without a value', () => ['--models'], '--models needs at least one of'],
      ['a non-numeric --rows', () => ['--rows', 'lots'], '--rows needs one integer, got "lots"'],
      ['a fractional --rows', () => ['--rows', '2000.5'], '--rows needs one integer, got "2000.5"'],
      ['--rows below the minimum', () => ['--rows', '10'], '--rows must be between 200 and 5000000, got 10'],
      ['--rows above the maximum', () => ['--rows', '5000001'], '--rows must be between 200 and 5000000, got 5000001'],
      ['a negative --seed', () => ['--seed', '-1'], '--seed must be between 0 and 2147483647, got -1'],
      ['--seed beyond 2^31-1', () => ['--seed', '2147483648'], '--seed must be between 0 and 2147483647'],
      ['--holdout above 0.5', () => ['--holdout', '0.9'], '--holdout must be between 0.05 and 0.5, got 0.9'],
      ['--holdout below 0.05', () => ['--holdout=0.01'], '--holdout must be between 0.05 and 0.5, got 0.01'],
      ['a non-numeric --holdout', () => ['--holdout', 'NaN'], '--holdout needs one number, got "NaN"'],
      ['zero trees', () => ['--trees', '0'], '--trees must be between 1 and 2000, got 0'],
      ['an unknown option', () => ['--colour', 'blue'], 'unknown option --colour'],
      ['an option given twice', () => ['--seed', '1', '--seed', '2'], '--seed given twice'],
      ['positional junk', () => ['junk', '--models', 'random_forest'], 'unexpected argument "junk"'],
      ['a value after the --quiet flag', () => ['--quiet', 'junk'], 'unexpected argument "junk"'],
      [
        '--rows together with --data',
        () => ['--data', files['one-class.jsonl'], '--rows', '500'],
        'give one or the other',
      ],
      [
        'a missing --data file',
        () => ['--data', join(dataDir, 'nope.jsonl')],
        'nope.jsonl: ENOENT: no such file or directory',
      ],
      [
        'a ragged JSONL row (51 features)',
        () => ['--data', files['ragged.jsonl']],
        'ragged.jsonl:3: 51 features, expected 52',
      ],
      [
        'a "NaN" string feature',
        () => ['--data', files['nan-string.jsonl']],
        'nan-string.jsonl:2 feature rsi_14: expected a finite number, got "NaN"',
      ],
      [
        'a 1e400 feature (Infinity)',
        () => ['--data', files['overflow.jsonl']],
        'overflow.jsonl:4 feature vol_20: expected a finite number, got Infinity',
      ],
      [
        'a CSV without a feature column',
        () => ['--data', files['missing-column.csv']],
        'missing-column.csv:1: header lacks feature rsi_14',
      ],
      [
        'a CSV with a header only',
        () => ['--data', files['header-only.csv']],
        'header-only.csv has a header but no data rows',
      ],
      [
        'a dataset with one class',
        () => ['--data', files['one-class.jsonl']],
        'every label is 0; a classifier needs both classes',
      ],
      [
        'a JSONL line that is not an object',
        () => ['--data', files['not-an-object.jsonl']],
        'not-an-object.jsonl:3: expected a JSON object',
      ],
      ['a label that is not 0/1', () => ['--data', files['bad-label.jsonl']], 'bad-label.jsonl:2: label must be 0/1'],
      [
        'too few rows',
        () => ['--data', files['too-few.jsonl']],
        '50 usable rows (0 dropped as non-finite), need at least 200',
      ],
    ];

    it.each(cases)('%s', async (_name, args, message) => {
      // Arrange
      const out = outDirWithShippedModels();
      const before = hashTree(out);

      // Act
      const result = await runTrain([...args(), '--out', out, '--quiet']);

      // Assert
      expect(result.stderr).toContain(message);
      expect(result.stderr).toContain('usage: npm run train');
      expect(result.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
      expect(result.code).toBe(2);
      expect(hashTree(out)).toEqual(before);
    });

    it('an --out path that is a file', async () => {
      const file = files['not-a-directory'];
      const before = sha256(file);

      const result = await runTrain(['--models', 'logistic', '--rows', '300', '--out', file, '--quiet']);

      expect(result.stderr).toContain(`--out ${file} exists and is not a directory`);
      expect(result.code).toBe(2);
      expect(sha256(file)).toBe(before);
    });
  });

  describe('good runs into a fresh directory', () => {
    let out: string;
    const base = ['--rows', '2000', '--seed', '7', '--quiet'];

    beforeAll(() => {
      out = tempDir('ml-cli-train-');
    });

    it('trains both models, writes candidates and a champion with a complete card', async () => {
      const result = await runTrain(['--models', 'random_forest', 'logistic', '--trees', '5', ...base, '--out', out]);

      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('rows: 2000 (0 dropped as non-finite), train 1500, holdout 500, seed 7');
      expect(result.stdout).toMatch(/\| rule_confidence alone \| 0\.\d{4} \|/);
      expect(result.stdout).toContain('PROMOTED: no champion in');

      const cards = ['random_forest', 'logistic_regression'].map((type) => {
        const dir = join(out, 'candidates', type);
        const card = parseModelCard(readCard(dir));
        expect(card.model_type).toBe(type);
        expect(card.sha256).toBe(sha256(join(dir, 'model.onnx')));
        return card;
      });
      const champion = parseModelCard(readCard(join(out, 'champion')));
      const best = cards[0].metrics.auc > cards[1].metrics.auc ? cards[0] : cards[1];
      expect(champion).toEqual(best);
      expect(sha256(join(out, 'champion', 'model.onnx'))).toBe(champion.sha256);
      expect(champion).toMatchObject({
        feature_schema_version: FEATURE_SCHEMA_VERSION,
        feature_names: [...FEATURE_NAMES],
        input_name: 'features',
        output: { kind: 'probability_tensor', name: 'probabilities', positive_class_index: 1 },
        training: {
          dataset: 'libs/simulation seed=7 rows=2000',
          rows: 1500,
          seed: 7,
          holdout_fraction: 0.25,
          label_definition: expect.stringContaining('target_price before stop_price') as unknown,
        },
        metrics: { holdout_rows: 500 },
      });
      expect(champion.model_version).toMatch(/^v1-(rf|lr)-s7-[0-9a-f]{8}$/);
      expect(Number.isNaN(Date.parse(champion.created_at))).toBe(false);
      for (const key of ['auc', 'brier', 'log_loss', 'accuracy_at_0_5'] as const) {
        expect(Number.isFinite(champion.metrics[key])).toBe(true);
        expect(Number.isFinite(champion.comparison.rule_confidence[key])).toBe(true);
      }
      expect(champion.comparison.auc_lift).toBeCloseTo(
        champion.metrics.auc - champion.comparison.rule_confidence.auc,
        12,
      );
      expect(Object.keys(champion.feature_statistics)).toEqual([...FEATURE_NAMES]);
    });

    it('promotes a better forest (more trees, same holdout) and moves the old champion to backup/', async () => {
      const oldChampion = hashTree(join(out, 'champion'));
      const oldVersion = readCard(join(out, 'champion')).model_version;

      const result = await runTrain(['--models', 'random_forest', '--trees', '60', ...base, '--out', out]);

      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/PROMOTED: v1-rf-s7-[0-9a-f]{8} \(AUC [\d.]+\) beats /);
      expect(result.stdout).toContain(`beats ${oldVersion}`);
      expect(hashTree(join(out, 'backup'))).toEqual(oldChampion);
      const champion = readCard(join(out, 'champion'));
      expect(champion.model_type).toBe('random_forest');
      expect(champion.training.params.n_trees).toBe(60);
      expect(readdirSync(out).sort()).toEqual(['backup', 'candidates', 'champion']); // no staging leftovers
    });

    it('does not promote a worse model (logistic regression against the forest) and changes neither slot', async () => {
      const champion = hashTree(join(out, 'champion'));
      const backup = hashTree(join(out, 'backup'));
      const championVersion = readCard(join(out, 'champion')).model_version;

      const result = await runTrain(['--models', 'logistic', ...base, '--out', out]);

      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`NOT PROMOTED: current champion ${championVersion}`);
      expect(result.stdout).toContain('is not beaten by v1-lr-s7-');
      expect(hashTree(join(out, 'champion'))).toEqual(champion);
      expect(hashTree(join(out, 'backup'))).toEqual(backup);
    });
  });

  it('leaves the shipped champion and backup untouched', () => {
    expect({ ...hashTree(join(SHIPPED, 'champion')), ...hashTree(join(SHIPPED, 'backup')) }).toEqual(shippedBefore);
  });
});
