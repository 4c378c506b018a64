import { realArrayLiteral } from './prediction-log.repository';

describe('realArrayLiteral', () => {
  it('writes every float32 so that it reads back as the same float32, non-finite values included', () => {
    const values = new Float32Array([
      0,
      -0.1,
      1 / 3,
      1e-45, // smallest subnormal
      1.17549435e-38,
      3.4028235e38, // largest finite
      -123456.789,
      0.30000001192092896,
      NaN,
      Infinity,
      -Infinity,
    ]);
    let seed = 7;
    const random = Array.from({ length: 2000 }, () => {
      seed = (seed * 16807) % 2147483647;
      return (seed / 2147483647 - 0.5) * 10 ** ((seed % 60) - 30);
    });
    for (const v of [values, new Float32Array(random)]) {
      const literal = realArrayLiteral(v);
      expect(literal.startsWith('{') && literal.endsWith('}')).toBe(true);
      const back = literal.slice(1, -1).split(',').map(Number);
      expect(back).toHaveLength(v.length);
      back.forEach((x, i) => expect(Object.is(Math.fround(x), v[i]) || (x === 0 && v[i] === 0)).toBe(true));
    }
  });
});
