import { FEATURE_COUNT } from '@app/features';
import type { HistogramBinning } from './histogram-binning';
import type { MinuteBuckets } from './minute-buckets';
import { Float4ArrayReader, Int8ArrayReader } from './pg-binary-array.util';

/** Microseconds from the Unix epoch to PostgreSQL's (2000-01-01 UTC), the origin of a binary timestamptz. */
const PG_EPOCH_MICROS = 946_684_800_000_000;
const MINUTE_MICROS = 60_000_000;

/**
 * One part of a page of raw predictions, as the backfill query returns it: the part's row count, then
 * one value per column holding all its rows, in the same row order in each (base64 binary array
 * images, arms as JSON). The features are the rows' array images concatenated.
 */
export interface RawPredictionPart {
  n: number;
  created_at: string;
  id: string;
  arm: string;
  confidence_ml: string;
  features: string;
}

/** A keyset position in (created_at, id) order; created_at in microseconds since the Unix epoch. */
export interface PredictionKey {
  atMicros: number;
  id: number;
}

/** Minute since the Unix epoch of a time in microseconds, in exact integer arithmetic. */
export function minuteOfMicros(atMicros: number): number {
  const rem = ((atMicros % MINUTE_MICROS) + MINUTE_MICROS) % MINUTE_MICROS;
  return (atMicros - rem) / MINUTE_MICROS;
}

/**
 * A decoded page, binned row by row with the request path's own HistogramBinning.add. The same object
 * is loaded page after page into the same buffers, so a backfill allocates ~6 MB of buffers once
 * rather than per page.
 */
export class RawPredictionPage {
  size = 0;
  private at = new Float64Array(0);
  private ids = new Float64Array(0);
  private confidence = new Float32Array(0);
  private confidenceNull = new Uint8Array(0);
  private arms: string[] = [];
  private featureBytes: Buffer = Buffer.alloc(0);
  private features: DataView = new DataView(new ArrayBuffer(0));
  // Decoding scratch, reused part after part.
  private scratch: Buffer = Buffer.alloc(0);
  private readonly int8 = new Int8ArrayReader();
  private readonly float4 = new Float4ArrayReader();
  private readonly row = new Float4ArrayReader();

  /** Decodes the parts of one page into this object's buffers, replacing the previous page. */
  load(parts: RawPredictionPart[]): this {
    let n = 0;
    let featureBytes = 0;
    for (const part of parts) {
      n += Number(part.n);
      featureBytes += base64Bytes(part.features);
    }
    if (n > this.at.length) {
      this.at = new Float64Array(n);
      this.ids = new Float64Array(n);
      this.confidence = new Float32Array(n);
      this.confidenceNull = new Uint8Array(n);
    }
    if (featureBytes > this.featureBytes.length) {
      this.featureBytes = Buffer.allocUnsafe(featureBytes);
    }
    this.arms = [];
    let k = 0;
    let f = 0;
    for (const part of parts) {
      const m = Number(part.n);
      const arms = JSON.parse(part.arm) as string[];
      // The int8 reader's buffer is reused: copy each column out before reading the next.
      const at = this.readInt8(part.created_at, m);
      for (let j = 0; j < m; j++) {
        this.at[k + j] = at[j] + PG_EPOCH_MICROS;
        this.arms.push(arms[j]);
      }
      this.ids.set(this.readInt8(part.id, m), k);
      this.float4.read(this.decode(part.confidence_ml), 0);
      if (arms.length !== m || this.float4.length !== m) {
        throw new RangeError(`backfill page part of ${m} rows has columns of other lengths`);
      }
      this.confidence.set(this.float4.values.subarray(0, m), k);
      this.confidenceNull.set(this.float4.nulls.subarray(0, m), k);
      f += this.featureBytes.write(part.features, f, 'base64');
      k += m;
    }
    this.size = n;
    this.features = new DataView(this.featureBytes.buffer, this.featureBytes.byteOffset, f);
    return this;
  }

  /** The greatest (created_at, id) of the page: the next page starts after it. */
  lastKey(): PredictionKey {
    const { at, ids } = this;
    let atMicros = -Infinity;
    let id = -Infinity;
    for (let k = 0; k < this.size; k++) {
      if (at[k] > atMicros || (at[k] === atMicros && ids[k] > id)) {
        atMicros = at[k];
        id = ids[k];
      }
    }
    return { atMicros, id };
  }

  /**
   * Adds every row to the bucket of its minute and arm. A well-formed row (one dimension of
   * FEATURE_COUNT non-null values from subscript 1, as the service logs them) goes through
   * HistogramBinning.add, exactly as the request was counted; any other row counts the values at
   * subscripts 1 … FEATURE_COUNT that are present, as `features[i]` would read them in SQL.
   */
  binInto(binning: HistogramBinning, buckets: MinuteBuckets): void {
    const { row, at, confidence, confidenceNull } = this;
    let offset = 0;
    for (let k = 0; k < this.size; k++) {
      offset = row.read(this.features, offset);
      const counts = buckets.counts(minuteOfMicros(at[k]), this.arms[k]);
      const c = confidenceNull[k] ? null : confidence[k];
      if (row.dims === 1 && row.length === FEATURE_COUNT && row.lowerBound === 1 && !row.hasNull) {
        binning.add(counts, row.values, c);
      } else {
        addIrregular(binning, counts, row, c);
      }
    }
    if (offset !== this.features.byteLength) {
      throw new RangeError(`backfill page features end at byte ${offset} of ${this.features.byteLength}`);
    }
  }

  /** Decodes base64 into the scratch Buffer (grown when too small); returns a view of the bytes. */
  private decode(b64: string): DataView {
    const max = base64Bytes(b64);
    if (max > this.scratch.length) {
      this.scratch = Buffer.allocUnsafe(Math.max(max, 2 * this.scratch.length));
    }
    const n = this.scratch.write(b64, 0, 'base64');
    return new DataView(this.scratch.buffer, this.scratch.byteOffset, n);
  }

  /** The elements of an int8/timestamptz image, valid until the next call. */
  private readInt8(b64: string, expected: number): Float64Array {
    this.int8.read(this.decode(b64), 0);
    if (this.int8.length !== expected) {
      throw new RangeError(`backfill page part of ${expected} rows has a column of ${this.int8.length}`);
    }
    return this.int8.values.subarray(0, expected);
  }
}

/** An upper bound of the bytes a base64 text decodes to (PostgreSQL's line breaks only make it fewer). */
function base64Bytes(b64: string): number {
  return Math.ceil(b64.length / 4) * 3;
}

/** Counts a row that is not the service's own 52-value vector, value by value (see binInto). */
function addIrregular(
  binning: HistogramBinning,
  counts: Uint32Array,
  row: Float4ArrayReader,
  confidence: number | null,
): void {
  // A subscript into a multi-dimensional array reads NULL in SQL: only one dimension has features.
  if (row.dims === 1) {
    for (let k = 0; k < row.length; k++) {
      const i = row.lowerBound + k - 1;
      if (i >= 0 && i < FEATURE_COUNT && !row.nulls[k]) {
        counts[binning.offsets[i] + binning.slot(i, row.values[k])]++;
      }
    }
  }
  if (confidence !== null) {
    counts[binning.offsets[FEATURE_COUNT] + binning.slot(FEATURE_COUNT, Math.fround(confidence))]++;
  }
}
