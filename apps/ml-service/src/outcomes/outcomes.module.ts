import { Module } from '@nestjs/common';
import { MetricsModule } from '@app/metrics';
import { OutcomesController } from './outcomes.controller';
import { OutcomesRepository } from './outcomes.repository';
import { OutcomesService } from './outcomes.service';

@Module({
  imports: [MetricsModule],
  controllers: [OutcomesController],
  providers: [OutcomesService, OutcomesRepository],
  exports: [OutcomesService],
})
export class OutcomesModule {}
