import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Per-feature reference distribution: fine counts, coarse groups and moments (DESIGN §9). */
export interface FeatureReference {
  edges: number[];
  counts: number[];
  /** Fine-slot index where each coarse group starts. */
  groups: number[];
  mean: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
  count: number;
  non_finite: number;
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
