/**
 * The per-request floors behind the HTTP figures, in-process on this machine: JSON.parse of a
 * 200-candle request body and of a batch of 100, validatePatternInput and buildFeatures per item,
 * the shipped champion's ONNX run per row in a batch of 100 (the service's own loading and scoring
 * code), and the prediction log's write cost per row (Node CPU and the Postgres backend's CPU, one
 * connection, batches of 1,000 through the service's own PredictionLogRepository).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { buildFeatures, FEATURE_COUNT, FEATURE_SCHEMA_VERSION, validatePatternInput } from '@app/features';
import { MIGRATIONS } from '@app/migrations';
import { encodePredictionRow, PredictionLogRepository } from '@app/ml-service/prediction-log/prediction-log.repository';
import type { PredictionRecord } from '@app/ml-service/prediction-log/prediction-record';
import { openModel, parseCard, scoreRows } from '@app/ml-service/inference/model-artifact';
import { OnnxRuntime } from '@app/ml-service/inference/onnx-runtime.provider';
import { cpuSeconds, median, ROOT, timeUs } from './harness';

export interface ParseFloors {
  singleKb: number;
  parseSingleUs: number;
  parseMbPerS: number;
  parseBatchMs: number;
  validateUs: number;
  featuresUs: number;
}

/** JSON.parse, validation and feature cost of the bench's own request bodies. */
export function parseFloors(bodies: string[], batchBody: string): ParseFloors {
  const parsed = bodies.map((b) => JSON.parse(b) as unknown);
  const dtos = parsed.map((p) => validatePatternInput(p).value!);
  const parseSingleUs = timeUs((i) => JSON.parse(bodies[i % bodies.length]), 2000);
  const bytes = bodies.reduce((s, b) => s + Buffer.byteLength(b), 0) / bodies.length;
  return {
    singleKb: bytes / 1024,
    parseSingleUs,
    parseMbPerS: bytes / parseSingleUs,
    parseBatchMs: timeUs(() => JSON.parse(batchBody), 20) / 1000,
    validateUs: timeUs((i) => validatePatternInput(parsed[i % parsed.length]), 2000),
    featuresUs: timeUs((i) => buildFeatures(dtos[i % dtos.length]), 2000),
  };
}

/**
 * µs per row of the shipped champion in a batch of 100 rows, loaded and scored as the service does
 * (openModel + scoreRows, one intra-op thread): the model's share of a batch prediction.
 */
export async function modelRowUs(bodies: string[]): Promise<number> {
  const dir = join(ROOT, 'models/phase5/champion');
  const card = parseCard(readFileSync(join(dir, 'model_card.json'), 'utf8'));
  const model = await openModel(new OnnxRuntime(), 'champion', dir, card, readFileSync(join(dir, 'model.onnx')));
  try {
    const rows = 100;
    const matrix = new Float32Array(rows * FEATURE_COUNT);
    for (let r = 0; r < rows; r++) {
      matrix.set(buildFeatures(validatePatternInput(JSON.parse(bodies[r % bodies.length])).value!), r * FEATURE_COUNT);
    }
    const perRow: number[] = [];
    for (let k = 0; k < 60; k++) {
      const t0 = process.hrtime.bigint();
      await scoreRows(model, matrix, rows);
      perRow.push(Number(process.hrtime.bigint() - t0) / 1000 / rows);
    }
    return median(perRow.slice(10));
  } finally {
    await model.session.release();
  }
}

/** µs of CPU per logged prediction: Node (building the statement) and Postgres (executing it). */
export async function logWriteCost(databaseUrl: string, bodies: string[]): Promise<{ nodeUs: number; pgUs: number }> {
  const ds = new DataSource({
    type: 'postgres',
    url: databaseUrl,
    migrations: MIGRATIONS,
    migrationsRun: true,
    extra: { max: 1 },
  });
  await ds.initialize();
  try {
    const repo = new PredictionLogRepository(ds);
    const features = bodies.slice(0, 200).map((b) => buildFeatures(validatePatternInput(JSON.parse(b)).value!));
    const rows: PredictionRecord[] = Array.from({ length: 1000 }, (_, i) => ({
      created_at: new Date(),
      pattern_id: `logcost-${i}`,
      symbol: 'ABCD',
      pattern_type: 'double_bottom',
      timeframe: '1h',
      direction: 'bullish',
      instance_id: 'bench',
      model_version: 'v1-rf-s42-0ba10e2f',
      feature_schema_version: FEATURE_SCHEMA_VERSION,
      arm: 'ml',
      source: 'ml_blended',
      fallback_reason: null,
      confidence: 0.61,
      confidence_ml: 0.65,
      confidence_rule: 0.55,
      confidence_blended: 0.61,
      passes_threshold: true,
      cache_hit: false,
      inference_latency_ms: 0.42,
      features: features[i % features.length],
    }));
    const [{ pid }] = await ds.query<Array<{ pid: number }>>('SELECT pg_backend_pid() AS pid');
    for (let k = 0; k < 3; k++) {
      await repo.insertMany(rows.map(encodePredictionRow));
    }
    const node: number[] = [];
    const pg: number[] = [];
    for (let round = 0; round < 5; round++) {
      const n = 5;
      const c0 = process.cpuUsage();
      const p0 = cpuSeconds(pid);
      for (let k = 0; k < n; k++) {
        // Encoding happens when a prediction is queued; it is part of the log's Node cost.
        await repo.insertMany(rows.map(encodePredictionRow));
      }
      const c = process.cpuUsage(c0);
      node.push((c.user + c.system) / (n * rows.length));
      pg.push(((cpuSeconds(pid) - p0) * 1e6) / (n * rows.length));
    }
    return { nodeUs: median(node), pgUs: median(pg) };
  } finally {
    await ds.destroy();
  }
}
