import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** One per-minute histogram row of ml_feature_histograms. */
export interface HistogramRow {
  minute: Date;
  instance_id: string;
  model_version: string;
  arm: string;
  feature: string;
  counts: number[];
}

@Injectable()
export class FeatureHistogramRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Upserts rows; an existing row of the same minute/instance/model/arm/feature gets the counts
   * added element-wise (a minute may be flushed in parts: drift run, then the rest of the minute).
   */
  async upsert(rows: HistogramRow[]): Promise<void> {
    if (rows.length === 0) {
      return;
    }
    await this.db.query(
      `INSERT INTO ml_feature_histograms (minute, instance_id, model_version, arm, feature, counts)
       SELECT m, i, v, a, f, c::integer[]
       FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t(m, i, v, a, f, c)
       ON CONFLICT (minute, instance_id, model_version, arm, feature) DO UPDATE SET counts = (
         SELECT array_agg(coalesce(x, 0) + coalesce(y, 0) ORDER BY k)
         FROM unnest(ml_feature_histograms.counts, EXCLUDED.counts) WITH ORDINALITY AS u(x, y, k))`,
      [
        rows.map((r) => r.minute.toISOString()),
        rows.map((r) => r.instance_id),
        rows.map((r) => r.model_version),
        rows.map((r) => r.arm),
        rows.map((r) => r.feature),
        rows.map((r) => `{${r.counts.join(',')}}`),
      ],
    );
  }
}
