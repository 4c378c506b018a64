/**
 * Shared plumbing of the benchmark, soak and fault scripts: build the service once, boot it as a
 * child process on a fresh Postgres database, generate valid request bodies, drive load
 * (autocannon closed-loop, or an open-loop paced client) and read /metrics.
 */
import autocannon from 'autocannon';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { generatePatterns } from '@app/simulation';

export const ROOT = resolve(__dirname, '../..');
/**
 * Private build output, so a concurrent `nest build` of dist/ cannot swap files under a running benchmark.
 * BENCH_BUILD_DIR points a run at another build (e.g. to compare two versions of the service).
 */
export const BUILD_DIR = resolve(ROOT, process.env.BENCH_BUILD_DIR ?? '.tmp/perf-build');
export const SERVICE_MAIN = resolve(BUILD_DIR, 'apps/ml-service/src/main.js');
export const ADMIN_DATABASE_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const ADMIN_TOKEN = 'bench-admin-token-0123456789';

// ---------------------------------------------------------------- small utilities

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function median(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) {
    return NaN;
  }
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Exact percentile (nearest rank) of unsorted samples. */
export function percentile(samples: ArrayLike<number>, q: number): number {
  if (samples.length === 0) {
    return NaN;
  }
  const sorted = Float64Array.from(samples).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Median over `rounds` of the time per call of fn (µs), after `warmup` calls. */
export function timeUs(
  fn: (i: number) => unknown,
  iterations: number,
  rounds = 5,
  warmup = Math.min(iterations, 500),
): number {
  for (let i = 0; i < warmup; i++) {
    fn(i);
  }
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) {
      fn(i);
    }
    samples.push(((performance.now() - t0) * 1000) / iterations);
  }
  return median(samples);
}

export function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export function argNumber(name: string, fallback: number): number {
  const v = Number(argValue(name));
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

export const hasFlag = (name: string): boolean => process.argv.includes(`--${name}`);

/** Every `--<flag> KEY=VALUE` pair on the command line, as an environment. */
export function envFlags(flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  process.argv.forEach((arg, i) => {
    if (arg === flag && process.argv[i + 1]?.includes('=')) {
      const [key, ...rest] = process.argv[i + 1].split('=');
      out[key] = rest.join('=');
    }
  });
  return out;
}

export function log(message: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = net.createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => res(port));
    });
  });
}

export function machine(): { date: string; nproc: number; cpu: string; node: string; load: string } {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  return {
    date: new Date().toISOString(),
    nproc: Number(execFileSync('nproc').toString().trim()),
    cpu: /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1].trim() ?? 'unknown',
    node: process.version,
    load: existsSync('/proc/loadavg') ? readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') : '?',
  };
}

export function loadAverage(): number {
  return existsSync('/proc/loadavg') ? Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]) : NaN;
}

/** CPU seconds (user + system) a process has used, from /proc. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

// ---------------------------------------------------------------- build, database, service

/** Compiles the service into BUILD_DIR (nest build with the app's tsconfig, output redirected). */
export function buildService(): void {
  log('building the service (nest build → .tmp/perf-build)');
  execFileSync(
    process.execPath,
    [
      resolve(ROOT, 'node_modules/@nestjs/cli/bin/nest.js'),
      'build',
      'ml-service',
      '-p',
      'scripts/bench/tsconfig.service.json',
    ],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (!existsSync(SERVICE_MAIN)) {
    throw new Error(`build produced no ${SERVICE_MAIN}`);
  }
}

/** Newest modification time (ms) of the .ts files under the given directories. */
function newestSource(dirs: string[]): number {
  let newest = 0;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = resolve(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'web') {
          walk(path);
        }
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
        newest = Math.max(newest, statSync(path).mtimeMs);
      }
    }
  };
  dirs.forEach((d) => existsSync(d) && walk(d));
  return newest;
}

