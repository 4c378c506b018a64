import request from 'supertest';
import type { PatternInput } from '@app/features';
import { patterns } from './support/patterns';
import { bootTestApp, TestApp } from './support/test-app';

type Mutation = [string, (p: PatternInput) => unknown, RegExp];

/** Every §4 rule: a 400 whose message names the field. */
const CASES: Mutation[] = [
  ['missing pattern_id', ({ pattern_id: _, ...rest }) => rest, /pattern_id/],
  ['pattern_id too long', (p) => ({ ...p, pattern_id: 'x'.repeat(129) }), /pattern_id/],
  ['empty symbol', (p) => ({ ...p, symbol: '' }), /symbol/],
  ['symbol too long', (p) => ({ ...p, symbol: 'S'.repeat(33) }), /symbol/],
  ['unknown pattern_type', (p) => ({ ...p, pattern_type: 'banana' }), /pattern_type/],
  ['bad direction', (p) => ({ ...p, direction: 'up' }), /direction/],
  ['bad timeframe', (p) => ({ ...p, timeframe: '2d' }), /timeframe/],
  ['rule_confidence above 1', (p) => ({ ...p, rule_confidence: 1.01 }), /rule_confidence/],
  ['rule_confidence as a string', (p) => ({ ...p, rule_confidence: '0.7' }), /rule_confidence/],
  ['start not before end', (p) => ({ ...p, pattern_start_index: p.pattern_end_index }), /pattern_start_index/],
  ['end beyond the last candle', (p) => ({ ...p, pattern_end_index: p.candles.length }), /pattern_end_index/],
  ['negative price', (p) => ({ ...p, breakout_price: -1 }), /breakout_price/],
  [
    'target on the wrong side',
    (p) => ({ ...p, target_price: p.direction === 'bullish' ? p.breakout_price * 0.5 : p.breakout_price * 2 }),
    /target_price/,
  ],
  [
    'stop on the wrong side',
    (p) => ({ ...p, stop_price: p.direction === 'bullish' ? p.breakout_price * 2 : p.breakout_price * 0.5 }),
    /stop_price/,
  ],
  [
    'too few candles',
    (p) => ({ ...p, candles: p.candles.slice(0, 59), pattern_end_index: 50, pattern_start_index: 10 }),
    /candles/,
  ],
  [
    'too many candles',
    (p) => ({ ...p, candles: Array.from({ length: 1001 }, (_, i) => ({ ...p.candles[0], t: i })) }),
    /candles/,
  ],
  [
    'candle h below max(o, c)',
    (p) => withCandle(p, 3, { h: Math.min(p.candles[3].o, p.candles[3].c) * 0.9 }),
    /candles\[3\]\.h/,
  ],
  [
    'candle l above min(o, c)',
    (p) => withCandle(p, 4, { l: Math.max(p.candles[4].o, p.candles[4].c) * 1.1 }),
    /candles\[4\]\.l/,
  ],
  ['t not increasing', (p) => withCandle(p, 5, { t: p.candles[4].t }), /candles\[5\]\.t/],
  ['negative volume', (p) => withCandle(p, 6, { v: -1 }), /candles\[6\]\.v/],
  ['zero price', (p) => withCandle(p, 7, { o: 0 }), /candles\[7\]\.o/],
  ['numeric string in a candle', (p) => withCandle(p, 8, { c: '101.5' }), /candles\[8\]\.c/],
  ['null in a candle', (p) => withCandle(p, 9, { v: null }), /candles\[9\]\.v/],
  ['unknown top-level field', (p) => ({ ...p, extra: 1 }), /extra/],
  ['unknown candle field', (p) => withCandle(p, 2, { x: 1 }), /candles\[2\]/],
];

function withCandle(p: PatternInput, i: number, patch: Record<string, unknown>): unknown {
  return { ...p, candles: p.candles.map((c, k) => (k === i ? { ...c, ...patch } : c)) };
}

describe('input validation and errors', () => {
  let t: TestApp;
  const [valid] = patterns(1, 51);

  beforeAll(async () => {
    t = await bootTestApp({ ENABLE_PHASE5_ML: false });
  });
  afterAll(async () => t.close());

  it.each(CASES)('%s → 400 naming the field', async (_name, mutate, field) => {
    const res = await request(t.url)
      .post('/api/ml/confidence')
      .send(mutate(valid) as object)
      .expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(res.body.message.join('\n')).toMatch(field);
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
  });

  it.each([
    ['NaN', 'NaN'],
    ['Infinity', 'Infinity'],
    ['-Infinity', '-Infinity'],
  ])('rejects %s in a candle (not valid JSON numbers)', async (_name, literal) => {
    const body = JSON.stringify(valid).replace(/"c":([0-9.e+-]+)/, `"c":${literal}`);
    const res = await request(t.url)
      .post('/api/ml/confidence')
      .set('Content-Type', 'application/json')
      .send(body)
      .expect(400);
    expect(res.body.statusCode).toBe(400);
  });

  it('names every bad field at once', async () => {
    const res = await request(t.url)
      .post('/api/ml/confidence')
      .send({ ...valid, symbol: '', rule_confidence: 3, direction: 'x' })
      .expect(400);
    const text = res.body.message.join('\n');
    for (const f of ['symbol', 'rule_confidence', 'direction']) {
      expect(text).toMatch(new RegExp(f));
    }
  });

  it('answers 413 to a 2 MB body', async () => {
    const huge = { ...valid, padding: 'x'.repeat(2 * 1024 * 1024) };
    const res = await request(t.url).post('/api/ml/confidence').send(huge).expect(413);
    expect(res.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
  });

  it('answers 400 to malformed JSON and to a non-object body', async () => {
    await request(t.url).post('/api/ml/confidence').set('Content-Type', 'application/json').send('{"a":').expect(400);
    await request(t.url).post('/api/ml/confidence').send([1, 2]).expect(400);
  });

  it('answers 400 to an empty or oversized batch', async () => {
    await request(t.url).post('/api/ml/confidence/batch').send({ items: [] }).expect(400);
    await request(t.url).post('/api/ml/confidence/batch').send({}).expect(400);
    const many = await request(t.url)
      .post('/api/ml/confidence/batch')
      .send({ items: Array.from({ length: 1001 }, () => ({})) })
      .expect(400);
    expect(many.body.message.join(' ')).toMatch(/items/);
  });

  it('counts invalid requests for data quality', async () => {
    const metrics = await request(t.url).get('/metrics').expect(200);
    expect(metrics.text).toMatch(
      /http_requests_total\{method="POST",route="\/api\/ml\/confidence",status_code="400"\} [1-9]/,
    );
  });
});
