import { applyDecorators, UseGuards } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { AdminGuard } from './admin.guard';

/**
 * Marks a mutating admin endpoint: rate-limited per client first (so token guessing is slow even
 * when every guess is refused), then the bearer-token check.
 */
export const AdminOnly = (): MethodDecorator & ClassDecorator => applyDecorators(UseGuards(ThrottlerGuard, AdminGuard));
