import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { HEALTH_FALLBACK_WARNING_RATE } from '@app/config';
import { ServingStatsService } from './serving-stats.service';

/** Down (WARNING) when more than 10% of ML-eligible requests fell back over the current window. */
@Injectable()
export class FallbackHealth {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly stats: ServingStatsService,
  ) {}

  check(): HealthIndicatorResult {
    const indicator = this.health.check('fallback');
    const counts = this.stats.counts();
    const current = this.stats.current();
    const details = {
      severity: 'WARNING',
      fallback_rate: current.fallback_rate,
      threshold: HEALTH_FALLBACK_WARNING_RATE,
      eligible_requests: counts.eligible,
      reasons: counts.fallbackReasons,
      window_seconds: current.window_seconds,
    };
    const rate = current.fallback_rate ?? 0;
    return rate > HEALTH_FALLBACK_WARNING_RATE
      ? indicator.down({ ...details, message: `fallback rate ${(rate * 100).toFixed(1)}% is above 10%` })
      : indicator.up(details);
  }
}
