import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { FeatureSummary } from '@app/features/binning';

/** Per-feature reference distribution (DESIGN §9): the card's statistics plus coarse groups. */
export interface FeatureReference extends FeatureSummary {
  /** Fine-slot index where each coarse group starts. */
  groups: number[];
  non_finite_rate: number;
}

@Entity('ml_baselines')
export class BaselineEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  created_at!: Date;

  @Column({ type: 'varchar' })
  source!: 'recent' | 'training';

  @Column({ type: 'varchar', nullable: true })
  label!: string | null;

  @Column({ type: 'varchar', nullable: true })
  model_version!: string | null;

  @Column({ type: 'varchar' })
  feature_schema_version!: string;

  @Column({ type: 'timestamptz', nullable: true })
  window_start!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  window_end!: Date | null;

  @Column({ type: 'integer' })
  sample_size!: number;

  @Column({ type: 'integer' })
  feature_count!: number;

  @Column({ type: 'boolean' })
  active!: boolean;

  @Column({ type: 'jsonb' })
  features!: Record<string, FeatureReference>;

  @Column({ type: 'jsonb', nullable: true })
  prediction!: FeatureReference | null;

  @Column({ type: 'jsonb', nullable: true })
  performance!: Record<string, unknown> | null;
}