/** Builds the service unless the private build is newer than every source file. */
export function ensureBuild(force = false): void {
  const built = existsSync(SERVICE_MAIN) ? statSync(SERVICE_MAIN).mtimeMs : 0;
  if (force || built < newestSource(['apps/ml-service/src', 'libs', 'migrations'].map((d) => resolve(ROOT, d)))) {
    buildService();
  } else {
    log('service build is up to date (.tmp/perf-build)');
  }
}

export async function withPg<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface Database {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database on the server of `adminUrl` (the service's migrations create the schema). */
export async function freshDatabase(prefix: string, adminUrl = ADMIN_DATABASE_URL): Promise<Database> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await withPg(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () =>
      withPg(adminUrl, async (c) => {
        await c.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
          [name],
        );
        await c.query(`DROP DATABASE IF EXISTS ${name}`);
      }).catch(() => undefined),
  };
}

export interface Service {
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
  /** Sends a signal (default SIGTERM) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ServiceOptions {
  databaseUrl: string;
  env?: Record<string, string>;
  nodeArgs?: string[];
  port?: number;
  /** Wait for /health/ready (default true). */
  waitReady?: boolean;
}

/** The NODE_OPTIONS the image sets (Dockerfile `ENV ... NODE_OPTIONS="..."`), so benchmarks run the service as deployed. */
export function imageNodeOptions(): string {
  const dockerfile = readFileSync(resolve(ROOT, 'Dockerfile'), 'utf8');
  return /NODE_OPTIONS="([^"]*)"/.exec(dockerfile)?.[1] ?? '';
}

/**
 * Boots the compiled service (node .tmp/perf-build/.../main.js) with the image's NODE_OPTIONS and
 * waits until it listens and is ready.
 */
export async function startService(opts: ServiceOptions): Promise<Service> {
  const port = opts.port ?? (await freePort());
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), SERVICE_MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      NODE_ENV: 'production',
      NODE_OPTIONS: imageNodeOptions(),
      DATABASE_URL: opts.databaseUrl,
      ENABLE_PHASE5_ML: 'true',
      LOG_LEVEL: 'warn',
      ML_ADMIN_TOKEN: ADMIN_TOKEN,
      PORT: String(port),
      DRIFT_SCHEDULE_ENABLED: 'false',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (buf: Buffer): void => {
    output.push(buf.toString());
    if (output.length > 400) {
      output.splice(0, output.length - 400);
    }
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((res) =>
    child.once('exit', (code, signal) => res(code ?? (signal ? 128 : null))),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));
  while (!output.join('').includes(`listening on http://localhost:${port}`)) {
    if (exitCode !== undefined) {
      throw new Error(`service exited with ${exitCode} before listening:\n${output.join('')}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`service did not listen within 120 s:\n${output.join('')}`);
    }
    await sleep(100);
  }
  if (opts.waitReady !== false) {
    while ((await httpGet(`${url}/health/ready`).catch(() => ({ status: 0 }))).status !== 200) {
      if (Date.now() > deadline) {
        throw new Error(`service not ready within 120 s:\n${output.join('')}`);
      }
      await sleep(200);
    }
  }
  return {
    url,
    port,
    pid: child.pid!,
    child,
    output,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Starts scripts/bench/bare-server.ts (ts-node) on a free port. */
export async function startBareServer(nodeArgs: string[] = [], scriptArgs: string[] = []): Promise<Service> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      'scripts/bench/bare-server.ts',
      '--port',
      String(port),
      ...scriptArgs,
    ],
    { cwd: ROOT, env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  child.stdout.on('data', (b: Buffer) => output.push(b.toString()));
  child.stderr.on('data', (b: Buffer) => output.push(b.toString()));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const deadline = Date.now() + 60_000;
  while (!output.join('').includes('listening')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`bare server did not start:\n${output.join('')}`);
    }
    await sleep(100);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    child,
    output,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) {
        child.kill(signal);
      }
      return exited;
    },
  };
}

// ---------------------------------------------------------------- HTTP helpers

export interface HttpAnswer {
  status: number;
  body: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

export function httpRequest(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<HttpAnswer> {
  return new Promise((res, rej) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: {
          ...(payload !== undefined
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
          ...headers,
        },
        timeout: timeoutMs,
      },
      (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => res({ status: r.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        r.on('error', rej);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${method} ${url}`)));
    req.on('error', rej);
    req.end(payload);
  });
}

