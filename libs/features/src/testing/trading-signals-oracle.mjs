// Reference values from trading-signals, run in a child process: the package is ESM-only and jest
// (CommonJS, Node 20) cannot require it. Reads [{ h, l, c, v }] (arrays) as JSON on stdin and writes
// [{ rsi14, mfi14 }] (the value at the last bar) as JSON on stdout.
import { MFI, RSI } from 'trading-signals';

const chunks = [];
for await (const chunk of process.stdin) {
  chunks.push(chunk);
}
const series = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const results = series.map(({ h, l, c, v }) => {
  const rsi = new RSI(14);
  const mfi = new MFI(14);
  for (let i = 0; i < c.length; i++) {
    rsi.add(c[i]);
    mfi.add({ high: h[i], low: l[i], close: c[i], volume: v[i] });
  }
  return { rsi14: rsi.getResult(), mfi14: mfi.getResult() };
});
process.stdout.write(JSON.stringify(results));
