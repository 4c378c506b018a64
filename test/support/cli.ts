import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `ml-cli <args>` as a real child process (as `npm run cli -- <args>` does) and collects its output. */
export function runCli(args: string[]): Promise<CliResult> {
  const argv = [
    'node_modules/ts-node/dist/bin.js',
    '--swc',
    '-r',
    'tsconfig-paths/register',
    'apps/ml-cli/src/main.ts',
    ...args,
  ];
  return new Promise((done) => {
    const child = execFile(process.execPath, argv, { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }, (_err, stdout, stderr) =>
      done({ code: child.exitCode, stdout, stderr }),
    );
  });
}
