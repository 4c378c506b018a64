import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';
import { AppConfig } from '@app/config';
import { METRIC } from '@app/metrics';
import type { OutcomeDto } from './outcome.dto';
import { OutcomesRepository } from './outcomes.repository';
import { ArmPerformance, fromCounts } from './performance.util';

@Injectable()
export class OutcomesService {
  constructor(
    private readonly config: AppConfig,
    private readonly repository: OutcomesRepository,
    @InjectMetric(METRIC.outcomesReceived) private readonly received: Counter<'matched'>,
    @InjectMetric(METRIC.outcomeAccuracy) private readonly accuracy: Gauge<'arm'>,
    @InjectMetric(METRIC.falsePositiveRate) private readonly fpr: Gauge<'arm'>,
    @InjectMetric(METRIC.falseNegativeRate) private readonly fnr: Gauge<'arm'>,
  ) {}

  /** Stores outcomes; unknown pattern ids are accepted and counted (their prediction may arrive later). */
  async record(outcomes: OutcomeDto[]): Promise<{ accepted: number; matched: number; unknown: number }> {
    const accepted = new Set(outcomes.map((o) => o.pattern_id)).size;
    const { matched } = await this.repository.upsert(outcomes);
    this.received.inc({ matched: 'true' }, matched);
    this.received.inc({ matched: 'false' }, accepted - matched);
    return { accepted, matched, unknown: accepted - matched };
  }

  /**
   * Performance over the most recent PERFORMANCE_MAX_LABELLED labelled predictions made in [from, to),
   * overall and per arm; also published as gauges.
   */
  async performance(from: Date, to: Date): Promise<Record<'overall' | 'ml' | 'control', ArmPerformance>> {
    const counts = await this.repository.performanceCounts(from, to, this.config.PERFORMANCE_MAX_LABELLED);
    const perf = {
      overall: fromCounts(counts.overall),
      ml: fromCounts(counts.ml),
      control: fromCounts(counts.control),
    };
    this.publish(perf);
    return perf;
  }

  /** Business gauges per arm (accuracy, FP and FN rates), for arms with labelled predictions. */
  publish(perf: Record<'ml' | 'control', ArmPerformance>): void {
    for (const arm of ['ml', 'control'] as const) {
      const p = perf[arm];
      if (p.labelled > 0) {
        this.accuracy.set({ arm }, p.accuracy ?? 0);
        if (p.false_positive_rate !== null) {
          this.fpr.set({ arm }, p.false_positive_rate);
        }
        if (p.false_negative_rate !== null) {
          this.fnr.set({ arm }, p.false_negative_rate);
        }
      }
    }
  }
}
