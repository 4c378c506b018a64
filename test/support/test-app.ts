import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { Writable } from 'node:stream';
import { Clock } from '@app/common';
import { AppConfig, EnvDto, loadConfig } from '@app/config';
import { AppModule } from '@app/ml-service/app.module';
import { configureApp } from '@app/ml-service/bootstrap';
import { OnnxRuntime } from '@app/ml-service/inference/onnx-runtime.provider';
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

export interface BootOptions {
  /** Share a database between instances (the caller drops it). */
  db?: TestDatabase;
  /** Replace the ONNX runtime seam, to simulate failures a real runtime can't be made to have. */
  runtime?: OnnxRuntime;
  /** Replace the clock (e.g. a ManualClock) to place traffic in chosen minutes. */
  clock?: Clock;
}

/**
 * Boots the real app (the modules and HTTP pipeline of main.ts) on a random port against a fresh
 * database on the real Postgres.
 */
export async function bootTestApp(
  overrides: Partial<Record<keyof EnvDto, unknown>> = {},
  options: BootOptions = {},
): Promise<TestApp> {
  const db = options.db ?? (await createTestDatabase());
  const config = loadConfig(
    {},
    {
      LOG_LEVEL: 'info',
      PREDICTION_LOG_FLUSH_MS: 50,
      DRIFT_SCHEDULE_ENABLED: false,
      ...overrides,
      DATABASE_URL: db.url,
    },
  );
  const sink = new LogSink();
  let builder = Test.createTestingModule({ imports: [AppModule.forConfig(config, sink)] });
  if (options.runtime) {
    builder = builder.overrideProvider(OnnxRuntime).useValue(options.runtime);
  }
  if (options.clock) {
    builder = builder.overrideProvider(Clock).useValue(options.clock);
  }
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, bufferLogs: true });
  await configureApp(app, config);
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
      if (!options.db) {
        await db.drop();
      }
    },
  };
}
