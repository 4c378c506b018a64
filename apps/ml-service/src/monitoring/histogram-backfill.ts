import type { DataSource } from 'typeorm';
import type { HistogramBinning } from './histogram-binning';
import { MinuteBucket, MinuteBuckets } from './minute-buckets';
import { int4ArrayImage } from './pg-binary-array.util';
import { minuteOfMicros, PredictionKey, RawPredictionPage, RawPredictionPart } from './raw-prediction-page';

const MINUTE_MS = 60_000;
/** Predictions per page: ~6 MB of features on the wire, a statement far inside the pool's timeout. */
const PAGE_ROWS = 10_000;
/**
 * Rows per part of a page: PostgreSQL encodes ~60 kB values to base64 faster per byte than one of
 * several MB (reading took a quarter less of its CPU), and strings and buffers stay small.
 */
const PART_ROWS = 100;
/** Minute/arm buckets per insert: ~3,400 rows of ~100 counts. */
const BATCH_BUCKETS = 64;
/**
 * Slices of the window read at the same time. Reading costs PostgreSQL more CPU than binning costs
 * Node (measured per row: ~5 µs against ~3.5 µs, ~12 µs when the table's heap is not in time order,
 * as in the benchmark's seeded table): two connections use both cores of a small machine (1,000,000
 * rows: 18 s → 13 s). PGlite runs them one statement at a time: no gain, no harm.
 */
const STREAMS = 2;

type Range = [Date, Date];

/**
 * Rebuilds histogram rows of `binning` from raw predictions for the whole minutes of [from, to) that
 * have none for its model version (see HistogramWindowRepository.backfill). Returns the predictions binned.
 */
export async function backfillHistograms(
  db: DataSource,
  binning: HistogramBinning,
  from: Date,
  to: Date,
): Promise<number> {
  const ranges = await missingRanges(db, binning.modelVersion, from, to);
  const state = { failed: false };
  const outcomes = await Promise.allSettled(
    splitRanges(ranges, STREAMS).map((slice) => backfillSlice(db, binning, slice, state)),
  );
  const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failure) {
    throw failure.reason;
  }
  return outcomes.reduce((sum, o) => sum + (o as PromiseFulfilledResult<number>).value, 0);
}

/**
 * Reads the ranges in keyset pages of PAGE_ROWS in (created_at, id) order (the created_at index),
 * the next page while this one is binned; holds counts only for the minutes not yet written; writes
 * them minute-complete (all arms of a minute in one statement, so a failed run leaves no half-written
 * minute for the rerun to skip). Stops early when another slice failed.
 */
async function backfillSlice(
  db: DataSource,
  binning: HistogramBinning,
  ranges: Range[],
  state: { failed: boolean },
): Promise<number> {
  const buckets = new MinuteBuckets(binning.length);
  // Two pages in turn: one binned while the next is read into the other.
  const pages = [new RawPredictionPage(), new RawPredictionPage()];
  let turn = 0;
  const writer = new BackfillWriter((batch) => insertBuckets(db, binning, batch));
  let binned = 0;
  try {
    for (const [lo, hi] of ranges) {
      let next = readPage(db, pages[turn++ % 2], lo, hi, {
        atMicros: lo.getTime() * 1000,
        id: -Number.MAX_SAFE_INTEGER,
      });
      for (;;) {
        const page = await next;
        if (state.failed) {
          await writer.abandon();
          return binned;
        }
        const last = page.lastKey();
        const full = page.size === PAGE_ROWS;
        if (full) {
          next = readPage(db, pages[turn++ % 2], lo, hi, last);
          // Awaited on the next turn, or abandoned if this page fails: never an unhandled rejection.
          next.catch(() => undefined);
        }
        page.binInto(binning, buckets);
        binned += page.size;
        // Pages come in (created_at, id) order: the minutes before this page's last one are complete.
        await writer.add(buckets.take(full ? minuteOfMicros(last.atMicros) : Infinity));
        if (!full) {
          break;
        }
      }
    }
  } catch (err) {
    state.failed = true;
    await writer.abandon();
    throw err;
  }
  await writer.close();
  return binned;
}

