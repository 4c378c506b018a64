import { Injectable, Logger } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { performance } from 'node:perf_hooks';
import type { Gauge } from 'prom-client';
import { Clock } from '@app/common';
import { AppConfig } from '@app/config';
import { FEATURE_NAMES } from '@app/features';
import { METRIC } from '@app/metrics';
import { DriftReportEntity } from '../alerts/drift-report.entity';
import { AlertsService, Finding } from '../alerts/alerts.service';
import { DriftReportsStore } from '../alerts/drift-reports.store';
import type { BaselineEntity } from '../baseline/baseline.entity';
import { BaselineService } from '../baseline/baseline.service';
import { FeatureHistogramService } from '../monitoring/feature-histogram.service';
import { HistogramBinning, PREDICTION_FEATURE } from '../monitoring/histogram-binning';
import { HistogramWindowRepository } from '../monitoring/histogram-window.repository';
import { MetricsHistoryService } from '../monitoring/metrics-history.service';
import type { ArmPerformance } from '../outcomes/performance.util';
import { OutcomesService } from '../outcomes/outcomes.service';
import { qualityIssues, SeriesDrift, seriesDrift } from './drift-analysis';

export interface DriftWindow {
  from: Date;
  to: Date;
}

type Trigger = DriftReportEntity['trigger'];

/**
 * One drift run (DESIGN §9): sum the window's per-minute histograms, compare each feature and the
 * ML confidence with the active baseline (PSI, Jensen–Shannon; overall and per arm), check data
 * quality and labelled performance, write a report and open/update/resolve alerts.
 */
@Injectable()
export class DriftService {
  private readonly logger = new Logger(DriftService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly baselines: BaselineService,
    private readonly histograms: FeatureHistogramService,
    private readonly windows: HistogramWindowRepository,
    private readonly history: MetricsHistoryService,
    private readonly outcomes: OutcomesService,
    private readonly alerts: AlertsService,
    private readonly reports: DriftReportsStore,
    @InjectMetric(METRIC.featurePsi) private readonly psiGauge: Gauge<'feature'>,
    @InjectMetric(METRIC.featureDriftScore) private readonly driftGauge: Gauge,
    @InjectMetric(METRIC.predictionDriftScore) private readonly predictionGauge: Gauge,
  ) {}

  /**
   * Sets the drift and outcome gauges from the latest judged report, so every replica exports the
   * same values whichever replica ran the job (called on a timer and after each run).
   */
  async publishLatest(): Promise<void> {
    const latest = await this.reports.latestJudged();
    if (!latest) {
      return;
    }
    const features = (latest.report.features ?? []) as Array<{ feature: string; psi: number | null }>;
    for (const f of features) {
      this.psiGauge.set({ feature: f.feature }, f.psi ?? 0);
    }
    this.driftGauge.set(latest.feature_drift_score ?? 0);
    this.predictionGauge.set(latest.prediction_drift_score ?? 0);
    const perf = latest.report.performance as Record<'ml' | 'control', ArmPerformance> | undefined;
    if (perf) {
      this.outcomes.publish(perf);
    }
  }

  /** The default window: the last DRIFT_WINDOW_HOURS, ending at the start of the current minute. */
  defaultWindow(now = new Date(this.clock.now())): DriftWindow {
    const to = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
    return { from: new Date(to.getTime() - this.config.DRIFT_WINDOW_HOURS * 3_600_000), to };
  }

