import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { DriftReportEntity } from './drift-report.entity';

/** Summary of the latest drift run, as GET /api/ml/alerts carries it. */
export interface DriftSummary {
  report_id: number | null;
  status: string;
  feature_drift_score: number | null;
  prediction_drift_score: number | null;
  drifted_features: string[];
  computed_at: string | null;
  baseline_id: number | null;
  sample_size: number;
}

@Injectable()
export class DriftReportsStore {
  constructor(@InjectRepository(DriftReportEntity) private readonly reports: Repository<DriftReportEntity>) {}

  save(report: Omit<DriftReportEntity, 'id' | 'created_at'>): Promise<DriftReportEntity> {
    return this.reports.save(this.reports.create(report));
  }

  list(limit: number): Promise<DriftReportEntity[]> {
    return this.reports.find({
      order: { id: 'DESC' },
      take: limit,
      select: {
        id: true,
        created_at: true,
        instance_id: true,
        baseline_id: true,
        window_start: true,
        window_end: true,
        trigger: true,
        status: true,
        sample_size: true,
        feature_drift_score: true,
        prediction_drift_score: true,
        drifted_features: true,
        duration_ms: true,
      },
    });
  }

  get(id: number): Promise<DriftReportEntity | null> {
    return this.reports.findOneBy({ id });
  }

  /** The latest run that judged drift (status ok or drift), with its full report. */
  latestJudged(): Promise<DriftReportEntity | null> {
    return this.reports.findOne({ where: [{ status: 'ok' }, { status: 'drift' }], order: { id: 'DESC' } });
  }

  /** The latest run that could judge drift (not "insufficient data"), else the latest run. */
  async latestSummary(): Promise<DriftSummary> {
    const r = (await this.latestJudged()) ?? (await this.reports.findOne({ where: {}, order: { id: 'DESC' } }));
    if (!r) {
      // Same shape before the first run, so clients can read the fields without a null check.
      return {
        report_id: null,
        status: 'no_report',
        feature_drift_score: null,
        prediction_drift_score: null,
        drifted_features: [],
        computed_at: null,
        baseline_id: null,
        sample_size: 0,
      };
    }
    return {
      report_id: r.id,
      status: r.status,
      feature_drift_score: r.feature_drift_score,
      prediction_drift_score: r.prediction_drift_score,
      drifted_features: r.drifted_features,
      computed_at: r.created_at.toISOString(),
      baseline_id: r.baseline_id,
      sample_size: r.sample_size,
    };
  }
}
