import { Controller, Get, Query } from '@nestjs/common';
import { DomainException, ErrorCode } from '@app/common';
import { METRIC_THRESHOLDS } from '@app/config';
import { MetricsHistoryService, statusesOf } from './metrics-history.service';
import { ServingStatsService } from './serving-stats.service';

const WINDOW = /^(\d{1,5})(s|m|h)$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600 } as const;

@Controller('api/ml/metrics')
export class MetricsController {
  constructor(
    private readonly stats: ServingStatsService,
    private readonly history: MetricsHistoryService,
  ) {}

  /** The plan's metrics: current rolling window (in-process), per-minute history (all instances), thresholds, status. */
  @Get()
  async metrics(@Query('window') window?: string, @Query('history') historyParam?: string) {
    let seconds = 300;
    if (window !== undefined) {
      const m = WINDOW.exec(window);
      seconds = m ? Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS] : NaN;
      if (!(seconds >= 10 && seconds <= 3600)) {
        throw new DomainException(ErrorCode.VALIDATION_FAILED, ['window must look like 30s, 5m or 1h (10s..1h)']);
      }
    }
    let minutes = 60;
    if (historyParam !== undefined) {
      minutes = /^\d{1,5}$/.test(historyParam) ? Number(historyParam) : NaN;
      if (!(minutes >= 0 && minutes <= 10_080)) {
        throw new DomainException(ErrorCode.VALIDATION_FAILED, ['history must be a number of minutes, 0..10080']);
      }
    }
    const current = this.stats.current(seconds);
    return {
      current,
      history: minutes > 0 ? await this.history.history(minutes) : [],
      thresholds: Object.fromEntries(
        Object.entries(METRIC_THRESHOLDS).map(([k, v]) => [
          k,
          { target: v.target, alert: v.alert, direction: v.direction },
        ]),
      ),
      status: statusesOf(current),
    };
  }
}
