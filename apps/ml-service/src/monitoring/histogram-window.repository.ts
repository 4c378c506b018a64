import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { binSlotSql, countsLength } from '@app/features/binning';
import type { HistogramBinning } from './histogram-binning';
import { PREDICTION_FEATURE } from './histogram-binning';

const MINUTE_MS = 60_000;
/** Window slice of one backfill statement. */
const BACKFILL_CHUNK_MS = 3_600_000;

/** Summed counts of a window: arm → feature → counts. */
export type WindowHistograms = Map<string, Map<string, number[]>>;

/**
 * Reads ml_feature_histograms for a window (a sum of small per-minute rows: the cost follows the
 * number of minutes, not of predictions) and rebuilds the same rows from raw ml_predictions (the
 * backfill path, for windows before histograms existed or for another model's binning).
 */
@Injectable()
export class HistogramWindowRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async sum(modelVersion: string, from: Date, to: Date): Promise<WindowHistograms> {
    const params = [modelVersion, from.toISOString(), to.toISOString()];
    const window = 'model_version = $1 AND minute >= $2 AND minute < $3';
    const [{ width }] = await this.db.query<Array<{ width: number | null }>>(
      `SELECT max(cardinality(counts)) AS width FROM ml_feature_histograms WHERE ${window}`,
      params,
    );
    const out: WindowHistograms = new Map();
    if (!width) {
      return out;
    }
    // One sum per position, grouped by arm and feature only: ~10x faster than unnesting every
    // count and grouping by position (a day is ~150,000 rows of ~100 counts). A position past a
    // row's length reads NULL, which sum() skips; positions past every row's length are trimmed.
    const sums = Array.from({ length: width }, (_, k) => `sum(counts[${k + 1}])`).join(', ');
    const rows = await this.db.query<Array<{ arm: string; feature: string; counts: Array<number | null> }>>(
      `SELECT arm, feature, ARRAY[${sums}]::float8[] AS counts
       FROM ml_feature_histograms WHERE ${window}
       GROUP BY arm, feature`,
      params,
    );
    for (const r of rows) {
      let n = r.counts.length;
      while (n > 0 && r.counts[n - 1] === null) {
        n--;
      }
      if (!out.has(r.arm)) {
        out.set(r.arm, new Map());
      }
      out.get(r.arm)!.set(r.feature, r.counts.slice(0, n).map(Number));
    }
    return out;
  }

  /** Minutes of the window that have predictions but no histogram rows for this model version. */
  async minutesMissing(modelVersion: string, from: Date, to: Date): Promise<number> {
    const rows = await this.db.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM (
         SELECT DISTINCT date_trunc('minute', created_at) AS minute FROM ml_predictions
         WHERE created_at >= $2 AND created_at < $3
         EXCEPT
         SELECT DISTINCT minute FROM ml_feature_histograms WHERE model_version = $1 AND minute >= $2 AND minute < $3
       ) m`,
      [modelVersion, from.toISOString(), to.toISOString()],
    );
    return Number(rows[0].n);
  }

  /**
   * Rebuilds histogram rows from raw predictions with `binning`'s edges, for every minute of the
   * window that has none for this binning's model version, as instance "backfill". The slot of each
   * value is the SQL twin of binIndex (binSlotSql), so both paths give identical counts.
   * Returns the number of predictions binned.
   *
   * One statement per hour of the window (boundaries on whole minutes, so no minute is split): the
   * cost is ~1 µs per prediction and feature, and a day of heavy traffic in one statement would run
   * past the pool's statement timeout.
   */
  async backfill(binning: HistogramBinning, from: Date, to: Date): Promise<number> {
    const firstMinute = Math.ceil(from.getTime() / MINUTE_MS) * MINUTE_MS;
    let binned = 0;
    let start = from.getTime();
    for (let next = firstMinute + BACKFILL_CHUNK_MS; start < to.getTime(); next += BACKFILL_CHUNK_MS) {
      const end = Math.min(next, to.getTime());
      binned += await this.backfillChunk(binning, new Date(start), new Date(end));
      start = end;
    }
    return binned;
  }

  private async backfillChunk(binning: HistogramBinning, from: Date, to: Date): Promise<number> {
    const names = binning.names;
    const edges = binning.edges.map((e) => `{${Array.from(e).map(String).join(',')}}`);
    const lengths = binning.edges.map((e) => countsLength(e));
    const slot = binSlotSql('v.x', 'v.edges');
    // f is MATERIALIZED: inlined, its text-to-float8[] casts would run for every prediction × feature.
    // Counts are grouped sparse (slot, n) per minute/arm/feature, then laid out densely per row.
    const sql = `WITH f AS MATERIALIZED (
         SELECT name, edges::float8[] AS edges, len, idx
         FROM unnest($1::text[], $2::text[], $3::int[]) WITH ORDINALITY AS t(name, edges, len, idx)
       ),
       missing AS (
         SELECT DISTINCT date_trunc('minute', created_at) AS minute FROM ml_predictions
         WHERE created_at >= $5 AND created_at < $6
         EXCEPT
         SELECT DISTINCT minute FROM ml_feature_histograms WHERE model_version = $4 AND minute >= $5 AND minute < $6
       ),
       p AS (
         SELECT date_trunc('minute', created_at) AS minute, arm, features, confidence_ml
         FROM ml_predictions
         WHERE created_at >= $5 AND created_at < $6 AND date_trunc('minute', created_at) IN (SELECT minute FROM missing)
       ),
       v AS (
         SELECT p.minute, p.arm, f.idx, f.edges,
                CASE WHEN f.name = $7 THEN p.confidence_ml::float8 ELSE p.features[f.idx]::float8 END AS x
         FROM p CROSS JOIN f
       ),
       slots AS (
         SELECT v.minute, v.arm, v.idx, ${slot} AS slot, count(*) AS n
         FROM v WHERE v.x IS NOT NULL
         GROUP BY 1, 2, 3, 4
       ),
       sparse AS (
         SELECT minute, arm, idx, array_agg(slot) AS s, array_agg(n) AS n FROM slots GROUP BY 1, 2, 3
       ),
       dense AS (
         SELECT sp.minute, sp.arm, f.name,
                ARRAY(SELECT coalesce(sp.n[array_position(sp.s, g.i)], 0)::int
                      FROM generate_series(0, f.len - 1) AS g(i) ORDER BY g.i) AS counts
         FROM sparse sp JOIN f ON f.idx = sp.idx
       ),
       ins AS (
         INSERT INTO ml_feature_histograms (minute, instance_id, model_version, arm, feature, counts)
         SELECT minute, 'backfill', $4, arm, name, counts FROM dense
         ON CONFLICT DO NOTHING
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM p) AS n`;
    const params = [
      names,
      edges,
      lengths,
      binning.modelVersion,
      from.toISOString(),
      to.toISOString(),
      PREDICTION_FEATURE,
    ];
    // JIT compilation costs ~0.7 s per statement here (its cost estimate is large) and gains less.
    const result = await this.db.transaction(async (em) => {
      await em.query('SET LOCAL jit = off');
      return em.query<Array<{ n: string }>>(sql, params);
    });
    return Number(result[0].n);
  }
}
