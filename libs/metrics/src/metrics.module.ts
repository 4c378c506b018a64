import { Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { METRIC_PROVIDERS } from './metrics.providers';

/** Re-exports the Prometheus module with every metric provider ("option 1" of @willsoto/nestjs-prometheus). */
@Module({
  imports: [PrometheusModule.register({ path: '/metrics', defaultMetrics: { enabled: true } })],
  providers: [...METRIC_PROVIDERS],
  exports: [PrometheusModule, ...METRIC_PROVIDERS],
})
export class MetricsModule {}
