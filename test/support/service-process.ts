import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

export interface ServiceProcess {
  url: string;
  port: number;
  /** The embedded database URL when the service started PGlite itself. */
  embeddedDbUrl: string | null;
  output: string[];
  child: ChildProcess;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts the service exactly as `npm start` does, in its own process (PGlite needs a plain Node
 * context, and signals and restarts need a real process), and waits until it listens.
 */
export async function spawnService(env: Record<string, string>, timeoutMs = 90_000): Promise<ServiceProcess> {
  const child = spawn(
    process.execPath,
    [
      resolve(ROOT, 'node_modules/ts-node/dist/bin.js'),
      '--swc',
      '-r',
      'tsconfig-paths/register',
      'apps/ml-service/src/main.ts',
    ],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  let embeddedDbUrl: string | null = null;
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const port = await new Promise<number>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`service did not start:\n${output.join('')}`)), timeoutMs);
    const onData = (buf: Buffer) => {
      const text = buf.toString();
      output.push(text);
      const db = /using embedded PGlite in \S+ \((postgres:\/\/[^)]+)\)/.exec(text);
      if (db) {
        embeddedDbUrl = db[1];
      }
      const m = /listening on http:\/\/localhost:(\d+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        res(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      rej(new Error(`service exited with ${code}:\n${output.join('')}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    embeddedDbUrl,
    output,
    child,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) {
        child.kill(signal);
      }
      return exited;
    },
  };
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((res) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}