  async run(trigger: Trigger, window: DriftWindow): Promise<DriftReportEntity> {
    const started = performance.now();
    await this.histograms.flush(true);
    const baseline = await this.baselines.active();
    const perf = await this.outcomes.performance(window.from, window.to);
    const performanceFindings = this.performanceFindings(perf, baseline, window);
    const evaluated = (['ml', 'control'] as const)
      .filter((arm) => perf[arm].labelled >= this.config.PERFORMANCE_MIN_LABELLED)
      .map((arm) => `PERFORMANCE_DEGRADED:${arm}:`);

    if (!baseline) {
      await this.alerts.sync(performanceFindings, evaluated);
      return this.save(trigger, window, started, null, 'no_baseline', 0, null, null, [], {
        message: 'no active baseline: POST /api/ml/baseline to establish one',
        performance: perf,
      });
    }

    const binning = HistogramBinning.fromReference(baseline);
    let backfilled = 0;
    if (baseline.model_version !== this.histograms.currentBinning()?.modelVersion) {
      // The serving model bins differently: rebuild this window's counts in the baseline's bins from the raw log.
      backfilled = await this.windows.backfill(binning, window.from, window.to);
    }
    const byArm = await this.windows.sum(binning.modelVersion, window.from, window.to);
    const series = (name: string): Map<string, number[]> => {
      const out = new Map<string, number[]>();
      for (const [arm, features] of byArm) {
        const c = features.get(name);
        if (c) {
          out.set(arm, c);
        }
      }
      return out;
    };
    const drifts = FEATURE_NAMES.map((name) =>
      seriesDrift(name, baseline.features[name], series(name), this.config.DRIFT_PSI_THRESHOLD),
    );
    const sampleSize = drifts[0].sample_size;
    const prediction = baseline.prediction
      ? seriesDrift(
          PREDICTION_FEATURE,
          baseline.prediction,
          series(PREDICTION_FEATURE),
          this.config.DRIFT_PSI_THRESHOLD,
        )
      : null;
    const snapshotTotals = await this.history.totals(window.from, window.to);
    const attempted = snapshotTotals.counts.requests + snapshotTotals.counts.invalidRequests;
    const invalidRate = attempted > 0 ? snapshotTotals.counts.invalidRequests / attempted : null;
    const common = {
      baseline: { id: baseline.id, source: baseline.source, model_version: baseline.model_version },
      performance: perf,
      backfilled_predictions: backfilled,
      invalid_request_rate: invalidRate,
    };

    if (sampleSize < this.config.DRIFT_MIN_SAMPLES) {
      await this.alerts.sync(performanceFindings, evaluated);
      return this.save(trigger, window, started, baseline.id, 'insufficient_data', sampleSize, null, null, [], {
        ...common,
        message: `insufficient data: ${sampleSize} predictions in the window, DRIFT_MIN_SAMPLES is ${this.config.DRIFT_MIN_SAMPLES}`,
      });
    }

    const featureScore = Math.max(...drifts.map((d) => d.psi ?? 0));
    const drifted = drifts.filter((d) => d.drifted).map((d) => d.feature);
    const issues = qualityIssues(drifts, baseline.features, invalidRate);
    const meta = {
      window_start: window.from.toISOString(),
      window_end: window.to.toISOString(),
      sample_size: sampleSize,
      baseline_id: baseline.id,
    };
    const findings: Finding[] = [
      ...drifts.filter((d) => d.drifted).map((d) => this.featureDriftFinding(d, meta)),
      ...(prediction?.drifted ? [this.predictionDriftFinding(prediction, meta)] : []),
      ...issues.map((q): Finding => ({
        type: 'DATA_QUALITY_ISSUE',
        severity: 'WARNING',
        fingerprint: `DATA_QUALITY_ISSUE:${q.kind}:${q.feature ?? 'requests'}`,
        title: q.feature
          ? `Data quality: ${q.kind.replace(/_/g, ' ')} in ${q.feature}`
          : 'Data quality: invalid requests',
        message: `${q.feature ?? 'scoring requests'}: ${q.kind} share ${(q.value * 100).toFixed(2)}% above ${(q.threshold * 100).toFixed(2)}%`,
        details: { ...meta, feature: q.feature, metric: q.kind, value: q.value, threshold: q.threshold },
      })),
      ...performanceFindings,
    ];
    const sync = await this.alerts.sync(findings, ['DRIFT_DETECTED:', 'DATA_QUALITY_ISSUE:', ...evaluated]);
    for (const d of drifts) {
      this.psiGauge.set({ feature: d.feature }, d.psi ?? 0);
    }
    this.driftGauge.set(featureScore);
    this.predictionGauge.set(prediction?.psi ?? 0);
    return this.save(
      trigger,
      window,
      started,
      baseline.id,
      drifted.length > 0 || prediction?.drifted ? 'drift' : 'ok',
      sampleSize,
      featureScore,
      prediction?.psi ?? null,
      drifted,
      { ...common, features: drifts, prediction, data_quality: issues, alerts: sync },
    );
  }

