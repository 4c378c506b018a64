import { Module } from '@nestjs/common';
import { MetricsModule } from '@app/metrics';
import { ModelRegistry } from './model-registry.service';
import { OnnxRuntime } from './onnx-runtime.provider';

/** The ONNX runtime seam and the model registry; shared by inference and the monitoring that bins by the model's card. */
@Module({
  imports: [MetricsModule],
  providers: [OnnxRuntime, ModelRegistry],
  exports: [ModelRegistry],
})
export class ModelModule {}
