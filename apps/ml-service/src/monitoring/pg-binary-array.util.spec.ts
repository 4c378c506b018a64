import { spawnSync } from 'node:child_process';
import { Float4ArrayReader, int4ArrayImage, Int8ArrayReader } from './pg-binary-array.util';

/**
 * array_send images of the given SQL expressions, from real PostgreSQL (PGlite) in a child Node process:
 * PGlite loads its WASM through a dynamic import, which jest's module sandbox refuses.
 */
function imagesFromPostgres(expressions: string[]): Buffer[] {
  const script = `
    const { PGlite } = require('@electric-sql/pglite');
    (async () => {
      const exprs = JSON.parse(require('fs').readFileSync(0, 'utf8'));
      const db = await PGlite.create();
      const out = [];
      for (const e of exprs) out.push((await db.query("SELECT encode(" + e + ", 'base64') AS b")).rows[0].b);
      await db.close();
      process.stdout.write(JSON.stringify(out));
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const result = spawnSync(process.execPath, ['-e', script], {
    input: JSON.stringify(expressions),
    encoding: 'utf8',
    timeout: 60000,
  });
  if (result.status !== 0) {
    throw new Error(`PGlite child failed: ${result.stderr}`);
  }
  return (JSON.parse(result.stdout) as string[]).map((b) => Buffer.from(b, 'base64'));
}

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

describe('pg binary array decoders', () => {
  const [
    special,
    empty,
    bounds,
    twoDim,
    concatenated,
    int8s,
    stamps,
    nullInt8,
    wide,
    bigInt8,
    int4s,
    smallInt4s,
    emptyInt4s,
  ] = imagesFromPostgres([
    `array_send('{1.5,NULL,NaN,Infinity,-Infinity,-0,3.4028235e38,1e-45}'::real[])`,
    `array_send('{}'::real[])`,
    `array_send('[0:2]={7,8,9}'::real[])`,
    `array_send('{{1,2},{3,4}}'::real[])`,
    `array_send('{1,2}'::real[]) || array_send('{}'::real[]) || array_send('{NULL,0.1}'::real[])`,
    `array_send('{0,1,-1,9007199254740991,-9007199254740991}'::int8[])`,
    `array_send(ARRAY['2000-01-01T00:00:00Z', '2025-03-01T10:00:59.999999Z', '1999-12-31T23:59:59.000001Z']::timestamptz[])`,
    `array_send('{1,NULL}'::int8[])`,
    `array_send(ARRAY(SELECT g::real FROM generate_series(1, 300) g))`,
    `array_send('{9007199254740992}'::int8[])`,
    `array_send('{0,1,2147483647,-2147483648,17}'::int4[])`,
    `array_send('{5,0,9}'::int4[])`,
    `array_send('{}'::int4[])`,
  ]);

  it('reads float4 values, NULL elements, NaN and ±Infinity as PostgreSQL sends them', () => {
    // Arrange
    const reader = new Float4ArrayReader();

    // Act
    const end = reader.read(view(special), 0);

    // Assert
    expect(end).toBe(special.length);
    expect({
      dims: reader.dims,
      length: reader.length,
      lowerBound: reader.lowerBound,
      hasNull: reader.hasNull,
    }).toEqual({
      dims: 1,
      length: 8,
      lowerBound: 1,
      hasNull: true,
    });
    expect(Array.from(reader.values.subarray(0, 8))).toEqual([
      1.5,
      NaN,
      NaN,
      Infinity,
      -Infinity,
      -0,
      Math.fround(3.4028235e38),
      Math.fround(1e-45),
    ]);
    expect(Array.from(reader.nulls.subarray(0, 8))).toEqual([0, 1, 0, 0, 0, 0, 0, 0]);
  });

  it('reads an empty array as zero dimensions and keeps the lower bound and all dimensions of others', () => {
    const reader = new Float4ArrayReader();

    expect(reader.read(view(empty), 0)).toBe(empty.length);
    expect({ dims: reader.dims, length: reader.length, hasNull: reader.hasNull }).toEqual({
      dims: 0,
      length: 0,
      hasNull: false,
    });

    reader.read(view(bounds), 0);
    expect({ dims: reader.dims, length: reader.length, lowerBound: reader.lowerBound }).toEqual({
      dims: 1,
      length: 3,
      lowerBound: 0,
    });
    expect(Array.from(reader.values.subarray(0, 3))).toEqual([7, 8, 9]);

    reader.read(view(twoDim), 0);
    expect({ dims: reader.dims, length: reader.length }).toEqual({ dims: 2, length: 4 });
    expect(Array.from(reader.values.subarray(0, 4))).toEqual([1, 2, 3, 4]);
  });

  it('reads concatenated images in turn, clearing the NULL flags of a previous image', () => {
    const reader = new Float4ArrayReader();
    const v = view(concatenated);
    reader.read(view(special), 0); // leaves nulls[1] = 1

    let offset = reader.read(v, 0);
    expect(Array.from(reader.values.subarray(0, reader.length))).toEqual([1, 2]);
    expect(Array.from(reader.nulls.subarray(0, reader.length))).toEqual([0, 0]);
    offset = reader.read(v, offset);
    expect(reader.length).toBe(0);
    offset = reader.read(v, offset);
    expect(Array.from(reader.nulls.subarray(0, 2))).toEqual([1, 0]);
    expect(reader.values[1]).toBe(Math.fround(0.1));
    expect(offset).toBe(concatenated.length);
  });

  it('grows its buffers for a long array', () => {
    const reader = new Float4ArrayReader();

    reader.read(view(wide), 0);

    expect(reader.length).toBe(300);
    expect(reader.values[299]).toBe(300);
  });

  it('refuses another element type, and a truncated image', () => {
    const reader = new Float4ArrayReader();

    expect(() => reader.read(view(int8s), 0)).toThrow(/element type 20/);
    expect(() => reader.read(view(special.subarray(0, 30)), 0)).toThrow(RangeError);
    expect(() => reader.read(view(special), special.length)).toThrow(/truncated/);
  });

  const readInt8 = (b: Buffer): number[] => {
    const reader = new Int8ArrayReader();
    expect(reader.read(view(b), 0)).toBe(b.length);
    return Array.from(reader.values.subarray(0, reader.length));
  };

  it('reads int8 and timestamptz arrays as exact numbers (timestamptz in µs since 2000-01-01 UTC)', () => {
    expect(readInt8(int8s)).toEqual([0, 1, -1, 9007199254740991, -9007199254740991]);
    const epoch2000 = Date.parse('2000-01-01T00:00:00Z') * 1000;
    expect(readInt8(stamps).map((us) => us + epoch2000)).toEqual([
      epoch2000,
      Date.parse('2025-03-01T10:00:59Z') * 1000 + 999999,
      Date.parse('1999-12-31T23:59:59Z') * 1000 + 1,
    ]);
  });

  it('refuses NULL int8 elements, values beyond 2^53 and float4 arrays', () => {
    expect(() => readInt8(nullInt8)).toThrow(/NULL/);
    expect(() => readInt8(bigInt8)).toThrow(/beyond 2\^53/);
    expect(() => readInt8(special)).toThrow(/element type 700/);
  });

  it('writes int4 array images byte for byte as PostgreSQL does, and refuses non-int4 values', () => {
    expect(int4ArrayImage([0, 1, 2147483647, -2147483648, 17])).toEqual(int4s);
    expect(int4ArrayImage(new Uint32Array([5, 0, 9]))).toEqual(smallInt4s);
    expect(int4ArrayImage([])).toEqual(emptyInt4s);
    expect(() => int4ArrayImage([2147483648])).toThrow(RangeError);
    expect(() => int4ArrayImage([1.5])).toThrow(RangeError);
  });
});
