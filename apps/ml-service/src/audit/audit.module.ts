import { Module } from '@nestjs/common';
import { AdminGuard } from '../auth/admin.guard';
import { AuditService } from './audit.service';

/** The audit log and the admin guard that writes refusals to it. */
@Module({ providers: [AuditService, AdminGuard], exports: [AuditService, AdminGuard] })
export class AuditModule {}
