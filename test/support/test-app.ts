import type { INestApplication } from '@nestjs/common';
import { Writable } from 'node:stream';
import { AppConfig, EnvDto, loadConfig } from '@app/config';
import { createApp } from '../../apps/ml-service/src/bootstrap';
import { createTestDatabase, TestDatabase } from './test-database';

export interface TestApp {
  app: INestApplication;
  url: string;
  config: AppConfig;
  db: TestDatabase;
  /** JSON log lines the service wrote. */
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Collects the service's JSON log lines in memory so tests can assert on them. */
class LogSink extends Writable {
  readonly lines: Array<Record<string, unknown>> = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim()) {
        try {
          this.lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.lines.push({ raw: line });
        }
      }
    }
    done();
  }
}

/**
 * Boots the real app (same createApp as main.ts) on a random port against a fresh database.
 * Pass `db` to share a database between two instances.
 */
export async function bootTestApp(
  overrides: Partial<Record<keyof EnvDto, unknown>> = {},
  shared?: TestDatabase,
): Promise<TestApp> {
  const db = shared ?? (await createTestDatabase());
  const config = loadConfig({}, { LOG_LEVEL: 'info', PREDICTION_LOG_FLUSH_MS: 50, ...overrides, DATABASE_URL: db.url });
  const sink = new LogSink();
  const app = await createApp(config, sink);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    config,
    db,
    logs: sink.lines,
    close: async () => {
      await app.close();
      if (!shared) {
        await db.drop();
      }
    },
  };
}
