import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { binSlotSql, countsLength } from '@app/features/binning';
import type { HistogramBinning } from './histogram-binning';
import { PREDICTION_FEATURE } from './histogram-binning';

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
    const rows = await this.db.query<Array<{ arm: string; feature: string; counts: number[] }>>(
      `SELECT arm, feature, array_agg(total ORDER BY i) AS counts
       FROM (SELECT h.arm, h.feature, u.i, sum(u.c)::float8 AS total
             FROM ml_feature_histograms h, unnest(h.counts) WITH ORDINALITY AS u(c, i)
             WHERE h.model_version = $1 AND h.minute >= $2 AND h.minute < $3
             GROUP BY h.arm, h.feature, u.i) s
       GROUP BY arm, feature`,
      [modelVersion, from.toISOString(), to.toISOString()],
    );
    const out: WindowHistograms = new Map();
    for (const r of rows) {
      if (!out.has(r.arm)) {
        out.set(r.arm, new Map());
      }
      out.get(r.arm)!.set(r.feature, r.counts.map(Number));
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
   */
  async backfill(binning: HistogramBinning, from: Date, to: Date): Promise<number> {
    const names = binning.names;
    const edges = binning.edges.map((e) => `{${Array.from(e).map(String).join(',')}}`);
    const lengths = binning.edges.map((e) => countsLength(e));
    const slot = binSlotSql('v.x', 'f.edges');
    const result = await this.db.query<Array<{ n: string }>>(
      `WITH f AS (
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
         SELECT p.minute, p.arm, f.name, f.len, f.edges,
                CASE WHEN f.name = $7 THEN p.confidence_ml::float8 ELSE p.features[f.idx]::float8 END AS x
         FROM p CROSS JOIN f
       ),
       slots AS (
         SELECT v.minute, v.arm, v.name, v.len, ${slot.replace(/f\.edges/g, 'v.edges')} AS slot, count(*) AS n
         FROM v WHERE v.x IS NOT NULL
         GROUP BY 1, 2, 3, 4, 5
       ),
       dense AS (
         SELECT s.minute, s.arm, s.name, array_agg(coalesce(c.n, 0)::int ORDER BY g.i) AS counts
         FROM (SELECT DISTINCT minute, arm, name, len FROM slots) s
         CROSS JOIN LATERAL generate_series(0, s.len - 1) AS g(i)
         LEFT JOIN slots c ON c.minute = s.minute AND c.arm = s.arm AND c.name = s.name AND c.slot = g.i
         GROUP BY s.minute, s.arm, s.name
       ),
       ins AS (
         INSERT INTO ml_feature_histograms (minute, instance_id, model_version, arm, feature, counts)
         SELECT minute, 'backfill', $4, arm, name, counts FROM dense
         ON CONFLICT DO NOTHING
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM p) AS n`,
      [names, edges, lengths, binning.modelVersion, from.toISOString(), to.toISOString(), PREDICTION_FEATURE],
    );
    return Number(result[0].n);
  }
}
