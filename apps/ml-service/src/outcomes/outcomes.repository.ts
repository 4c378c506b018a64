import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { OutcomeDto } from './outcome.dto';

/** One labelled prediction: what was served and what happened. */
export interface LabelledPrediction {
  arm: 'ml' | 'control';
  confidence: number;
  confidence_ml: number | null;
  passes_threshold: boolean;
  outcome: 0 | 1;
}

@Injectable()
export class OutcomesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Upserts outcomes (idempotent per pattern_id: posting the same outcome again changes nothing) and
   * returns how many match a logged prediction.
   */
  async upsert(outcomes: OutcomeDto[]): Promise<{ matched: number }> {
    // Last write wins for duplicates inside one request.
    const byId = new Map(outcomes.map((o) => [o.pattern_id, o]));
    const rows = [...byId.values()];
    await this.db.query(
      `INSERT INTO ml_outcomes (pattern_id, outcome, resolved_at)
       SELECT p, o, r FROM unnest($1::text[], $2::smallint[], $3::timestamptz[]) AS t(p, o, r)
       ON CONFLICT (pattern_id) DO UPDATE SET outcome = EXCLUDED.outcome, resolved_at = EXCLUDED.resolved_at,
         updated_at = now()
       WHERE (ml_outcomes.outcome, ml_outcomes.resolved_at) IS DISTINCT FROM (EXCLUDED.outcome, EXCLUDED.resolved_at)`,
      [
        rows.map((o) => o.pattern_id),
        rows.map((o) => (o.outcome === 'success' ? 1 : 0)),
        rows.map((o) => o.resolved_at),
      ],
    );
    const matched = await this.db.query<Array<{ n: string }>>(
      `SELECT count(DISTINCT pattern_id) AS n FROM ml_predictions WHERE pattern_id = ANY($1::text[])`,
      [rows.map((o) => o.pattern_id)],
    );
    return { matched: Number(matched[0].n) };
  }

  /**
   * Predictions made in [from, to) that have an outcome; the latest prediction per pattern_id
   * counts. Capped at the most recent `limit` labelled rows (labels arrive far slower than traffic).
   */
  async labelled(from: Date, to: Date, limit = 200_000): Promise<LabelledPrediction[]> {
    const rows = await this.db.query<
      Array<{
        arm: 'ml' | 'control';
        confidence: number;
        confidence_ml: number | null;
        passes_threshold: boolean;
        outcome: number;
      }>
    >(
      `SELECT DISTINCT ON (p.pattern_id) p.arm, p.confidence, p.confidence_ml, p.passes_threshold, o.outcome
       FROM ml_outcomes o JOIN ml_predictions p ON p.pattern_id = o.pattern_id
       WHERE p.created_at >= $1 AND p.created_at < $2
       ORDER BY p.pattern_id, p.created_at DESC
       LIMIT $3`,
      [from.toISOString(), to.toISOString(), limit],
    );
    return rows.map((r) => ({ ...r, outcome: r.outcome === 1 ? 1 : 0 }));
  }
}
