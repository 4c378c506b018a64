import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One drift-job run (ml_drift_reports); `report` holds the per-feature detail. */
@Entity('ml_drift_reports')
export class DriftReportEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  created_at!: Date;

  @Column({ type: 'varchar' })
  instance_id!: string;

  @Column({ type: 'integer', nullable: true })
  baseline_id!: number | null;

  @Column({ type: 'timestamptz' })
  window_start!: Date;

  @Column({ type: 'timestamptz' })
  window_end!: Date;

  @Column({ type: 'varchar' })
  trigger!: 'schedule' | 'manual';

  @Column({ type: 'varchar' })
  status!: 'ok' | 'drift' | 'insufficient_data' | 'no_baseline';

  @Column({ type: 'integer' })
  sample_size!: number;

  @Column({ type: 'double precision', nullable: true })
  feature_drift_score!: number | null;

  @Column({ type: 'double precision', nullable: true })
  prediction_drift_score!: number | null;

  @Column({ type: 'text', array: true })
  drifted_features!: string[];

  @Column({ type: 'double precision' })
  duration_ms!: number;

  @Column({ type: 'jsonb' })
  report!: Record<string, unknown>;
}
