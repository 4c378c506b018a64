import { DataSource } from 'typeorm';
import { databaseOptions } from '@app/database/database.options';
import { FEATURE_COUNT, FEATURE_NAMES } from '@app/features';
import { binIndex } from '@app/features/binning';
import { HistogramBinning } from '@app/ml-service/monitoring/histogram-binning';
import { HistogramWindowRepository } from '@app/ml-service/monitoring/histogram-window.repository';
import { createTestDatabase, TestDatabase } from './support/test-database';

const MIN = 60_000;
const BASE = Date.parse('2025-03-01T10:00:00Z');

/** Edges per series: a few shapes, the confidence over [0, 1]. */
function specBinning(modelVersion: string): HistogramBinning {
  const shapes = [[-1, -0.5, 0, 0.5, 1], [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100], [7], [-3, 0.1, 2.5]];
  return HistogramBinning.fromReference({
    model_version: modelVersion,
    features: Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, { edges: shapes[i % shapes.length] }])),
    prediction: { edges: [0, 0.25, 0.5, 0.75, 1] },
  });
}

interface RawRow {
  at: string;
  arm: string;
  confidence: string | null;
  /** Postgres array literal of real[]. */
  features: string;
}

const literal = (v: ArrayLike<number>): string => `{${Array.from(v, String).join(',')}}`;

async function insertRows(ds: DataSource, rows: RawRow[]): Promise<void> {
  await ds.query(
    `INSERT INTO ml_predictions (created_at, pattern_id, symbol, pattern_type, timeframe, direction, instance_id,
       feature_schema_version, arm, source, confidence, confidence_ml, confidence_rule, passes_threshold, cache_hit,
       inference_latency_ms, features)
     SELECT t.at, 'bf-' || t.k, 'S', 'double_top', '1d', 'bearish', 'i', 'v1', t.arm, 'ml', 0.5, t.c, 0.5, false,
       false, 1, t.f::real[]
     FROM unnest($1::timestamptz[], $2::text[], $3::real[], $4::text[]) WITH ORDINALITY AS t(at, arm, c, f, k)`,
    [rows.map((r) => r.at), rows.map((r) => r.arm), rows.map((r) => r.confidence), rows.map((r) => r.features)],
  );
}

/** The backfilled rows of a model version: "minute|arm|feature" → counts. */
async function storedRows(ds: DataSource, modelVersion: string, instance = 'backfill'): Promise<Map<string, number[]>> {
  const rows = await ds.query<Array<{ minute: Date; arm: string; feature: string; counts: number[] }>>(
    'SELECT minute, arm, feature, counts FROM ml_feature_histograms WHERE model_version = $1 AND instance_id = $2',
    [modelVersion, instance],
  );
  return new Map(rows.map((r) => [`${r.minute.getTime() / MIN}|${r.arm}|${r.feature}`, r.counts]));
}

/** Expected rows: one per bucket and series, as the request path writes them. */
function expectedRows(binning: HistogramBinning, buckets: Map<string, Uint32Array>): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [key, counts] of buckets) {
    binning.names.forEach((name, i) => out.set(`${key}|${name}`, binning.slice(counts, i)));
  }
  return out;
}

