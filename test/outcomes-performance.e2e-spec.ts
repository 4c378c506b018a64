import { DataSource } from 'typeorm';
import { databaseOptions } from '@app/database/database.options';
import { LabelledPrediction, OutcomesRepository } from '@app/ml-service/outcomes/outcomes.repository';
import { countRows, fromCounts } from '@app/ml-service/outcomes/performance.util';
import { createTestDatabase, TestDatabase } from './support/test-database';

const BASE = Date.parse('2025-04-01T00:00:00Z');

describe('labelled performance computed in SQL (PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let repo: OutcomesRepository;

  beforeAll(async () => {
    db = await createTestDatabase('perf');
    ds = new DataSource(databaseOptions(db.url, 2));
    await ds.initialize();
    await ds.runMigrations();
    repo = new OutcomesRepository(ds);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('equals the Node reference on the same rows: ties, both arms, re-scored patterns, rows outside the window', async () => {
    // Arrange: 3,000 patterns over an hour; confidences on a coarse grid (many ties); every 7th pattern
    // scored twice (the later answer counts); outcomes for 2,400 of them and for 50 unknown ids; 200
    // labelled predictions before the window.
    const rows: Array<{ id: string; at: number; arm: string; confidence: number; passes: boolean }> = [];
    for (let k = 0; k < 3000; k++) {
      const confidence = Math.round(((Math.sin(k * 1.7) + 1) / 2) * 40) / 40;
      rows.push({
        id: `pf-${k}`,
        at: BASE + k * 1000,
        arm: k % 3 ? 'ml' : 'control',
        confidence,
        passes: confidence >= 0.55,
      });
      if (k % 7 === 0) {
        const again = Math.round(((Math.cos(k) + 1) / 2) * 40) / 40;
        rows.push({ id: `pf-${k}`, at: BASE + k * 1000 + 500, arm: 'ml', confidence: again, passes: again >= 0.55 });
      }
    }
    for (let k = 0; k < 200; k++) {
      rows.push({ id: `old-${k}`, at: BASE - 3_600_000 + k, arm: 'ml', confidence: 0.9, passes: true });
    }
    await ds.query(
      `INSERT INTO ml_predictions (created_at, pattern_id, symbol, pattern_type, timeframe, direction, instance_id,
         feature_schema_version, arm, source, confidence, confidence_rule, passes_threshold, cache_hit,
         inference_latency_ms, features)
       SELECT t.at, t.id, 'S', 'double_top', '1d', 'bearish', 'i', 'v1', t.arm, 'ml', t.c, 0.5, t.p, false, 1, '{}'
       FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::real[], $5::boolean[]) AS t(at, id, arm, c, p)`,
      [
        rows.map((r) => new Date(r.at).toISOString()),
        rows.map((r) => r.id),
        rows.map((r) => r.arm),
        rows.map((r) => r.confidence),
        rows.map((r) => r.passes),
      ],
    );
    const outcomeOf = (k: number): 0 | 1 => ((k * 2654435761) % 97 < 45 ? 1 : 0);
    const labelledIds = [
      ...Array.from({ length: 2400 }, (_, i) => i).map((k) => `pf-${k}`),
      ...Array.from({ length: 50 }, (_, k) => `unknown-${k}`),
      ...Array.from({ length: 200 }, (_, k) => `old-${k}`),
    ];
    await ds.query(
      `INSERT INTO ml_outcomes (pattern_id, outcome, resolved_at)
       SELECT id, o, now() FROM unnest($1::text[], $2::smallint[]) AS t(id, o)`,
      [labelledIds, labelledIds.map((_, i) => outcomeOf(i))],
    );
    const from = new Date(BASE);
    const to = new Date(BASE + 3_600_000);
    // The reference: the latest prediction per labelled pattern of the window, as stored (float4).
    const labelled = await ds.query<Array<LabelledPrediction & { outcome: number }>>(
      `SELECT DISTINCT ON (p.pattern_id) p.arm, p.confidence, p.confidence_ml, p.passes_threshold, o.outcome
       FROM ml_outcomes o JOIN ml_predictions p ON p.pattern_id = o.pattern_id
       WHERE p.created_at >= $1 AND p.created_at < $2 ORDER BY p.pattern_id, p.created_at DESC`,
      [from.toISOString(), to.toISOString()],
    );

    // Act
    const counts = await repo.performanceCounts(from, to, 100_000);

    // Assert
    expect(labelled).toHaveLength(2400);
    for (const arm of ['overall', 'ml', 'control'] as const) {
      const mine = arm === 'overall' ? labelled : labelled.filter((r) => r.arm === arm);
      const expected = countRows(mine.map((r) => ({ ...r, outcome: r.outcome === 1 ? 1 : 0 })));
      const { brierSum, positiveRankSum, ...exact } = counts[arm];
      const { brierSum: eBrier, positiveRankSum: eRank, ...eExact } = expected;
      expect(exact).toEqual(eExact);
      expect(positiveRankSum).toBe(eRank);
      const perf = fromCounts(counts[arm]);
      // SQL squares the stored float4 widened exactly; Node its shortest decimal: ~1e-9 apart per row.
      expect(brierSum / perf.labelled).toBeCloseTo(eBrier / perf.labelled, 8);
      expect(perf.auc).toBeCloseTo(fromCounts(expected).auc!, 12);
      expect(perf.labelled).toBeGreaterThan(500);
    }
    expect(fromCounts(counts.overall).auc).not.toBeNull();
    // An empty window has no rates.
    const none = await repo.performanceCounts(new Date(BASE + 7_200_000), new Date(BASE + 7_300_000), 100_000);
    expect(fromCounts(none.overall)).toMatchObject({ labelled: 0, auc: null, accuracy: null, brier: null });

    // With a limit: the 1,000 most recent labelled predictions, then the latest per pattern among them.
    const all = await ds.query<Array<LabelledPrediction & { outcome: number; pattern_id: string; at: Date }>>(
      `SELECT p.pattern_id, p.created_at AS at, p.arm, p.confidence, p.confidence_ml, p.passes_threshold, o.outcome
       FROM ml_predictions p JOIN ml_outcomes o ON o.pattern_id = p.pattern_id
       WHERE p.created_at >= $1 AND p.created_at < $2 ORDER BY p.created_at DESC LIMIT 1000`,
      [from.toISOString(), to.toISOString()],
    );
    const latest = new Map<string, (typeof all)[number]>();
    for (const r of all) {
      if (!latest.has(r.pattern_id)) {
        latest.set(r.pattern_id, r);
      }
    }
    const capped = await repo.performanceCounts(from, to, 1000);
    const expectedCapped = countRows([...latest.values()].map((r) => ({ ...r, outcome: r.outcome === 1 ? 1 : 0 })));
    expect(capped.overall.labelled).toBe(latest.size);
    expect(capped.overall.positiveRankSum).toBe(expectedCapped.positiveRankSum);
    expect({ ...capped.overall, brierSum: 0 }).toEqual({ ...expectedCapped, brierSum: 0 });
  });
  it('upsert counts the posted ids that match a logged prediction: duplicates, re-scored and unknown ids', async () => {
    await ds.query(
      `INSERT INTO ml_predictions (created_at, pattern_id, symbol, pattern_type, timeframe, direction, instance_id,
         feature_schema_version, arm, source, confidence, confidence_rule, passes_threshold, cache_hit,
         inference_latency_ms, features)
       SELECT now(), id, 'S', 'double_top', '1d', 'bearish', 'i', 'v1', 'ml', 'ml', 0.5, 0.5, false, false, 1, '{}'
       FROM unnest($1::text[]) AS t(id)`,
      // mt-0 is logged twice (scored twice): still one matched id.
      [['mt-0', ...Array.from({ length: 30 }, (_, k) => `mt-${k}`)]],
    );
    const at = '2025-04-02T00:00:00.000Z';
    const batch = [
      ...Array.from({ length: 30 }, (_, k) => ({
        pattern_id: `mt-${k}`,
        outcome: 'success' as const,
        resolved_at: at,
      })),
      { pattern_id: 'mt-1', outcome: 'failure' as const, resolved_at: at }, // a duplicate: the last one wins
      ...Array.from({ length: 10 }, (_, k) => ({
        pattern_id: `mt-unknown-${k}`,
        outcome: 'failure' as const,
        resolved_at: at,
      })),
    ];
    await expect(repo.upsert(batch)).resolves.toEqual({ matched: 30 });
    // Idempotent: the same batch again matches the same ids and adds no row.
    await expect(repo.upsert(batch)).resolves.toEqual({ matched: 30 });
    const [stored] = await ds.query<Array<{ n: number; failures: number }>>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE outcome = 0)::int AS failures
         FROM ml_outcomes WHERE pattern_id LIKE 'mt-%'`,
    );
    expect(stored).toEqual({ n: 40, failures: 11 });
  });
});
