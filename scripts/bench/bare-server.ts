/**
 * The benchmark's floor: the same work as POST /api/ml/confidence — parse the JSON body, the same
 * validatePatternInput, buildFeatures, one ONNX run of the shipped champion with the service's
 * session options — on bare `node:http`, with no framework, no logging, no metrics, no database.
 * `npm run bench` starts it next to the service and reports ours / bare.
 *
 * `--express`: the same handler behind Express 5 and `express.json()` instead, to tell what the framework
 * alone costs (CPU, and the garbage its per-request objects leave; scripts/bench/gc-probe.ts --bare-express).
 *
 * `/api/ml/confidence/batch` does the same per item with one ONNX run for the batch, like the service.
 * `--workers N` forks N such servers on the port (node:cluster): what the machine gives with every
 * core serving, the ceiling no single-process service reaches.
 *
 * Run: npx ts-node -r tsconfig-paths/register --transpile-only scripts/bench/bare-server.ts [--port 8099] [--model-dir models/phase5/champion] [--express] [--workers N]
 */
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import express from 'express';
import * as ort from 'onnxruntime-node';
import { buildFeatures, FEATURE_COUNT, isFiniteVector, PatternInputDto, validatePatternInput } from '@app/features';

interface Card {
  model_version: string;
  input_name: string;
  output: { name: string; positive_class_index: number };
}

/** The service's body limits: BODY_LIMIT's default, and BATCH_BODY_LIMIT in apps/ml-service/src/bootstrap.ts. */
const MAX_BODY = 2 * 1024 * 1024;
const MAX_BATCH_BODY = 40 * 1024 * 1024;
const SINGLE_PATH = '/api/ml/confidence';
const BATCH_PATH = '/api/ml/confidence/batch';

const hasFlag = (name: string): boolean => process.argv.includes(`--${name}`);

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function main(): Promise<void> {
  const port = Number(arg('port', '8099'));
  const dir = resolve(arg('model-dir', 'models/phase5/champion'));
  const card = JSON.parse(readFileSync(join(dir, 'model_card.json'), 'utf8')) as Card;
  // The service's session options (apps/ml-service/src/inference/onnx-runtime.provider.ts).
  const session = await ort.InferenceSession.create(readFileSync(join(dir, 'model.onnx')), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });

  /** Features of every item, one ONNX run for the finite ones, the blend: the service's work minus its bookkeeping. */
  const score = async (items: PatternInputDto[]): Promise<object[]> => {
    const features = items.map((item) => buildFeatures(item));
    const rows = features.flatMap((f, i) => (isFiniteVector(f) ? [i] : []));
    const ml: Array<number | null> = items.map(() => null);
    if (rows.length > 0) {
      const matrix = new Float32Array(rows.length * FEATURE_COUNT);
      rows.forEach((i, r) => matrix.set(features[i], r * FEATURE_COUNT));
      const out = await session.run(
        { [card.input_name]: new ort.Tensor('float32', matrix, [rows.length, FEATURE_COUNT]) },
        [card.output.name],
      );
      const probabilities = out[card.output.name].data as Float32Array;
      const classes = probabilities.length / rows.length;
      rows.forEach((i, r) => (ml[i] = probabilities[r * classes + card.output.positive_class_index]));
    }
    return items.map((item, i) => {
      const rule = item.rule_confidence;
      const p = ml[i];
      const confidence = p === null ? rule : 0.6 * p + 0.4 * rule;
      return {
        pattern_id: item.pattern_id,
        confidence,
        confidence_ml: p,
        confidence_rule: rule,
        passes_threshold: confidence >= 0.55,
        model_version: card.model_version,
        features_count: FEATURE_COUNT,
      };
    });
  };

  const handle = async (res: ServerResponse, body: unknown, path: string): Promise<void> => {
    if (path === BATCH_PATH) {
      const items = (body as { items?: unknown }).items;
      if (!Array.isArray(items)) {
        send(res, 400, { statusCode: 400, error: 'Bad Request', message: ['items must be an array'] });
        return;
      }
      const checked = items.map((item) => validatePatternInput(item));
      const valid = checked.flatMap((c) => (c.value ? [c.value] : []));
      const scored = await score(valid);
      let next = 0;
      send(res, 200, { results: checked.map((c) => (c.value ? scored[next++] : { error: c.errors })) });
      return;
    }
    const { value, errors } = validatePatternInput(body);
    if (!value) {
      send(res, 400, { statusCode: 400, error: 'Bad Request', message: errors });
      return;
    }
    send(res, 200, (await score([value]))[0]);
  };

  const fail = (res: ServerResponse) => (err: unknown) =>
    send(res, 500, { statusCode: 500, error: (err as Error).message });
  const app = express();
  for (const [path, limit] of [
    [SINGLE_PATH, MAX_BODY],
    [BATCH_PATH, MAX_BATCH_BODY],
  ] as const) {
    app.post(path, express.json({ limit }), (req, res) => {
      handle(res, req.body, path).catch(fail(res));
    });
  }
  const rawHandler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = req.url?.split('?')[0] ?? '';
    if (req.method !== 'POST' || (path !== SINGLE_PATH && path !== BATCH_PATH)) {
      send(res, 404, { statusCode: 404, error: 'Not Found' });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > (path === BATCH_PATH ? MAX_BATCH_BODY : MAX_BODY)) {
        send(res, 413, { statusCode: 413, error: 'Payload Too Large' });
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        send(res, 400, { statusCode: 400, error: 'Bad Request', message: ['malformed JSON'] });
        return;
      }
      handle(res, body, path).catch(fail(res));
    });
  };
  const server = createServer(hasFlag('express') ? app : rawHandler);
  server.keepAliveTimeout = 65_000;
  server.listen(port, '127.0.0.1', () =>
    process.send
      ? process.send('listening')
      : process.stdout.write(`bare server listening on http://localhost:${port}\n`),
  );
  const stop = (): void => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** With `--workers N`, the primary forks N servers that share the port and relays their start line. */
function startWorkers(count: number): void {
  let listening = 0;
  for (let i = 0; i < count; i++) {
    cluster.fork().on('message', (message: unknown) => {
      if (message === 'listening' && ++listening === count) {
        process.stdout.write(`bare server (${count} workers) listening on http://localhost:${arg('port', '8099')}\n`);
      }
    });
  }
  const stop = (): void => {
    for (const worker of Object.values(cluster.workers ?? {})) {
      worker?.kill('SIGTERM');
    }
    cluster.on('exit', () => Object.keys(cluster.workers ?? {}).length === 0 && process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

const workers = Number(arg('workers', '0'));
if (workers > 0 && cluster.isPrimary) {
  startWorkers(workers);
} else {
  main().catch((err: unknown) => {
    process.stderr.write(`bare server failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
