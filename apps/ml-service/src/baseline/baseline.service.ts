import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { Clock, DomainException, ErrorCode } from '@app/common';
import { AppConfig } from '@app/config';
import { FEATURE_NAMES, FEATURE_SCHEMA_VERSION } from '@app/features';
import type { FeatureSummary } from '@app/features/binning';
import { coarseGroupStarts, histogramMoments, addCounts } from '../drift/drift-statistics.util';
import { ModelRegistry } from '../inference/model-registry.service';
import { FeatureHistogramService } from '../monitoring/feature-histogram.service';
import { HistogramBinning, PREDICTION_FEATURE } from '../monitoring/histogram-binning';
import { HistogramWindowRepository } from '../monitoring/histogram-window.repository';
import { OutcomesService } from '../outcomes/outcomes.service';
import type { BaselineRequestDto } from './baseline-request.dto';
import { BaselineEntity, FeatureReference } from './baseline.entity';

export const DEFAULT_BASELINE_MIN_SAMPLES = 500;

export interface BaselineSummary {
  id: number;
  created_at: string;
  source: string;
  label: string | null;
  model_version: string | null;
  sample_size: number;
  feature_count: number;
  window_start: string | null;
  window_end: string | null;
  active: boolean;
}

export function summarize(b: BaselineEntity): BaselineSummary {
  return {
    id: b.id,
    created_at: b.created_at.toISOString(),
    source: b.source,
    label: b.label,
    model_version: b.model_version,
    sample_size: b.sample_size,
    feature_count: b.feature_count,
    window_start: b.window_start?.toISOString() ?? null,
    window_end: b.window_end?.toISOString() ?? null,
    active: b.active,
  };
}

/** Reference from fine counts: coarse equal-mass groups and moments. */
export function referenceFrom(edges: number[], counts: number[], exact?: Partial<FeatureSummary>): FeatureReference {
  const m = histogramMoments(edges, counts);
  const count = exact?.count ?? m.count;
  const nonFinite = exact?.non_finite ?? m.non_finite;
  return {
    edges,
    counts,
    groups: coarseGroupStarts(counts),
    mean: exact?.mean !== undefined ? exact.mean : m.mean,
    std: exact?.std !== undefined ? exact.std : m.std,
    min: exact?.min !== undefined ? exact.min : m.min,
    max: exact?.max !== undefined ? exact.max : m.max,
    count,
    non_finite: nonFinite,
    non_finite_rate: count > 0 ? nonFinite / count : 0,
  };
}

/**
 * Baselines (DESIGN §4, §9): `recent` sums the window's per-minute histograms (backfilled from
 * the raw log for minutes without them); `training` takes the champion card's statistics. One is
 * active; older ones are kept.
 */
@Injectable()
export class BaselineService {
  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly registry: ModelRegistry,
    private readonly histograms: FeatureHistogramService,
    private readonly windows: HistogramWindowRepository,
    private readonly outcomes: OutcomesService,
    @InjectRepository(BaselineEntity) private readonly baselines: Repository<BaselineEntity>,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  async create(req: BaselineRequestDto): Promise<BaselineSummary> {
    const label = req.label ?? null;
    const binning = this.histograms.currentBinning();
    const card = this.registry.current?.card;
    if (!binning || !card) {
      throw new DomainException(
        ErrorCode.NO_MODEL,
        "no model with feature statistics is loaded: a baseline uses the serving model's fixed binning",
      );
    }
    const draft = req.source === 'training' ? this.fromCard(card, binning) : await this.fromRecent(req, binning);
    return summarize(await this.activate({ ...draft, label }));
  }

  async active(): Promise<BaselineEntity | null> {
    return this.baselines.findOneBy({ active: true });
  }

  async list(limit = 50): Promise<BaselineSummary[]> {
    const rows = await this.baselines.find({
      order: { id: 'DESC' },
      take: limit,
      select: {
        id: true,
        created_at: true,
        source: true,
        label: true,
        model_version: true,
        sample_size: true,
        feature_count: true,
        window_start: true,
        window_end: true,
        active: true,
      },
    });
    return rows.map(summarize);
  }

