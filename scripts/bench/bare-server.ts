/**
 * The benchmark's floor: the same work as POST /api/ml/confidence — parse the JSON body, the same
 * validatePatternInput, buildFeatures, one ONNX run of the shipped champion with the service's
 * session options — on bare `node:http`, with no framework, no logging, no metrics, no database.
 * `npm run bench` starts it next to the service and reports ours / bare.
 *
 * `--express`: the same handler behind Express 5 and `express.json()` instead, to tell what the framework
 * alone costs (CPU, and the garbage its per-request objects leave; scripts/bench/gc-probe.ts --bare-express).
 *
 * Run: npx ts-node -r tsconfig-paths/register --transpile-only scripts/bench/bare-server.ts [--port 8099] [--model-dir models/phase5/champion] [--express]
 */
import { readFileSync } from 'node:fs';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import express from 'express';
import * as ort from 'onnxruntime-node';
import { buildFeatures, FEATURE_COUNT, isFiniteVector, validatePatternInput } from '@app/features';

interface Card {
  model_version: string;
  input_name: string;
  output: { name: string; positive_class_index: number };
}

const MAX_BODY = 2 * 1024 * 1024;

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

  const handle = async (res: ServerResponse, body: unknown): Promise<void> => {
    const { value, errors } = validatePatternInput(body);
    if (!value) {
      send(res, 400, { statusCode: 400, error: 'Bad Request', message: errors });
      return;
    }
    const features = buildFeatures(value);
    let ml: number | null = null;
    if (isFiniteVector(features)) {
      const out = await session.run({ [card.input_name]: new ort.Tensor('float32', features, [1, FEATURE_COUNT]) }, [
        card.output.name,
      ]);
      ml = (out[card.output.name].data as Float32Array)[card.output.positive_class_index];
    }
    const rule = value.rule_confidence;
    const confidence = ml === null ? rule : 0.6 * ml + 0.4 * rule;
    send(res, 200, {
      pattern_id: value.pattern_id,
      confidence,
      confidence_ml: ml,
      confidence_rule: rule,
      passes_threshold: confidence >= 0.55,
      model_version: card.model_version,
      features_count: FEATURE_COUNT,
    });
  };

  const fail = (res: ServerResponse) => (err: unknown) =>
    send(res, 500, { statusCode: 500, error: (err as Error).message });
  const app = express();
  app.post('/api/ml/confidence', express.json({ limit: MAX_BODY }), (req, res) => {
    handle(res, req.body).catch(fail(res));
  });
  const rawHandler = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/api/ml/confidence') {
      send(res, 404, { statusCode: 404, error: 'Not Found' });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
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
      handle(res, body).catch(fail(res));
    });
  };
  const server = createServer(hasFlag('express') ? app : rawHandler);
  server.keepAliveTimeout = 65_000;
  server.listen(port, '127.0.0.1', () => process.stdout.write(`bare server listening on http://localhost:${port}\n`));
  const stop = (): void => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`bare server failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
