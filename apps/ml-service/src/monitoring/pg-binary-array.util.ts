/**
 * Decoders of PostgreSQL's binary array image (what array_send returns, and the binary wire format of
 * an array): int32 ndim, int32 has-null flag, uint32 element type OID, then per dimension int32 length
 * and int32 lower bound, then per element an int32 byte length (−1 for NULL) and the element's own
 * binary form (big-endian). An empty array has ndim 0 and nothing after the type OID.
 */

const FLOAT4_OID = 700;
const INT4_OID = 23;
const INT8_OID = 20;
const TIMESTAMPTZ_OID = 1184;
const HEADER_BYTES = 12;
const TWO_POW_32 = 4294967296;

/**
 * Reads float4 array images into reusable buffers, so a loop over many images allocates nothing.
 * After read(): elements in storage order (all dimensions flattened) in values[0 … length − 1], with
 * nulls[k] = 1 for a NULL element (values[k] is then NaN).
 */
export class Float4ArrayReader {
  values = new Float32Array(64);
  nulls = new Uint8Array(64);
  /** Number of dimensions: 0 for an empty array. */
  dims = 0;
  length = 0;
  /** Lower bound of the first dimension (1 unless the array was built with explicit bounds). */
  lowerBound = 1;
  hasNull = false;

  /** Decodes the image starting at `offset` of `view`; returns the offset just past it (images may be concatenated). */
  read(view: DataView, offset: number): number {
    let p = readHeader(this, view, offset, FLOAT4_OID);
    const n = this.length;
    if (n > this.values.length) {
      this.values = new Float32Array(n);
      this.nulls = new Uint8Array(n);
    }
    const values = this.values;
    const nulls = this.nulls;
    for (let k = 0; k < n; k++) {
      const len = view.getInt32(p);
      p += 4;
      if (len === -1) {
        values[k] = NaN;
        nulls[k] = 1;
        continue;
      }
      if (len !== 4) {
        throw new RangeError(`float4 array element ${k} has ${len} bytes`);
      }
      values[k] = view.getFloat32(p);
      nulls[k] = 0;
      p += 4;
    }
    return p;
  }
}

/**
 * Reads one-dimensional int8 or timestamptz array images (timestamptz: microseconds since 2000-01-01
 * 00:00 UTC) into a reusable buffer: values[0 … length − 1], as exact doubles. Refuses NULL elements
 * and values beyond ±2^53.
 */
export class Int8ArrayReader {
  values = new Float64Array(64);
  length = 0;
  private readonly shape: ArrayShape = { dims: 0, length: 0, lowerBound: 1, hasNull: false };

  /** Decodes the image starting at `offset` of `view`; returns the offset just past it. */
  read(view: DataView, offset: number): number {
    let p = readHeader(this.shape, view, offset, INT8_OID, TIMESTAMPTZ_OID);
    const n = this.shape.length;
    if (this.shape.dims > 1) {
      throw new RangeError(`int8 array image with ${this.shape.dims} dimensions`);
    }
    if (n > this.values.length) {
      this.values = new Float64Array(n);
    }
    for (let k = 0; k < n; k++) {
      const len = view.getInt32(p);
      if (len !== 8) {
        throw new RangeError(
          len === -1 ? `int8 array element ${k} is NULL` : `int8 array element ${k} has ${len} bytes`,
        );
      }
      // High word signed, low word unsigned: exact while the value is a safe integer.
      const v = view.getInt32(p + 4) * TWO_POW_32 + view.getUint32(p + 8);
      if (!Number.isSafeInteger(v)) {
        throw new RangeError(`int8 array element ${k} is beyond 2^53`);
      }
      this.values[k] = v;
      p += 12;
    }
    this.length = n;
    return p;
  }
}

/**
 * The binary image of a one-dimensional int4 array holding `values`: bound as a Buffer parameter
 * (which pg sends in binary) to a `$n::int[]`, PostgreSQL reads it with array_recv, no text parsing.
 */
export function int4ArrayImage(values: ArrayLike<number>): Buffer {
  const n = values.length;
  const out = Buffer.allocUnsafe(n > 0 ? HEADER_BYTES + 8 + n * 8 : HEADER_BYTES);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setInt32(0, n > 0 ? 1 : 0);
  view.setInt32(4, 0);
  view.setUint32(8, INT4_OID);
  if (n === 0) {
    return out;
  }
  view.setInt32(12, n);
  view.setInt32(16, 1);
  for (let k = 0, p = 20; k < n; k++, p += 8) {
    const v = values[k];
    if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
      throw new RangeError(`int4 array element ${k} is ${v}`);
    }
    view.setInt32(p, 4);
    view.setInt32(p + 4, v);
  }
  return out;
}

interface ArrayShape {
  dims: number;
  length: number;
  lowerBound: number;
  hasNull: boolean;
}

/** Parses the header into `shape`; returns the offset of the first element. */
function readHeader(shape: ArrayShape, view: DataView, offset: number, type1: number, type2 = type1): number {
  if (offset + HEADER_BYTES > view.byteLength) {
    throw new RangeError(`array image truncated at byte ${offset}`);
  }
  const dims = view.getInt32(offset);
  const type = view.getUint32(offset + 8);
  if (type !== type1 && type !== type2) {
    throw new RangeError(`array of element type ${type}, expected ${type1 === type2 ? type1 : `${type1} or ${type2}`}`);
  }
  if (dims < 0 || dims > 6) {
    throw new RangeError(`array image with ${dims} dimensions`);
  }
  let p = offset + HEADER_BYTES;
  let length = dims > 0 ? 1 : 0;
  for (let d = 0; d < dims; d++) {
    length *= view.getInt32(p);
    if (d === 0) {
      shape.lowerBound = view.getInt32(p + 4);
    }
    p += 8;
  }
  shape.dims = dims;
  shape.length = length;
  shape.hasNull = view.getInt32(offset + 4) !== 0;
  if (dims === 0) {
    shape.lowerBound = 1;
  }
  return p;
}
