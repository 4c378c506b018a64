import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { AppConfig } from '@app/config';
import { METRIC } from '@app/metrics';

export interface RolloutState {
  enabled: boolean;
  percent: number;
}

/** The kill switch and rollout percent in force on this replica; boot flags are the defaults. */
@Injectable()
export class RolloutService {
  private state: RolloutState;

  constructor(
    config: AppConfig,
    @InjectMetric(METRIC.enabled) private readonly enabledGauge: Gauge,
    @InjectMetric(METRIC.rolloutPercent) private readonly percentGauge: Gauge,
  ) {
    this.state = { enabled: config.ENABLE_PHASE5_ML, percent: config.ML_ROLLOUT_PERCENT };
    this.publish();
  }

  snapshot(): RolloutState {
    return this.state;
  }

  apply(state: RolloutState): void {
    this.state = { enabled: state.enabled, percent: state.percent };
    this.publish();
  }

  private publish(): void {
    this.enabledGauge.set(this.state.enabled ? 1 : 0);
    this.percentGauge.set(this.state.percent);
  }
}
