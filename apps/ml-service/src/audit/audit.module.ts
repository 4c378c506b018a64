import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '@app/config';
import { AdminGuard } from '../auth/admin.guard';
import { AuditService } from './audit.service';

/** The audit log, the admin guard that writes refusals to it, and the admin rate limit. */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => [{ ttl: 60_000, limit: config.ADMIN_RATE_LIMIT_PER_MINUTE }],
    }),
  ],
  providers: [AuditService, AdminGuard],
  exports: [AuditService, AdminGuard, ThrottlerModule],
})
export class AuditModule {}
