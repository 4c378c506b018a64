import { MigrationInterface, QueryRunner } from 'typeorm';

/** All tables of DESIGN §7. Raw SQL: arrays, partial indexes and jsonb are clearer here than in decorators. */
export class CreateMlSchema1764230400000 implements MigrationInterface {
  name = 'CreateMlSchema1764230400000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ml_predictions (
        id bigserial PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now(),
        pattern_id varchar(128) NOT NULL,
        symbol varchar(32) NOT NULL,
        pattern_type varchar(40) NOT NULL,
        timeframe varchar(4) NOT NULL,
        direction varchar(8) NOT NULL,
        instance_id varchar(128) NOT NULL,
        model_version varchar(64),
        feature_schema_version varchar(16) NOT NULL,
        arm varchar(8) NOT NULL,
        source varchar(16) NOT NULL,
        fallback_reason varchar(32),
        confidence real NOT NULL,
        confidence_ml real,
        confidence_rule real NOT NULL,
        confidence_blended real,
        passes_threshold boolean NOT NULL,
        cache_hit boolean NOT NULL,
        inference_latency_ms real NOT NULL,
        features real[] NOT NULL
      )`);
    await q.query(`CREATE INDEX ml_predictions_created_at_idx ON ml_predictions (created_at)`);
    await q.query(`CREATE INDEX ml_predictions_pattern_id_idx ON ml_predictions (pattern_id)`);

    await q.query(`
      CREATE TABLE ml_feature_histograms (
        minute timestamptz NOT NULL,
        instance_id varchar(128) NOT NULL,
        model_version varchar(64) NOT NULL,
        arm varchar(8) NOT NULL,
        feature varchar(64) NOT NULL,
        counts integer[] NOT NULL,
        PRIMARY KEY (minute, instance_id, model_version, arm, feature)
      )`);
    await q.query(
      `CREATE INDEX ml_feature_histograms_model_minute_idx ON ml_feature_histograms (model_version, minute)`,
    );

    await q.query(`
      CREATE TABLE ml_outcomes (
        pattern_id varchar(128) PRIMARY KEY,
        outcome smallint NOT NULL CHECK (outcome IN (0, 1)),
        resolved_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX ml_outcomes_resolved_at_idx ON ml_outcomes (resolved_at)`);

    await q.query(`
      CREATE TABLE ml_baselines (
        id serial PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now(),
        source varchar(16) NOT NULL,
        label varchar(200),
        model_version varchar(64),
        feature_schema_version varchar(16) NOT NULL,
        window_start timestamptz,
        window_end timestamptz,
        sample_size integer NOT NULL,
        feature_count integer NOT NULL,
        active boolean NOT NULL DEFAULT false,
        features jsonb NOT NULL,
        prediction jsonb,
        performance jsonb
      )`);
    await q.query(`CREATE UNIQUE INDEX ml_baselines_one_active_idx ON ml_baselines (active) WHERE active`);

    await q.query(`
      CREATE TABLE ml_drift_reports (
        id serial PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now(),
        instance_id varchar(128) NOT NULL,
        baseline_id integer REFERENCES ml_baselines (id) ON DELETE SET NULL,
        window_start timestamptz NOT NULL,
        window_end timestamptz NOT NULL,
        trigger varchar(16) NOT NULL,
        status varchar(24) NOT NULL,
        sample_size integer NOT NULL,
        feature_drift_score double precision,
        prediction_drift_score double precision,
        drifted_features text[] NOT NULL DEFAULT '{}',
        duration_ms double precision NOT NULL,
        report jsonb NOT NULL
      )`);
    await q.query(`CREATE INDEX ml_drift_reports_created_at_idx ON ml_drift_reports (created_at)`);
    // One scheduled report per tick across replicas, even when one replica finishes before another takes the lock.
    await q.query(
      `CREATE UNIQUE INDEX ml_drift_reports_tick_idx ON ml_drift_reports (window_end) WHERE trigger = 'schedule'`,
    );

    await q.query(`
      CREATE TABLE ml_alerts (
        id bigserial PRIMARY KEY,
        type varchar(32) NOT NULL,
        severity varchar(16) NOT NULL,
        status varchar(16) NOT NULL,
        fingerprint varchar(200) NOT NULL,
        title varchar(300) NOT NULL,
        message text NOT NULL,
        details jsonb NOT NULL DEFAULT '{}',
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        resolved_at timestamptz,
        acknowledged_at timestamptz,
        acknowledged_by varchar(128),
        occurrences integer NOT NULL DEFAULT 1
      )`);
    // One live (open or acknowledged) alert per condition: the fingerprint deduplicates.
    await q.query(
      `CREATE UNIQUE INDEX ml_alerts_live_fingerprint_idx ON ml_alerts (fingerprint) WHERE status <> 'resolved'`,
    );
    await q.query(`CREATE INDEX ml_alerts_first_seen_idx ON ml_alerts (first_seen_at, id)`);

    await q.query(`
      CREATE TABLE ml_metric_snapshots (
        id bigserial PRIMARY KEY,
        instance_id varchar(128) NOT NULL,
        minute timestamptz NOT NULL,
        request_count integer NOT NULL,
        metrics jsonb NOT NULL,
        counters jsonb NOT NULL,
        UNIQUE (instance_id, minute)
      )`);
    await q.query(`CREATE INDEX ml_metric_snapshots_minute_idx ON ml_metric_snapshots (minute)`);

    await q.query(`
      CREATE TABLE ml_settings (
        key varchar(64) PRIMARY KEY,
        value jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by varchar(128)
      )`);

    await q.query(`
      CREATE TABLE ml_audit_log (
        id bigserial PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now(),
        actor varchar(128) NOT NULL,
        action varchar(64) NOT NULL,
        outcome varchar(16) NOT NULL,
        before jsonb,
        after jsonb,
        details jsonb
      )`);
    await q.query(`CREATE INDEX ml_audit_log_created_at_idx ON ml_audit_log (created_at)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'ml_audit_log',
      'ml_settings',
      'ml_metric_snapshots',
      'ml_alerts',
      'ml_drift_reports',
      'ml_baselines',
      'ml_outcomes',
      'ml_feature_histograms',
      'ml_predictions',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
