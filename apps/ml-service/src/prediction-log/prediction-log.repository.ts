import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { PredictionRecord } from './prediction-record';

/**
 * Postgres array literal of a feature vector; NaN/Infinity are valid `real` values. Nine significant
 * digits identify every float32 exactly (so the stored `real` is the served value), in 3x less time
 * and 40% fewer bytes than the float64 digits String() prints.
 */
export function realArrayLiteral(v: Float32Array): string {
  let s = '{';
  for (let i = 0; i < v.length; i++) {
    s += (i ? ',' : '') + v[i].toPrecision(9);
  }
  return s + '}';
}

/** JSON has no NaN or Infinity; as strings they still cast to `real`. */
function realValue(x: number | null): number | string | null {
  return x === null || Number.isFinite(x) ? x : String(x);
}

/**
 * One prediction as a row of the insert below: a JSON array in the statement's column order, UTF-8
 * bytes. Encoded when the prediction is queued, so the queue holds one off-heap buffer per row
 * instead of an object graph the garbage collector copies while the row waits (~1.4 kB promoted per
 * row at 1,000 req/s), and a flush only concatenates.
 */
export function encodePredictionRow(r: PredictionRecord): Buffer {
  return Buffer.from(
    JSON.stringify([
      r.created_at.toISOString(),
      r.pattern_id,
      r.symbol,
      r.pattern_type,
      r.timeframe,
      r.direction,
      r.instance_id,
      r.model_version,
      r.feature_schema_version,
      r.arm,
      r.source,
      r.fallback_reason,
      realValue(r.confidence),
      realValue(r.confidence_ml),
      realValue(r.confidence_rule),
      realValue(r.confidence_blended),
      r.passes_threshold,
      r.cache_hit,
      realValue(r.inference_latency_ms),
      realArrayLiteral(r.features),
    ]),
  );
}

/** The pattern id of an encoded row (for the log line of a row the database refuses). */
export function encodedPatternId(row: Buffer): string {
  return (JSON.parse(row.toString('utf8')) as unknown[])[1] as string;
}

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

/**
 * Writes predictions in one statement per batch: the encoded rows travel as one jsonb array, so the
 * statement and its parameter count stay the same whatever the batch size.
 */
@Injectable()
export class PredictionLogRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async insertMany(rows: readonly Buffer[]): Promise<void> {
    if (rows.length === 0) {
      return;
    }
    const parts: Buffer[] = [OPEN, rows[0]];
    for (let i = 1; i < rows.length; i++) {
      parts.push(COMMA, rows[i]);
    }
    parts.push(CLOSE);
    await this.db.query(
      `INSERT INTO ml_predictions (created_at, pattern_id, symbol, pattern_type, timeframe, direction, instance_id,
         model_version, feature_schema_version, arm, source, fallback_reason, confidence, confidence_ml,
         confidence_rule, confidence_blended, passes_threshold, cache_hit, inference_latency_ms, features)
       SELECT (e->>0)::timestamptz, e->>1, e->>2, e->>3, e->>4, e->>5, e->>6, e->>7, e->>8, e->>9, e->>10, e->>11,
         (e->>12)::real, (e->>13)::real, (e->>14)::real, (e->>15)::real, (e->>16)::boolean, (e->>17)::boolean,
         (e->>18)::real, (e->>19)::real[]
       FROM jsonb_array_elements($1::jsonb) e`,
      [Buffer.concat(parts).toString('utf8')],
    );
  }
}
