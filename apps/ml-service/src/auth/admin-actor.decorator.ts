import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** The actor AdminGuard authenticated ("admin", or "admin:<X-Actor>"), for the audit log. */
export const AdminActor = createParamDecorator((_data: unknown, ctx: ExecutionContext): string => {
  const req = ctx.switchToHttp().getRequest<{ adminActor?: string }>();
  return req.adminActor ?? 'admin';
});
