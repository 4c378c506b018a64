import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Counter, Gauge } from 'prom-client';
import { AppConfig } from '@app/config';
import { METRIC } from '@app/metrics';
import { LoadedModel, ModelRefusal, openModel, parseCard, RefusalReason } from './model-artifact';
import { OnnxRuntime } from './onnx-runtime.provider';

/** Slots in load order (DESIGN §6): champion, then backup, then rules only. */
export const MODEL_SLOTS = ['champion', 'backup'] as const;

export interface Refusal {
  slot: string;
  path: string;
  reason: RefusalReason;
  message: string;
  at: string;
}

export interface RegistryStatus {
  state: 'loaded' | 'rules_only' | 'loading';
  slot: string | null;
  model_version: string | null;
  model_type: string | null;
  loaded_at: string | null;
  refusals: Refusal[];
  last_reload_at: string | null;
}

/** Old sessions are released this long after a swap, so in-flight calls on them finish first. */
const RELEASE_DELAY_MS = 10_000;

/**
 * Champion → backup → rules only. Loads a complete candidate before swapping the reference, so a
 * reload never leaves requests without a model that was serving, and a failed reload keeps nothing
 * half-loaded. Each refusal is logged and kept for health and /api/ml/models.
 */
@Injectable()
export class ModelRegistry implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ModelRegistry.name);
  private model: LoadedModel | null = null;
  private refusals: Refusal[] = [];
  private warm = false;
  private lastReloadAt: Date | null = null;
  private reloading: Promise<RegistryStatus> | null = null;
  private readonly pendingReleases = new Set<NodeJS.Timeout>();

  constructor(
    private readonly config: AppConfig,
    private readonly runtime: OnnxRuntime,
    @InjectMetric(METRIC.modelLoaded) private readonly loadedGauge: Gauge,
    @InjectMetric(METRIC.modelInfo)
    private readonly infoGauge: Gauge<'model_version' | 'model_type' | 'feature_schema_version'>,
    @InjectMetric(METRIC.modelLoadFailures) private readonly failures: Counter<'slot' | 'reason'>,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.reload();
  }

  /** The serving model, or null in rules-only mode. */
  get current(): LoadedModel | null {
    return this.model;
  }

  /** True once startup decided between a model and rules-only mode (readiness). */
  get isWarm(): boolean {
    return this.warm;
  }

  /** Re-reads the slots; concurrent calls share one reload. */
  reload(): Promise<RegistryStatus> {
    this.reloading ??= this.doReload().finally(() => (this.reloading = null));
    return this.reloading;
  }

  status(): RegistryStatus {
    const m = this.model;
    return {
      state: m ? 'loaded' : this.warm ? 'rules_only' : 'loading',
      slot: m?.slot ?? null,
      model_version: m?.card.model_version ?? null,
      model_type: m?.card.model_type ?? null,
      loaded_at: m?.loadedAt.toISOString() ?? null,
      refusals: this.refusals,
      last_reload_at: this.lastReloadAt?.toISOString() ?? null,
    };
  }

  async onApplicationShutdown(): Promise<void> {
    for (const t of this.pendingReleases) {
      clearTimeout(t);
    }
    await this.model?.session.release().catch(() => undefined);
    this.model = null;
  }

  private async doReload(): Promise<RegistryStatus> {
    const refusals: Refusal[] = [];
    let next: LoadedModel | null = null;
    for (const slot of MODEL_SLOTS) {
      const dir = resolve(this.config.ML_MODEL_DIR, slot);
      try {
        next = await this.loadSlot(slot, dir);
        break;
      } catch (err) {
        const refusal = this.refusalOf(slot, dir, err);
        refusals.push(refusal);
        this.failures.inc({ slot, reason: refusal.reason });
        this.logger.warn({ event: 'model_refused', ...refusal }, `model ${slot} refused: ${refusal.message}`);
      }
    }
    const previous = this.model;
    this.model = next;
    this.refusals = refusals;
    this.warm = true;
    this.lastReloadAt = new Date();
    this.publish(previous);
    if (previous && previous !== next) {
      const timer = setTimeout(() => {
        this.pendingReleases.delete(timer);
        void previous.session.release().catch(() => undefined);
      }, RELEASE_DELAY_MS);
      timer.unref();
      this.pendingReleases.add(timer);
    }
    if (next) {
      this.logger.log(
        {
          event: 'model_loaded',
          slot: next.slot,
          model_version: next.card.model_version,
          model_type: next.card.model_type,
        },
        `serving ${next.card.model_type} ${next.card.model_version} from ${next.slot}`,
      );
    } else {
      this.logger.warn({ event: 'rules_only' }, 'no loadable model: serving rule confidence only');
    }
    return this.status();
  }

  private async loadSlot(slot: string, dir: string): Promise<LoadedModel> {
    let rawCard: string;
    try {
      rawCard = await readFile(join(dir, 'model_card.json'), 'utf8');
    } catch {
      throw new ModelRefusal('card_missing', `no model_card.json in ${dir}`);
    }
    const card = parseCard(rawCard);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(join(dir, 'model.onnx'));
    } catch {
      throw new ModelRefusal('model_missing', `no model.onnx in ${dir}`);
    }
    return openModel(this.runtime, slot, dir, card, bytes);
  }

  private refusalOf(slot: string, dir: string, err: unknown): Refusal {
    const reason: RefusalReason = err instanceof ModelRefusal ? err.reason : 'onnx_unparsable';
    return { slot, path: dir, reason, message: (err as Error).message, at: new Date().toISOString() };
  }

  private publish(previous: LoadedModel | null): void {
    if (previous) {
      this.infoGauge.remove({
        model_version: previous.card.model_version,
        model_type: previous.card.model_type,
        feature_schema_version: previous.card.feature_schema_version,
      });
    }
    this.loadedGauge.set(this.model ? 1 : 0);
    if (this.model) {
      const { model_version, model_type, feature_schema_version } = this.model.card;
      this.infoGauge.set({ model_version, model_type, feature_schema_version }, 1);
    }
  }
}
