import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const ALERT_TYPES = ['DRIFT_DETECTED', 'PERFORMANCE_DEGRADED', 'DATA_QUALITY_ISSUE'] as const;
export type AlertType = (typeof ALERT_TYPES)[number];
export const ALERT_SEVERITIES = ['INFO', 'WARNING', 'CRITICAL'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];
export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** What a finding is about (DESIGN §4 alert details). */
export interface AlertDetails {
  feature?: string | null;
  metric?: string;
  value?: number | null;
  threshold?: number;
  window_start?: string;
  window_end?: string;
  sample_size?: number;
  baseline_id?: number | null;
  arm?: string;
  [key: string]: unknown;
}

@Entity('ml_alerts')
export class AlertEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'varchar' })
  type!: AlertType;

  @Column({ type: 'varchar' })
  severity!: AlertSeverity;

  @Column({ type: 'varchar' })
  status!: AlertStatus;

  @Column({ type: 'varchar' })
  fingerprint!: string;

  @Column({ type: 'varchar' })
  title!: string;

  @Column({ type: 'text' })
  message!: string;

  @Column({ type: 'jsonb' })
  details!: AlertDetails;

  @Column({ type: 'timestamptz' })
  first_seen_at!: Date;

  @Column({ type: 'timestamptz' })
  last_seen_at!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  resolved_at!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  acknowledged_at!: Date | null;

  @Column({ type: 'varchar', nullable: true })
  acknowledged_by!: string | null;

  @Column({ type: 'integer' })
  occurrences!: number;
}