export const httpGet = (url: string): Promise<HttpAnswer> => httpRequest('GET', url);

export function adminRequest(method: string, url: string, body?: unknown): Promise<HttpAnswer> {
  return httpRequest(method, url, body ?? {}, { authorization: `Bearer ${ADMIN_TOKEN}` });
}

/** Sum of a Prometheus sample family, optionally filtered by a label substring (e.g. `result="hit"`). */
export async function metricValue(baseUrl: string, name: string, labelFilter?: string): Promise<number> {
  const text = (await httpGet(`${baseUrl}/metrics`)).body;
  let sum = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) {
      if (!labelFilter || line.includes(labelFilter)) {
        sum += Number(line.slice(line.lastIndexOf(' ') + 1));
        found = true;
      }
    }
  }
  return found ? sum : NaN;
}

// ---------------------------------------------------------------- request bodies

/** Valid single-request bodies (200 candles each by default) with unique pattern ids, as JSON strings. */
export function requestBodies(count: number, seed: number, prefix: string, candleCount = 200): string[] {
  return generatePatterns(seed, count, { candleCount }).map((p, i) =>
    JSON.stringify({ ...p.input, pattern_id: `${prefix}-${seed}-${i}` }),
  );
}

/** Batch request bodies `{"items": [...]}` of `size` consecutive single bodies each (the remainder dropped). */
export function batchBodies(bodies: string[], size = 100): string[] {
  return Array.from(
    { length: Math.floor(bodies.length / size) },
    (_, k) => `{"items":[${bodies.slice(k * size, (k + 1) * size).join(',')}]}`,
  );
}

/** Re-labels a body's pattern_id without re-serialising the candles. */
export function withPatternId(body: string, id: string): string {
  return body.replace(/^\{"pattern_id":"[^"]*"/, `{"pattern_id":"${id}"`);
}

// ---------------------------------------------------------------- load generators

export interface LoadResult {
  /** Completed requests per second over the run. */
  rps: number;
  requests: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Responses by status class ("2xx", "4xx", "5xx"), plus transport errors and timeouts. */
  status: Record<string, number>;
  errors: number;
  timeouts: number;
  durationS: number;
}

export interface AutocannonOptions {
  url: string;
  path?: string;
  bodies: string[];
  connections: number;
  durationS: number;
  /** Rewrites each body before sending (e.g. a unique pattern_id); gets a global sequence number. */
  rewrite?: (body: string, seq: number) => string;
  headers?: Record<string, string>;
  /** Called for each answer (status code) — soak and fault scripts count them. */
  onResponse?: (status: number) => void;
  timeoutS?: number;
}

/** Closed loop: `connections` keep-alive connections, each sending its next request when the previous answers. */
export function runAutocannon(opts: AutocannonOptions): Promise<LoadResult> {
  let seq = 0;
  const latencies: number[] = [];
  const status: Record<string, number> = {};
  return new Promise((res, rej) => {
    const instance = autocannon(
      {
        url: `${opts.url}${opts.path ?? '/api/ml/confidence'}`,
        connections: opts.connections,
        duration: opts.durationS,
        timeout: opts.timeoutS ?? 30,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...opts.headers },
        requests: [
          {
            setupRequest: (req: autocannon.Request) => {
              const n = seq++;
              const body = opts.bodies[n % opts.bodies.length];
              req.body = opts.rewrite ? opts.rewrite(body, n) : body;
              return req;
            },
          },
        ],
      },
      (err, result) => {
        if (err) {
          rej(err);
          return;
        }
        const durationS = result.duration;
        res({
          rps: latencies.length / durationS,
          requests: latencies.length,
          p50: percentile(latencies, 0.5),
          p95: percentile(latencies, 0.95),
          p99: percentile(latencies, 0.99),
          max: latencies.reduce((a, b) => Math.max(a, b), 0),
          status,
          errors: result.errors,
          timeouts: result.timeouts,
          durationS,
        });
      },
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      latencies.push(responseTime);
      const key = `${Math.floor(statusCode / 100)}xx`;
      status[key] = (status[key] ?? 0) + 1;
      opts.onResponse?.(statusCode);
    });
  });
}