/**
 * The whole minutes of [from, to): a minute is rebuilt from all of its predictions or not at all.
 * A backfilled part of a minute would stand beside that minute's request-path rows (another
 * instance id) in a later window, or stay short after the minute's rest arrived. Null when none.
 */
export function wholeMinutes(from: Date, to: Date): Range | null {
  const lo = Math.ceil(from.getTime() / MINUTE_MS) * MINUTE_MS;
  const hi = Math.floor(to.getTime() / MINUTE_MS) * MINUTE_MS;
  return lo < hi ? [new Date(lo), new Date(hi)] : null;
}

/** [lo, hi) ranges of the window's whole minutes that have no histogram rows for this model version. */
async function missingRanges(db: DataSource, modelVersion: string, from: Date, to: Date): Promise<Range[]> {
  const whole = wholeMinutes(from, to);
  if (!whole) {
    return [];
  }
  [from, to] = whole;
  const rows = await db.query<Array<{ s: number }>>(
    `SELECT DISTINCT date_part('epoch', minute) AS s FROM ml_feature_histograms
     WHERE model_version = $1 AND minute >= $2 AND minute < $3`,
    [modelVersion, from.toISOString(), to.toISOString()],
  );
  // A stored minute off the whole minute matches no prediction's minute, as in an EXCEPT on date_trunc.
  const existing = new Set(
    rows
      .map((r) => Number(r.s))
      .filter((s) => s % 60 === 0)
      .map((s) => s / 60),
  );
  const ranges: Range[] = [];
  let lo: number | null = null;
  for (let m = from.getTime() / MINUTE_MS; m * MINUTE_MS < to.getTime(); m++) {
    if (existing.has(m)) {
      if (lo !== null) {
        ranges.push([new Date(lo), new Date(m * MINUTE_MS)]);
        lo = null;
      }
    } else if (lo === null) {
      lo = m * MINUTE_MS;
    }
  }
  if (lo !== null) {
    ranges.push([new Date(lo), to]);
  }
  return ranges.filter(([a, b]) => a < b);
}

/**
 * Cuts the ranges into at most `n` slices of about equal duration, on whole minutes: two slices never
 * share a minute (its rows would conflict and one slice's counts be dropped).
 */
export function splitRanges(ranges: Range[], n: number): Range[][] {
  const target = ranges.reduce((s, [a, b]) => s + (b.getTime() - a.getTime()), 0) / n;
  const slices: Range[][] = [];
  let current: Range[] = [];
  let filled = 0;
  for (const [a, b] of ranges) {
    let lo = a.getTime();
    const hi = b.getTime();
    while (lo < hi) {
      const cut = Math.ceil((lo + target - filled) / MINUTE_MS) * MINUTE_MS;
      if (slices.length === n - 1 || cut >= hi) {
        current.push([new Date(lo), new Date(hi)]);
        filled += hi - lo;
        break;
      }
      if (cut > lo) {
        current.push([new Date(lo), new Date(cut)]);
        lo = cut;
      }
      slices.push(current);
      current = [];
      filled = 0;
    }
  }
  if (current.length > 0) {
    slices.push(current);
  }
  return slices.filter((s) => s.length > 0);
}

/**
 * The next PAGE_ROWS predictions of [lo, hi) after `after`, as parts of PART_ROWS rows with every
 * column aggregated over the part. Measured on 1,000,000 rows (2 cores), Node CPU per prediction:
 * ~20 µs with the pg driver's parsing of `features` as real[], ~9 µs parsing `features::text` by
 * hand (and PostgreSQL's float4 output costs twice array_send), ~5 µs with one row per prediction
 * and `array_send(features)` as base64, ~4 µs in aggregated binary parts, binning included. A page
 * is one result, so PostgreSQL builds the next while Node bins this one (a row stream stalls on the
 * full socket instead).
 */
