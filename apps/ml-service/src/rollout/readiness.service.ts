import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { Clock } from '@app/common';
import { SUCCESS_CRITERIA } from '@app/config';
import { AlertsService } from '../alerts/alerts.service';
import { BaselineService } from '../baseline/baseline.service';
import { ModelRegistry } from '../inference/model-registry.service';
import { MetricsHistoryService } from '../monitoring/metrics-history.service';
import { WindowMetrics, windowMetrics as windowOf } from '../monitoring/serving-window';

export type CheckResult = 'pass' | 'fail' | 'unknown';

export interface ReadinessItem {
  id: string;
  title: string;
  result: CheckResult;
  evidence: Record<string, unknown> | string;
}

/** The plan's alert names that the shipped rules must define. */
const PLAN_ALERTS = [
  'ml_inference_latency_high',
  'ml_service_unavailable',
  'high_fallback_rate',
  'model_drift_detected',
];
const HOUR = 3_600_000;

/**
 * The plan's pre-enablement checklist and success criteria, each judged from real state: the
 * database, the model registry, the baselines, the audit log, the shipped deploy files and the
 * per-minute metric history. Where the service cannot observe an item it says "unknown" and why.
 */
@Injectable()
export class ReadinessService {
  private readonly root = resolve(process.cwd());