describe('histogram backfill from raw predictions (PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let repo: HistogramWindowRepository;

  beforeAll(async () => {
    db = await createTestDatabase('backfill');
    ds = new DataSource(databaseOptions(db.url, 4));
    await ds.initialize();
    await ds.runMigrations();
    repo = new HistogramWindowRepository(ds);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('counts stored float32 features, non-finite values and confidences exactly as HistogramBinning.add', async () => {
    // Arrange: edge values, their float32 neighbours, -0, NaN, ±Infinity; null and NaN confidences.
    const binning = specBinning('exact');
    const specials = [NaN, Infinity, -Infinity, -0, 0, 7, 100, 1, -1, 0.1, 2.5, 1e-30, -1e30];
    const rows: RawRow[] = [];
    const buckets = new Map<string, Uint32Array>();
    for (let k = 0; k < 400; k++) {
      const features = new Float32Array(FEATURE_COUNT);
      for (let i = 0; i < FEATURE_COUNT; i++) {
        const s = specials[(k * 7 + i * 3) % specials.length];
        features[i] = k % 3 === 0 ? s : Math.fround(Math.sin(k * 31 + i) * (i % 2 ? 60 : 1.2));
      }
      const confidence = k % 5 === 0 ? null : k % 17 === 0 ? NaN : Math.fround(((k * 37) % 101) / 100);
      const at = BASE + k * 700; // ~5 minutes
      const arm = k % 4 === 0 ? 'control' : 'ml';
      rows.push({
        at: new Date(at).toISOString(),
        arm,
        confidence: confidence === null ? null : String(confidence),
        features: literal(features),
      });
      const key = `${Math.floor(at / MIN)}|${arm}`;
      if (!buckets.has(key)) {
        buckets.set(key, new Uint32Array(binning.length));
      }
      binning.add(buckets.get(key)!, features, confidence);
    }
    await insertRows(ds, rows);

    // Act
    const binned = await repo.backfill(binning, new Date(BASE), new Date(BASE + 10 * MIN));

    // Assert
    expect(binned).toBe(400);
    expect(await storedRows(ds, 'exact')).toEqual(expectedRows(binning, buckets));
  });

  it('reads only present subscripts 1…52 of rows not logged by the service (short, NULL elements, other bounds, 2-D, empty)', async () => {
    // Arrange: one minute of irregular rows, counted by binIndex as SQL's features[i] would read them.
    const binning = specBinning('irregular');
    const at = BASE + 30 * MIN;
    const cases: Array<{ features: string; present: Array<[number, number]> }> = [
      {
        features: '{0.5,NaN,50}',
        present: [
          [0, 0.5],
          [1, NaN],
          [2, 50],
        ],
      },
      {
        features: '{NULL,-Infinity,NULL,7}',
        present: [
          [1, -Infinity],
          [3, 7],
        ],
      },
      {
        features: '[0:2]={9,0.25,60}',
        present: [
          [0, 0.25],
          [1, 60],
        ],
      },
      { features: '{{1,2},{3,4}}', present: [] },
      { features: '{}', present: [] },
      {
        features: literal(Array.from({ length: FEATURE_COUNT + 3 }, (_, i) => i)),
        present: FEATURE_NAMES.map((_, i) => [i, i]),
      },
    ];
    const expected = new Uint32Array(binning.length);
    for (const c of cases) {
      for (const [i, x] of c.present) {
        expected[binning.offsets[i] + binIndex(binning.edges[i], Math.fround(x))]++;
      }
      expected[binning.offsets[FEATURE_COUNT] + binIndex(binning.edges[FEATURE_COUNT], Math.fround(0.6))]++;
    }
    await insertRows(
      ds,
      cases.map((c) => ({ at: new Date(at + 1000).toISOString(), arm: 'ml', confidence: '0.6', features: c.features })),
    );

    // Act
    const binned = await repo.backfill(binning, new Date(at), new Date(at + MIN));

    // Assert
    expect(binned).toBe(cases.length);
    expect(await storedRows(ds, 'irregular')).toEqual(expectedRows(binning, new Map([[`${at / MIN}|ml`, expected]])));
  });

  it('pages through ties of created_at, skips minutes that have rows, and inserts nothing on a rerun', async () => {
    // Arrange: 26,000 rows from 11:00; 12,000 of them share one timestamp across a page boundary
    // (pages of 10,000) just before a minute ends; minute 11:02 already has rows for this model.
    const binning = specBinning('pages');
    const start = BASE + 60 * MIN;
    await ds.query(
      `INSERT INTO ml_predictions (created_at, pattern_id, symbol, pattern_type, timeframe, direction, instance_id,
         feature_schema_version, arm, source, confidence, confidence_ml, confidence_rule, passes_threshold, cache_hit,
         inference_latency_ms, features)
       SELECT CASE WHEN g BETWEEN 5000 AND 16999 THEN $1::timestamptz + interval '59.999999 s'
                   ELSE $1::timestamptz + make_interval(secs => g * 0.0123) END,
         'pg-' || g, 'S', 'double_top', '1d', 'bearish', 'i', 'v1', CASE WHEN g % 3 = 0 THEN 'control' ELSE 'ml' END,
         'ml', 0.5, CASE WHEN g % 3 = 0 THEN NULL ELSE (g % 97) / 97.0 END, 0.5, false, false, 1,
         ARRAY(SELECT (sin(g * 0.37 + i) * CASE WHEN i % 2 = 0 THEN 1.3 ELSE 60 END)::real FROM generate_series(1, 52) i)
       FROM generate_series(0, 25999) g`,
      [new Date(start).toISOString()],
    );
    const skipped = Math.floor(start / MIN) + 2;
    await ds.query(
      `INSERT INTO ml_feature_histograms (minute, instance_id, model_version, arm, feature, counts)
       VALUES ($1, 'x', 'pages', 'ml', 'rsi_14', '{1}')`,
      [new Date(skipped * MIN).toISOString()],
    );
    const from = new Date(start);
    const to = new Date(start + 10 * MIN);
    const raw = await ds.query<Array<{ minute: string; arm: string; c: number | null; f: number[] }>>(
      `SELECT floor(extract(epoch FROM created_at) / 60)::text AS minute, arm, confidence_ml AS c, features AS f
       FROM ml_predictions WHERE created_at >= $1 AND created_at < $2`,
      [from.toISOString(), to.toISOString()],
    );
    const buckets = new Map<string, Uint32Array>();
    let expectedBinned = 0;
    for (const r of raw) {
      if (Number(r.minute) === skipped) {
        continue;
      }
      const key = `${r.minute}|${r.arm}`;
      if (!buckets.has(key)) {
        buckets.set(key, new Uint32Array(binning.length));
      }
      binning.add(buckets.get(key)!, Float32Array.from(r.f), r.c);
      expectedBinned++;
    }

    // Act
    const binned = await repo.backfill(binning, from, to);
    const stored = await storedRows(ds, 'pages');
    const rerun = await repo.backfill(binning, from, to);

    // Assert
    expect(binned).toBe(expectedBinned);
    expect(expectedBinned).toBeGreaterThan(20_000);
    expect(stored).toEqual(expectedRows(binning, buckets));
    expect(await storedRows(ds, 'pages')).toEqual(stored);
    expect(rerun).toBe(0);
    expect(await storedRows(ds, 'pages', 'x')).toEqual(new Map([[`${skipped}|ml|rsi_14`, [1]]]));
    expect(await repo.minutesMissing('pages', from, to)).toBe(0);
  });

  it('rebuilds whole minutes only, so a window with unaligned bounds never leaves a partial minute', async () => {
    // Arrange: one prediction every 5 s over 12:00–12:05; a window from 12:00:30 to 12:04:30.
    const binning = specBinning('whole');
    const start = BASE + 120 * MIN;
    const rows: RawRow[] = Array.from({ length: 60 }, (_, k) => ({
      at: new Date(start + k * 5000).toISOString(),
      arm: 'ml',
      confidence: String(k / 60),
      features: literal(Array.from({ length: FEATURE_COUNT }, (_, i) => Math.sin(k + i))),
    }));
    await insertRows(ds, rows);
    const from = new Date(start + 30_000);
    const to = new Date(start + 4 * MIN + 30_000);

    // Act
    const missingBefore = await repo.minutesMissing('whole', from, to);
    const binned = await repo.backfill(binning, from, to);
    const afterUnaligned = await storedRows(ds, 'whole');
    // The same minutes again, then the whole five: only 12:00 and 12:04 are left to build, each in full.
    const again = await repo.backfill(binning, from, to);
    const rest = await repo.backfill(binning, new Date(start), new Date(start + 5 * MIN));

    // Assert: 12:01–12:03 (36 predictions), none of the partial 12:00 or 12:04.
    expect(missingBefore).toBe(3);
    expect(binned).toBe(36);
    expect(new Set([...afterUnaligned.keys()].map((k) => Number(k.split('|')[0]) - start / MIN))).toEqual(
      new Set([1, 2, 3]),
    );
    expect(again).toBe(0);
    expect(rest).toBe(24);
    const full = new Map<string, Uint32Array>();
    rows.forEach((r, k) => {
      const key = `${Math.floor(Date.parse(r.at) / MIN)}|ml`;
      if (!full.has(key)) {
        full.set(key, new Uint32Array(binning.length));
      }
      binning.add(
        full.get(key)!,
        Float32Array.from(Array.from({ length: FEATURE_COUNT }, (_, i) => Math.sin(k + i))),
        Math.fround(k / 60),
      );
    });
    expect(await storedRows(ds, 'whole')).toEqual(expectedRows(binning, full));
    expect(await repo.minutesMissing('whole', new Date(start), new Date(start + 5 * MIN))).toBe(0);
  });
});
