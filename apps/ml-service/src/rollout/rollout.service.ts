import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { AppConfig } from '@app/config';
import { METRIC } from '@app/metrics';

export interface RolloutState {
  enabled: boolean;
  percent: number;
}

export interface RolloutView extends RolloutState {
  source: 'database' | 'boot_default';
  updated_at: string | null;
  updated_by: string | null;
}

const SETTINGS_KEY = 'rollout';

/**
 * The kill switch and rollout percent in force on this replica. Boot flags (ENABLE_PHASE5_ML,
 * ML_ROLLOUT_PERCENT) are only defaults: once an operator sets the rollout it lives in
 * ml_settings, and every replica re-reads it every SETTINGS_POLL_MS, so a change reaches all of
 * them within seconds without a restart. A database outage keeps the last known state.
 */
@Injectable()
export class RolloutService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RolloutService.name);
  private state: RolloutState;
  private view: RolloutView;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    @InjectMetric(METRIC.enabled) private readonly enabledGauge: Gauge,
    @InjectMetric(METRIC.rolloutPercent) private readonly percentGauge: Gauge,
  ) {
    this.state = { enabled: config.ENABLE_PHASE5_ML, percent: config.ML_ROLLOUT_PERCENT };
    this.view = { ...this.state, source: 'boot_default', updated_at: null, updated_by: null };
    this.publish();
  }

  async onModuleInit(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.config.SETTINGS_POLL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) {
      clearInterval(this.timer);
    }
  }

  /** The state scoring uses; a plain field read on the hot path. */
  snapshot(): RolloutState {
    return this.state;
  }

  current(): RolloutView {
    return this.view;
  }

  /** Persists a change (partial updates keep the other field), audits it, and applies it here at once. */
  async update(change: Partial<RolloutState>, actor: string): Promise<RolloutView> {
    const before = this.view;
    const next: RolloutState = { enabled: change.enabled ?? before.enabled, percent: change.percent ?? before.percent };
    await this.db.transaction(async (em) => {
      await em.query(
        `INSERT INTO ml_settings (key, value, updated_at, updated_by) VALUES ($1, $2, now(), $3)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now(), updated_by = EXCLUDED.updated_by`,
        [SETTINGS_KEY, JSON.stringify(next), actor],
      );
      await em.query(
        `INSERT INTO ml_audit_log (actor, action, outcome, before, after) VALUES ($1, 'rollout.update', 'applied', $2, $3)`,
        [
          actor,
          JSON.stringify({ enabled: before.enabled, percent: before.percent, source: before.source }),
          JSON.stringify(next),
        ],
      );
    });
    this.logger.warn(
      { event: 'rollout_changed', actor, before: { enabled: before.enabled, percent: before.percent }, after: next },
      'rollout changed',
    );
    await this.refresh();
    return this.view;
  }

  /** Re-reads ml_settings; keeps the last known state when the database cannot answer. */
  async refresh(): Promise<void> {
    try {
      const rows = await this.db.query<Array<{ value: RolloutState; updated_at: Date; updated_by: string | null }>>(
        'SELECT value, updated_at, updated_by FROM ml_settings WHERE key = $1',
        [SETTINGS_KEY],
      );
      if (rows.length === 0) {
        return;
      }
      const { value, updated_at, updated_by } = rows[0];
      if (typeof value?.enabled !== 'boolean' || !Number.isInteger(value?.percent)) {
        return;
      }
      this.state = { enabled: value.enabled, percent: value.percent };
      this.view = { ...this.state, source: 'database', updated_at: new Date(updated_at).toISOString(), updated_by };
      this.publish();
    } catch {
      // Database unreachable: keep serving with the last known rollout.
    }
  }

  private publish(): void {
    this.enabledGauge.set(this.state.enabled ? 1 : 0);
    this.percentGauge.set(this.state.percent);
  }
}