  private featureDriftFinding(d: SeriesDrift, meta: Record<string, unknown>): Finding {
    return {
      type: 'DRIFT_DETECTED',
      severity: 'INFO',
      fingerprint: `DRIFT_DETECTED:feature:${d.feature}`,
      title: `Feature drift: ${d.feature}`,
      message: `${d.feature} PSI ${d.psi?.toFixed(3)} > ${this.config.DRIFT_PSI_THRESHOLD} (JS distance ${d.js_distance?.toFixed(3)})`,
      details: {
        ...meta,
        feature: d.feature,
        metric: 'psi',
        value: d.psi,
        threshold: this.config.DRIFT_PSI_THRESHOLD,
        js_distance: d.js_distance,
      },
    };
  }

  private predictionDriftFinding(d: SeriesDrift, meta: Record<string, unknown>): Finding {
    return {
      type: 'DRIFT_DETECTED',
      severity: 'WARNING',
      fingerprint: 'DRIFT_DETECTED:prediction',
      title: 'Prediction drift: ML confidence distribution moved',
      message: `confidence_ml PSI ${d.psi?.toFixed(3)} > ${this.config.DRIFT_PSI_THRESHOLD}`,
      details: {
        ...meta,
        feature: null,
        metric: 'prediction_psi',
        value: d.psi,
        threshold: this.config.DRIFT_PSI_THRESHOLD,
      },
    };
  }

  /** PERFORMANCE_DEGRADED per arm when labelled AUC or accuracy falls below the baseline's by the margin. */
  private performanceFindings(
    perf: Record<'overall' | 'ml' | 'control', ArmPerformance>,
    baseline: BaselineEntity | null,
    window: DriftWindow,
  ): Finding[] {
    const base = (baseline?.performance ?? {}) as Record<string, Partial<ArmPerformance> | undefined>;
    const margin = this.config.PERFORMANCE_DEGRADATION_MARGIN;
    const findings: Finding[] = [];
    for (const arm of ['ml', 'control'] as const) {
      const now = perf[arm];
      const ref = base[arm];
      if (!ref || now.labelled < this.config.PERFORMANCE_MIN_LABELLED) {
        continue;
      }
      for (const metric of ['auc', 'accuracy'] as const) {
        const value = now[metric];
        const reference = ref[metric];
        if (value === null || value === undefined || reference === null || reference === undefined) {
          continue;
        }
        if (value < reference - margin) {
          findings.push({
            type: 'PERFORMANCE_DEGRADED',
            severity: 'WARNING',
            fingerprint: `PERFORMANCE_DEGRADED:${arm}:${metric}`,
            title: `Performance degraded: ${metric} of the ${arm} arm`,
            message: `${arm} ${metric} ${value.toFixed(3)} is below the baseline's ${reference.toFixed(3)} by more than ${margin}`,
            details: {
              arm,
              metric,
              value,
              threshold: reference - margin,
              baseline_value: reference,
              window_start: window.from.toISOString(),
              window_end: window.to.toISOString(),
              sample_size: now.labelled,
              baseline_id: baseline?.id ?? null,
            },
          });
        }
      }
    }
    return findings;
  }

  private async save(
    trigger: Trigger,
    window: DriftWindow,
    started: number,
    baselineId: number | null,
    status: DriftReportEntity['status'],
    sampleSize: number,
    featureScore: number | null,
    predictionScore: number | null,
    drifted: string[],
    report: Record<string, unknown>,
  ): Promise<DriftReportEntity> {
    const saved = await this.reports.save({
      instance_id: this.config.INSTANCE_ID,
      baseline_id: baselineId,
      window_start: window.from,
      window_end: window.to,
      trigger,
      status,
      sample_size: sampleSize,
      feature_drift_score: featureScore,
      prediction_drift_score: predictionScore,
      drifted_features: drifted,
      duration_ms: performance.now() - started,
      report: { status, ...report },
    });
    this.logger.log(
      {
        event: 'drift_run',
        report_id: saved.id,
        status,
        sample_size: sampleSize,
        feature_drift_score: featureScore,
        drifted,
      },
      `drift run ${saved.id}: ${status}`,
    );
    return saved;
  }
}
