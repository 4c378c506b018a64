import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { querySerially } from '@app/database';
import type { Arm } from '../inference/inference.types';
import type { OutcomeDto } from './outcome.dto';
import { emptyCounts, PerformanceCounts } from './performance.util';

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
    // One index probe per posted id (the ids are distinct). `pattern_id = ANY($1)` over the table let
    // the planner pick a sequential scan whenever ml_predictions had no statistics (autovacuum off or
    // behind): the 10-minute soak found its cost growing with the table, 20 ms per batch after 4 minutes.
    const matched = await this.db.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM unnest($1::text[]) AS t(id)
        WHERE EXISTS (SELECT 1 FROM ml_predictions p WHERE p.pattern_id = t.id)`,
      [rows.map((o) => o.pattern_id)],
    );
    return { matched: Number(matched[0].n) };
  }

  /**
   * Performance counts (see PerformanceCounts) of the `limit` most recent predictions made in
   * [from, to) that have an outcome, overall and per arm; the latest prediction per pattern_id
   * among them counts. The limit keeps the cost flat (an index scan backwards on created_at that
   * stops after `limit` labelled rows) however many labels arrive. Computed in SQL:
   * fetching the labelled rows and sorting them for the AUC in Node blocked the event loop for
   * seconds per drift run once a window held a few hundred thousand labels (found by the soak).
   */
  async performanceCounts(from: Date, to: Date, limit: number): Promise<Record<'overall' | Arm, PerformanceCounts>> {
    // A background read over the whole window: it must not take every core from the scoring path.
    const rows = await querySerially<
      Array<{
        arm: 'overall' | Arm;
        n: number;
        positives: number;
        tp: number;
        tn: number;
        fp: number;
        fn: number;
        brier_sum: number | null;
        rank_sum: string | null;
      }>
    >(
      this.db,
      `WITH recent AS (
         SELECT p.pattern_id, p.created_at, p.arm, p.confidence, p.passes_threshold, o.outcome
         FROM ml_predictions p JOIN ml_outcomes o ON o.pattern_id = p.pattern_id
         WHERE p.created_at >= $1 AND p.created_at < $2
         ORDER BY p.created_at DESC
         LIMIT $3
       ),
       l AS (
         SELECT DISTINCT ON (pattern_id) arm, confidence, passes_threshold, outcome
         FROM recent ORDER BY pattern_id, created_at DESC
       ),
       g AS (
         SELECT arm, confidence, passes_threshold, outcome FROM l
         UNION ALL
         SELECT 'overall', confidence, passes_threshold, outcome FROM l
       ),
       ranked AS (
         -- Ties share the average of their ranks: the first rank plus half the others.
         SELECT arm, confidence::float8 AS c, passes_threshold AS t, outcome AS y,
                rank() OVER (PARTITION BY arm ORDER BY confidence)
                  + (count(*) OVER (PARTITION BY arm, confidence) - 1) / 2.0 AS r
         FROM g
       )
       SELECT arm, count(*)::int AS n,
              count(*) FILTER (WHERE y = 1)::int AS positives,
              count(*) FILTER (WHERE t AND y = 1)::int AS tp,
              count(*) FILTER (WHERE NOT t AND y = 0)::int AS tn,
              count(*) FILTER (WHERE t AND y = 0)::int AS fp,
              count(*) FILTER (WHERE NOT t AND y = 1)::int AS fn,
              sum((c - y) ^ 2) AS brier_sum,
              sum(r) FILTER (WHERE y = 1) AS rank_sum
       FROM ranked GROUP BY arm`,
      [from.toISOString(), to.toISOString(), limit],
    );
    const out = { overall: emptyCounts(), ml: emptyCounts(), control: emptyCounts() };
    for (const r of rows) {
      out[r.arm] = {
        labelled: r.n,
        positives: r.positives,
        tp: r.tp,
        tn: r.tn,
        fp: r.fp,
        fn: r.fn,
        brierSum: Number(r.brier_sum ?? 0),
        positiveRankSum: Number(r.rank_sum ?? 0),
      };
    }
    return out;
  }
}