async function readPage(
  db: DataSource,
  into: RawPredictionPage,
  lo: Date,
  hi: Date,
  after: PredictionKey,
): Promise<RawPredictionPage> {
  const parts = await db.query<RawPredictionPart[]>(
    `WITH page AS (
       SELECT id, created_at, arm, confidence_ml, features FROM ml_predictions
       WHERE created_at >= $1 AND (created_at, id) > ($1::timestamptz, $2::int8) AND created_at < $3
       ORDER BY created_at, id
       LIMIT ${PAGE_ROWS}
     ),
     numbered AS (SELECT *, (row_number() OVER () - 1) / ${PART_ROWS} AS part FROM page)
     SELECT count(*)::int AS n,
            encode(array_send(array_agg(created_at)), 'base64') AS created_at,
            encode(array_send(array_agg(id)), 'base64') AS id,
            array_to_json(array_agg(arm))::text AS arm,
            encode(array_send(array_agg(confidence_ml)), 'base64') AS confidence_ml,
            encode(string_agg(array_send(features), ''::bytea), 'base64') AS features
     FROM numbered
     GROUP BY part`,
    [isoMicros(Math.max(after.atMicros, lo.getTime() * 1000)), String(after.id), hi.toISOString()],
  );
  into.load(parts);
  // The driver keeps a completed query's result reachable for a while after it resolved: emptied
  // now, the page's strings die young. Without this they were promoted and piled up as ~100 MB of
  // old-generation garbage at 1,000,000 rows (measured).
  parts.length = 0;
  return into;
}

/**
 * Inserts one row per bucket and series (as the request path writes them, empty series included).
 * The counts travel as one flat int[] that each row slices, in binary: no text on either side.
 */
async function insertBuckets(db: DataSource, binning: HistogramBinning, batch: MinuteBucket[]): Promise<void> {
  const flat = new Uint32Array(batch.length * binning.length);
  batch.forEach((b, k) => flat.set(b.counts, k * binning.length));
  const names = binning.names;
  await db.query(
    `INSERT INTO ml_feature_histograms (minute, instance_id, model_version, arm, feature, counts)
     SELECT b.minute, 'backfill', $1, b.arm, f.name, c.counts[b.base + f.lo + 1 : b.base + f.hi]
     FROM unnest($2::timestamptz[], $3::text[], $4::int[]) AS b(minute, arm, base)
     CROSS JOIN unnest($5::text[], $6::int[], $7::int[]) AS f(name, lo, hi)
     CROSS JOIN (SELECT $8::int[] AS counts) AS c
     ON CONFLICT DO NOTHING`,
    [
      binning.modelVersion,
      batch.map((b) => new Date(b.minute * MINUTE_MS).toISOString()),
      batch.map((b) => b.arm),
      batch.map((_, k) => k * binning.length),
      names,
      names.map((_, i) => binning.offsets[i]),
      names.map((_, i) => binning.offsets[i + 1]),
      int4ArrayImage(flat),
    ],
  );
}

/**
 * Batches finished buckets into inserts of about BATCH_BUCKETS, one in flight while the caller reads
 * and bins on. The buckets of one add() stay in one batch, so a minute is never split.
 */
class BackfillWriter {
  private pending: MinuteBucket[] = [];
  private inFlight: Promise<void> | null = null;

  constructor(private readonly insert: (batch: MinuteBucket[]) => Promise<void>) {}

  async add(buckets: MinuteBucket[]): Promise<void> {
    this.pending.push(...buckets);
    if (this.pending.length >= BATCH_BUCKETS) {
      await this.send();
    }
  }

  /** Writes what is left and waits for every insert; rethrows an insert's failure. */
  async close(): Promise<void> {
    await this.send();
    await this.inFlight;
  }

  /** After a failure: drops what is left and waits for the insert in flight, whatever its outcome. */
  async abandon(): Promise<void> {
    this.pending = [];
    await this.inFlight?.catch(() => undefined);
  }

  private async send(): Promise<void> {
    await this.inFlight;
    this.inFlight = null;
    if (this.pending.length === 0) {
      return;
    }
    const batch = this.pending;
    this.pending = [];
    this.inFlight = this.insert(batch);
    // Awaited by the next send() or close(); until then a failure must not count as unhandled.
    this.inFlight.catch(() => undefined);
  }
}

/** ISO text of a time given in microseconds since the Unix epoch, keeping the microseconds. */
function isoMicros(atMicros: number): string {
  const micros = ((atMicros % 1_000_000) + 1_000_000) % 1_000_000;
  const seconds = new Date((atMicros - micros) / 1000).toISOString().slice(0, 19);
  return `${seconds}.${String(micros).padStart(6, '0')}Z`;
}
