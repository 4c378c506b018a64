import { Global, Module } from '@nestjs/common';
import { Clock } from './clock';

/** The clock seam, global like config: every module timestamps through the same one. */
@Global()
@Module({ providers: [Clock], exports: [Clock] })
export class CommonModule {}