  constructor(
    private readonly clock: Clock,
    private readonly registry: ModelRegistry,
    private readonly baselines: BaselineService,
    private readonly alerts: AlertsService,
    private readonly history: MetricsHistoryService,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  async evaluate(): Promise<{
    ready_to_enable: boolean;
    checklist: ReadinessItem[];
    success_criteria: ReadinessItem[];
    evaluated_at: string;
  }> {
    const checklist = await this.checklist();
    const success = await this.successCriteria();
    return {
      ready_to_enable: checklist.every((i) => i.result === 'pass' || i.id === 'team_briefed'),
      checklist,
      success_criteria: success,
      evaluated_at: new Date(this.clock.now()).toISOString(),
    };
  }

  private async checklist(): Promise<ReadinessItem[]> {
    const pending = await this.db.showMigrations().catch(() => null);
    const model = this.registry.status();
    const baseline = await this.baselines.active();
    const rules = this.file('deploy/prometheus/alerts.yml');
    const missingAlerts = rules === null ? PLAN_ALERTS : PLAN_ALERTS.filter((a) => !rules.includes(`alert: ${a}`));
    const dashboards = this.dir('deploy/grafana/dashboards').filter((f) => f.endsWith('.json'));
    const alertmanager = this.file('deploy/alertmanager/alertmanager.yml');
    const rollback = await this.db
      .query<Array<{ created_at: Date; actor: string }>>(
        `SELECT created_at, actor FROM ml_audit_log WHERE action = 'rollout.update' AND outcome = 'applied'
         AND (before->>'enabled')::boolean = true AND (after->>'enabled')::boolean = false
         ORDER BY id DESC LIMIT 1`,
      )
      .catch(() => null);
    return [
      {
        id: 'migrations_applied',
        title: 'Database migration applied successfully',
        result: pending === null ? 'unknown' : pending ? 'fail' : 'pass',
        evidence: pending === null ? 'database unreachable' : { pending_migrations: pending },
      },
      {
        id: 'champion_deployed',
        title: 'Champion model artifacts trained and deployed',
        result: model.state === 'loaded' && model.slot === 'champion' ? 'pass' : 'fail',
        evidence: {
          state: model.state,
          slot: model.slot,
          model_version: model.model_version,
          refusals: model.refusals,
        },
      },
      {
        id: 'dashboards_configured',
        title: 'Monitoring dashboards configured',
        result: dashboards.length > 0 ? 'pass' : 'fail',
        evidence: { dashboards: dashboards.map((f) => `deploy/grafana/dashboards/${f}`) },
      },
      {
        id: 'alert_channels_configured',
        title: 'Alert channels configured (rules and routing shipped)',
        result: rules !== null && missingAlerts.length === 0 && alertmanager !== null ? 'pass' : 'fail',
        evidence: {
          rules: rules !== null ? 'deploy/prometheus/alerts.yml' : null,
          missing_plan_alerts: missingAlerts,
          alertmanager: alertmanager !== null ? 'deploy/alertmanager/alertmanager.yml' : null,
        },
      },
      {
        id: 'baseline_established',
        title: 'Baseline metrics established',
        result: baseline ? 'pass' : 'fail',
        evidence: baseline
          ? {
              baseline_id: baseline.id,
              source: baseline.source,
              sample_size: baseline.sample_size,
              created_at: baseline.created_at,
            }
          : 'no active baseline (POST /api/ml/baseline)',
      },
      {
        id: 'rollback_tested',
        title: 'Rollback procedure tested (kill switch used through the API)',
        result: rollback === null ? 'unknown' : rollback.length > 0 ? 'pass' : 'fail',
        evidence:
          rollback === null
            ? 'database unreachable'
            : rollback.length > 0
              ? { last_rollback_at: rollback[0].created_at, actor: rollback[0].actor }
              : 'no audited change from enabled=true to enabled=false yet',
      },
      {
        id: 'team_briefed',
        title: 'Team briefed on monitoring procedures',
        result: 'unknown',
        evidence: 'not observable by the service; confirm in the rollout review',
      },
    ];
  }

  private async successCriteria(): Promise<ReadinessItem[]> {
    const c = SUCCESS_CRITERIA;
    const items: ReadinessItem[] = [
      await this.sustained(
        'latency_p95',
        `Inference latency p95 < ${c.latency_p95_below_ms.value} ms for ${c.latency_p95_below_ms.hours} h`,
        c.latency_p95_below_ms.hours,
        (m) => m.inference_latency_p95,
        (v) => v < c.latency_p95_below_ms.value,
      ),
      await this.sustained(
        'fallback_rate',
        `Fallback rate < ${c.fallback_rate_below.value * 100}% for ${c.fallback_rate_below.hours} h`,
        c.fallback_rate_below.hours,
        (m) => m.fallback_rate,
        (v) => v < c.fallback_rate_below.value,
      ),
      await this.sustained(
        'error_rate',
        `Error rate < ${c.error_rate_below.value * 100}% sustained`,
        c.error_rate_below.hours,
        (m) => m.error_rate,
        (v) => v < c.error_rate_below.value,
      ),
      await this.sustained(
        'cache_hit_rate',
        `Cache hit rate > ${c.cache_hit_rate_above.value * 100}%`,
        c.cache_hit_rate_above.hours,
        (m) => m.cache_hit_rate,
        (v) => v > c.cache_hit_rate_above.value,
      ),
    ];
    const hours = c.no_critical_alerts_hours.hours;
    const coverage = await this.coverageHours(hours);
    const critical = await this.alerts.countSeverity('CRITICAL', hours);
    items.push({
      id: 'no_critical_alerts',
      title: `No critical alerts for ${hours} h`,
      result: critical > 0 ? 'fail' : coverage >= hours ? 'pass' : 'unknown',
      evidence: { critical_alerts: critical, history_hours: round(coverage), needed_hours: hours },
    });
    items.push({
      id: 'user_feedback',
      title: 'Positive user feedback on confidence accuracy',
      result: 'unknown',
      evidence: 'not observable by the service',
    });
    return items;
  }

  /**
   * A criterion that must hold over `hours`: fail if the period's merged value or too many of its
   * minutes break it, unknown while the history is shorter than the period, else pass.
   */
  private async sustained(
    id: string,
    title: string,
    hours: number,
    pick: (m: WindowMetrics) => number | null,
    ok: (v: number) => boolean,
  ): Promise<ReadinessItem> {
    const to = new Date(this.clock.now());
    const from = new Date(to.getTime() - hours * HOUR);
    const [minutes, totals] = await Promise.all([this.history.perMinute(from, to), this.history.totals(from, to)]);
    const merged = pick(windowOf(totals.counts));
    const values = minutes.map((m) => pick(m.metrics)).filter((v): v is number => v !== null);
    const breaking = values.filter((v) => !ok(v)).length;
    const coverage = totals.first ? (to.getTime() - new Date(totals.first).getTime()) / HOUR : 0;
    let result: CheckResult;
    if (merged !== null && (!ok(merged) || breaking > 0.05 * values.length)) {
      result = 'fail';
    } else if (merged === null || coverage < hours * 0.98) {
      result = 'unknown';
    } else {
      result = 'pass';
    }
    return {
      id,
      title,
      result,
      evidence: {
        value: merged === null ? null : round(merged),
        minutes_with_data: values.length,
        minutes_breaking: breaking,
        history_hours: round(coverage),
        needed_hours: hours,
      },
    };
  }

  private async coverageHours(hours: number): Promise<number> {
    const to = new Date(this.clock.now());
    const totals = await this.history.totals(new Date(to.getTime() - hours * HOUR), to);
    return totals.first ? (to.getTime() - new Date(totals.first).getTime()) / HOUR : 0;
  }

  private file(rel: string): string | null {
    const path = join(this.root, rel);
    return existsSync(path) ? readFileSync(path, 'utf8') : null;
  }

  private dir(rel: string): string[] {
    const path = join(this.root, rel);
    return existsSync(path) ? readdirSync(path) : [];
  }
}

function round(v: number): number {
  return Number(v.toFixed(4));
}