  private fromCard(card: Record<string, unknown>, binning: HistogramBinning): Partial<BaselineEntity> {
    const stats = card.feature_statistics as Record<string, FeatureSummary>;
    const features: Record<string, FeatureReference> = {};
    for (const name of FEATURE_NAMES) {
      const s = stats[name];
      features[name] = referenceFrom(s.edges, s.counts, s);
    }
    const ps = card.prediction_statistics as FeatureSummary | undefined;
    const metrics = card.metrics as Record<string, number> | undefined;
    return {
      source: 'training',
      model_version: binning.modelVersion,
      window_start: null,
      window_end: null,
      sample_size: features[FEATURE_NAMES[0]].count,
      features,
      prediction: ps ? referenceFrom(ps.edges, ps.counts, ps) : null,
      performance: metrics
        ? { source: 'model_card', ml: { auc: metrics.auc, accuracy: metrics.accuracy_at_0_5, brier: metrics.brier } }
        : null,
    };
  }

  private async fromRecent(req: BaselineRequestDto, binning: HistogramBinning): Promise<Partial<BaselineEntity>> {
    const to = req.to ? new Date(req.to) : new Date(this.clock.now());
    const from = req.from
      ? new Date(req.from)
      : new Date(to.getTime() - (req.window_hours ?? this.config.DRIFT_WINDOW_HOURS) * 3_600_000);
    if (!(from < to)) {
      throw new DomainException(ErrorCode.VALIDATION_FAILED, ['from must be before to']);
    }
    await this.histograms.flush(true);
    if ((await this.windows.minutesMissing(binning.modelVersion, from, to)) > 0) {
      await this.windows.backfill(binning, from, to);
    }
    const byArm = await this.windows.sum(binning.modelVersion, from, to);
    const total = (name: string): number[] => {
      const sum: number[] = [];
      for (const arm of byArm.values()) {
        const c = arm.get(name);
        if (c) {
          addCounts(sum, c);
        }
      }
      return sum;
    };
    const sampleSize = total(FEATURE_NAMES[0]).reduce((a, b) => a + b, 0);
    const needed = req.min_samples ?? DEFAULT_BASELINE_MIN_SAMPLES;
    if (sampleSize < needed) {
      throw new DomainException(
        ErrorCode.INSUFFICIENT_SAMPLES,
        `found ${sampleSize} predictions between ${from.toISOString()} and ${to.toISOString()}, need at least ${needed}`,
        { found: sampleSize, needed },
      );
    }
    const features: Record<string, FeatureReference> = {};
    binning.names.forEach((name, i) => {
      if (name !== PREDICTION_FEATURE) {
        features[name] = referenceFrom(Array.from(binning.edges[i]), total(name));
      }
    });
    const p = binning.names.indexOf(PREDICTION_FEATURE);
    const predictionCounts = total(PREDICTION_FEATURE);
    const perf = await this.outcomes.performance(from, to);
    return {
      source: 'recent',
      model_version: binning.modelVersion,
      window_start: from,
      window_end: to,
      sample_size: sampleSize,
      features,
      prediction: predictionCounts.length > 0 ? referenceFrom(Array.from(binning.edges[p]), predictionCounts) : null,
      performance: perf.overall.labelled > 0 ? { source: 'outcomes', ...perf } : null,
    };
  }

  private async activate(draft: Partial<BaselineEntity>): Promise<BaselineEntity> {
    return this.db.transaction(async (em) => {
      await em.getRepository(BaselineEntity).update({ active: true }, { active: false });
      const entity = em.getRepository(BaselineEntity).create({
        ...draft,
        label: draft.label ?? null,
        feature_schema_version: FEATURE_SCHEMA_VERSION,
        feature_count: FEATURE_NAMES.length,
        active: true,
      });
      return em.getRepository(BaselineEntity).save(entity);
    });
  }
}
