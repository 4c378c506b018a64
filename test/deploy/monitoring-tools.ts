import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { freePort } from '../support/service-process';
import { sleep } from '../support/patterns';

/** The repository root. */
export const ROOT = resolve(__dirname, '../..');

/** Debian package that provides each tool (installed by .ci/run when absent). */
const PACKAGE_OF: Record<string, string> = {
  promtool: 'prometheus',
  prometheus: 'prometheus',
  amtool: 'prometheus-alertmanager',
  'prometheus-alertmanager': 'prometheus-alertmanager',
};

/** Absolute path of a monitoring binary; throws (never skips) with the package to install when it is missing. */
export function requireBinary(name: keyof typeof PACKAGE_OF): string {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || !path) {
    const pkg = PACKAGE_OF[name];
    throw new Error(
      `${name} not found on PATH: install Debian's ${pkg} package (apt-get update && apt-get install -y ${pkg}); .ci/run does this in CI`,
    );
  }
  return path;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout + stderr, for assertion messages. */
  output: string;
}

/** Runs a command to completion from the repository root. */
export function run(cmd: string, args: string[], cwd = ROOT): RunResult {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, output: `${r.stdout}\n${r.stderr}` };
}

/** Parses a YAML file of the repository (path relative to the root). */
export function loadYaml<T = unknown>(relPath: string): T {
  return parse(readFileSync(join(ROOT, relPath), 'utf8')) as T;
}

/** Reads a file of the repository as text. */
export function readRepoFile(relPath: string): string {
  return readFileSync(join(ROOT, relPath), 'utf8');
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** The alerting rules of deploy/prometheus/alerts.yml. */
export function alertRules(): AlertRule[] {
  const file = loadYaml<{ groups: Array<{ rules: AlertRule[] }> }>('deploy/prometheus/alerts.yml');
  return file.groups.flatMap((g) => g.rules).filter((r) => r.alert);
}

const PROMQL_WORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'inf',
  'nan',
]);

/**
 * Metric names a PromQL expression selects: identifiers left once strings, label matchers, range
 * selectors, grouping clauses and function calls are removed.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = m[0];
    const isCall = /^\s*\(/.test(stripped.slice((m.index ?? 0) + word.length));
    if (!isCall && !PROMQL_WORDS.has(word.toLowerCase()) && !/^\d/.test(word)) {
      names.add(word);
    }
  }
  return [...names];
}

export interface ManagedProcess {
  url: string;
  port: number;
  dir: string;
  output: string[];
  stop(): Promise<void>;
}

async function waitReady(url: string, child: ChildProcess, output: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`process exited with ${child.exitCode}:\n${output.join('')}`);
    }
    try {
      const res = await fetch(url);
      if (res.ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms:\n${output.join('')}`);
}

function startManaged(
  binary: string,
  args: (port: number, dir: string) => string[],
  readyPath: string,
  dir: string,
): Promise<ManagedProcess> {
  return (async () => {
    const port = await freePort();
    const child = spawn(binary, args(port, dir), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    child.stdout?.on('data', (b: Buffer) => output.push(b.toString()));
    child.stderr?.on('data', (b: Buffer) => output.push(b.toString()));
    const exited = new Promise<void>((res) => child.once('exit', () => res()));
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitReady(`${url}${readyPath}`, child, output);
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
    return {
      url,
      port,
      dir,
      output,
      stop: async () => {
        if (child.exitCode === null) {
          child.kill('SIGTERM');
          await Promise.race([exited, sleep(10_000)]);
          if (child.exitCode === null) {
            child.kill('SIGKILL');
          }
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  })();
}

/** Starts Debian's Prometheus with `configYaml` on a free loopback port and a temporary TSDB. */
export function startPrometheus(configYaml: string): Promise<ManagedProcess> {
  const binary = requireBinary('prometheus');
  const dir = mkdtempSync(join(tmpdir(), 'e2e-prometheus-'));
  writeFileSync(join(dir, 'prometheus.yml'), configYaml);
  return startManaged(
    binary,
    (port, d) => [
      `--config.file=${join(d, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(d, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    '/-/ready',
    dir,
  );
}

/** Starts Debian's Alertmanager (single node, no clustering) with `configYaml`. */
export function startAlertmanager(configYaml: string): Promise<ManagedProcess> {
  const binary = requireBinary('prometheus-alertmanager');
  const dir = mkdtempSync(join(tmpdir(), 'e2e-alertmanager-'));
  writeFileSync(join(dir, 'alertmanager.yml'), configYaml);
  return startManaged(
    binary,
    (port, d) => [
      `--config.file=${join(d, 'alertmanager.yml')}`,
      `--storage.path=${join(d, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    '/-/ready',
    dir,
  );
}

export interface PromVectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant query through Prometheus' HTTP API; returns the raw response body. */
export async function promQuery(
  prometheusUrl: string,
  query: string,
): Promise<{ status: string; error?: string; data?: { resultType: string; result: PromVectorSample[] } }> {
  const res = await fetch(`${prometheusUrl}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query }).toString(),
  });
  return (await res.json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: PromVectorSample[] };
  };
}
