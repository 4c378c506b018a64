import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { AdminActor } from '../auth/admin-actor.decorator';
import { AdminOnly } from '../auth/admin-only.decorator';
import { ModelRegistry, RegistryStatus } from './model-registry.service';

/** Large per-feature training statistics stay out of the default view. */
const HEAVY_CARD_FIELDS = new Set(['feature_statistics', 'prediction_statistics']);

@Controller('api/ml/models')
export class ModelsController {
  constructor(
    private readonly registry: ModelRegistry,
    private readonly audit: AuditService,
  ) {}

  /** The loaded model's card (without the bulky statistics), its state and any refusals. */
  @Get()
  models(): RegistryStatus & { card: Record<string, unknown> | null } {
    const current = this.registry.current;
    const card = current
      ? Object.fromEntries(Object.entries(current.card).filter(([k]) => !HEAVY_CARD_FIELDS.has(k)))
      : null;
    return { ...this.registry.status(), card };
  }

  /** Hot swap: the new model is fully loaded before it replaces the old one; in-flight calls finish on the old. */
  @Post('reload')
  @HttpCode(200)
  @AdminOnly()
  async reload(@AdminActor() actor: string): Promise<RegistryStatus> {
    const before = this.registry.status();
    const after = await this.registry.reload();
    await this.audit
      .write({
        actor,
        action: 'models.reload',
        outcome: 'applied',
        before: { slot: before.slot, model_version: before.model_version },
        after: { slot: after.slot, model_version: after.model_version, refusals: after.refusals },
      })
      .catch(() => undefined);
    return after;
  }
}
