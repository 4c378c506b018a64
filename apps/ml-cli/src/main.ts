import { DatasetFileError, TrainingDataError } from '@app/training/pipeline';
import { UsageError } from './cli-args';
import { REPORT_USAGE, reportCommand } from './commands/report.command';
import { SIMULATE_USAGE, simulateCommand } from './commands/simulate.command';
import { TRAIN_USAGE, trainCommand } from './commands/train.command';

const COMMANDS: Record<string, { usage: string; run: (argv: string[], out: (l: string) => void) => Promise<void> }> = {
  train: { usage: TRAIN_USAGE, run: trainCommand },
  simulate: { usage: SIMULATE_USAGE, run: simulateCommand },
  report: { usage: REPORT_USAGE, run: reportCommand },
};

function usage(): string {
  return `usage:\n${Object.values(COMMANDS)
    .map((c) => `  ${c.usage}`)
    .join('\n')}`;
}

/** ml-cli entry: bad input exits 2 with a message naming the problem; other failures exit 1. */
async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    process.stderr.write(`${name ? `unknown command "${name}"\n` : ''}${usage()}\n`);
    return 2;
  }
  try {
    await command.run(rest, (line) => process.stdout.write(`${line}\n`));
    return 0;
  } catch (err) {
    if (err instanceof UsageError || err instanceof DatasetFileError || err instanceof TrainingDataError) {
      process.stderr.write(`error: ${err.message}\n\nusage: ${command.usage}\n`);
      return 2;
    }
    process.stderr.write(`error: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

void main(process.argv.slice(2)).then((code) => process.exit(code));