export interface PacedOptions {
  url: string;
  path?: string;
  bodies: string[];
  /** Target arrivals per second (open loop: sends do not wait for answers). */
  rate: number;
  durationS: number;
  connections: number;
  rewrite?: (body: string, seq: number) => string;
  /** Gets the status and the parsed-later raw body of each answer. */
  onAnswer?: (status: number, body: string, sentBody: string) => void;
  timeoutMs?: number;
}

/**
 * Open loop at a fixed arrival rate over a pool of `connections` keep-alive sockets, latency
 * measured from each request's scheduled start (so queueing behind a slow answer counts, as wrk2
 * does). autocannon's `overallRate` instead sends each second's quota as fast as the connections
 * allow and then pauses, which measures bursts of 50, not a steady rate.
 */
export async function runPaced(opts: PacedOptions): Promise<LoadResult> {
  const target = new URL(`${opts.url}${opts.path ?? '/api/ml/confidence'}`);
  const pool = new http.Agent({ keepAlive: true, maxSockets: opts.connections, maxFreeSockets: opts.connections });
  const latencies: number[] = [];
  const status: Record<string, number> = {};
  let errors = 0;
  let timeouts = 0;
  let inFlight = 0;
  let seq = 0;
  const start = performance.now();
  const end = start + opts.durationS * 1000;
  const interval = 1000 / opts.rate;
  let next = start;

  const send = (scheduled: number): void => {
    const n = seq++;
    const raw = opts.bodies[n % opts.bodies.length];
    const body = opts.rewrite ? opts.rewrite(raw, n) : raw;
    inFlight++;
    const req = http.request(
      {
        hostname: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: 'POST',
        agent: pool,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: opts.timeoutMs ?? 30_000,
      },
      (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => {
          inFlight--;
          latencies.push(performance.now() - scheduled);
          const code = r.statusCode ?? 0;
          const key = `${Math.floor(code / 100)}xx`;
          status[key] = (status[key] ?? 0) + 1;
          opts.onAnswer?.(code, Buffer.concat(chunks).toString('utf8'), body);
        });
      },
    );
    req.on('timeout', () => {
      timeouts++;
      req.destroy(new Error('timeout'));
    });
    req.on('error', () => {
      inFlight--;
      errors++;
      opts.onAnswer?.(0, '', body);
    });
    req.end(body);
  };

  await new Promise<void>((res) => {
    const tick = (): void => {
      const now = performance.now();
      while (next <= now && next < end) {
        send(next);
        next += interval;
      }
      if (next >= end) {
        res();
        return;
      }
      setTimeout(tick, Math.max(0, Math.min(2, next - performance.now())));
    };
    tick();
  });
  const drainDeadline = performance.now() + (opts.timeoutMs ?? 30_000) + 1000;
  while (inFlight > 0 && performance.now() < drainDeadline) {
    await sleep(5);
  }
  pool.destroy();
  const durationS = (performance.now() - start) / 1000;
  return {
    rps: latencies.length / opts.durationS,
    requests: latencies.length,
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
    p99: percentile(latencies, 0.99),
    max: latencies.reduce((a, b) => Math.max(a, b), 0),
    status,
    errors,
    timeouts,
    durationS,
  };
}
