/**
 * The shipped models on real daily candles (41 S&P 500 stocks, 2013-2018) with real outcomes.
 *
 * No labelled chart patterns exist for this data, so the events are mechanical, fixed before any model
 * was scored and not tuned afterwards: a close beyond the previous 20 bars' high (bullish) or low
 * (bearish) for the first time (a 20-bar channel breakout, sent as a continuation `symmetrical_triangle`),
 * breakout = that channel edge, target = breakout ± 0.6 × channel height (the middle of the simulator's
 * 0.35-0.85 measured move), stop = the channel's midpoint, rule_confidence = 0.5 (there is no rule engine).
 * Outcome = the simulator's label on the real next 20 bars: 1 when a high (low) reaches the target before a
 * low (high) reaches the stop, a bar touching both counting as stopped. One event per stock per 20 bars.
 *
 * Baselines on the same events: the driftless random-walk hitting probability
 * stop distance / (stop distance + target distance) (geometry only), and the base rate.
 *
 *   npx ts-node --swc -r tsconfig-paths/register scripts/eval/real-candles.eval.ts [data dir]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { InferenceSession, Tensor } from 'onnxruntime-node';

import { buildFeatures, FEATURE_COUNT, isFiniteVector, readCandlesCsv, validatePatternInput } from '@app/features';
import type { Candle, PatternInput } from '@app/features';
import { auc, brierScore, logLoss, parseModelCard } from '@app/training';

const DATA_DIR = resolve(process.argv[2] ?? join(__dirname, '../../../shared/data/sp500-daily-2013-2018'));
const MODELS_DIR = resolve(__dirname, '../../models/phase5');
const WINDOW = 200;
const CHANNEL = 20;
const HORIZON = 20;
const TARGET_HEIGHT = 0.6;

interface RealEvent {
  input: PatternInput;
  label: 0 | 1;
  geometry: number;
}

const channelHigh = (bars: Candle[], end: number): number =>
  Math.max(...bars.slice(end - CHANNEL, end).map((b) => b.h));
const channelLow = (bars: Candle[], end: number): number => Math.min(...bars.slice(end - CHANNEL, end).map((b) => b.l));

/** Target before stop within HORIZON bars after `n`; a bar that touches both is a stop. */
function realOutcome(bars: Candle[], n: number, dir: 1 | -1, target: number, stop: number): 0 | 1 {
  for (let k = n + 1; k <= n + HORIZON; k++) {
    const stopped = dir === 1 ? bars[k].l <= stop : bars[k].h >= stop;
    if (stopped) {
      return 0;
    }
    const hit = dir === 1 ? bars[k].h >= target : bars[k].l <= target;
    if (hit) {
      return 1;
    }
  }
  return 0;
}

function eventsOf(symbol: string, bars: Candle[], counts: Record<string, number>): RealEvent[] {
  const events: RealEvent[] = [];
  for (let n = WINDOW - 1; n + HORIZON < bars.length; n++) {
    const high = channelHigh(bars, n);
    const low = channelLow(bars, n);
    const c = bars[n].c;
    const prev = bars[n - 1].c;
    const dir: 1 | -1 | 0 =
      c > high && prev <= channelHigh(bars, n - 1) ? 1 : c < low && prev >= channelLow(bars, n - 1) ? -1 : 0;
    if (dir === 0) {
      continue;
    }
    counts.breakouts++;
    const height = high - low;
    const breakout = dir === 1 ? high : low;
    const target = breakout + dir * TARGET_HEIGHT * height;
    const stop = (high + low) / 2;
    if (dir * (target - c) <= 0) {
      counts.beyondTarget++; // the breakout bar already closed past the target
      continue;
    }
    const first = n - WINDOW + 1;
    const input: PatternInput = {
      pattern_id: `${symbol}-${n}`,
      symbol,
      pattern_type: 'symmetrical_triangle',
      direction: dir === 1 ? 'bullish' : 'bearish',
      timeframe: '1d',
      rule_confidence: 0.5,
      pattern_start_index: n - CHANNEL - first,
      pattern_end_index: n - 1 - first,
      breakout_price: breakout,
      target_price: target,
      stop_price: stop,
      candles: bars.slice(first, n + 1),
    };
    const { errors } = validatePatternInput(JSON.parse(JSON.stringify(input)));
    if (errors.length > 0) {
      counts.invalid++;
      continue;
    }
    const targetDistance = Math.abs(target - c);
    const stopDistance = Math.abs(c - stop);
    events.push({
      input,
      label: realOutcome(bars, n, dir, target, stop),
      geometry: stopDistance / (stopDistance + targetDistance),
    });
    n += HORIZON - 1; // next event on this stock after this one's horizon
  }
  return events;
}

/** Hanley & McNeil (1982) standard error of an AUC. */
function aucStandardError(a: number, positives: number, negatives: number): number {
  const q1 = a / (2 - a);
  const q2 = (2 * a * a) / (1 + a);
  return Math.sqrt(
    (a * (1 - a) + (positives - 1) * (q1 - a * a) + (negatives - 1) * (q2 - a * a)) / (positives * negatives),
  );
}

async function scoreWith(slot: string, X: Float32Array, n: number): Promise<{ version: string; p: Float64Array }> {
  const dir = join(MODELS_DIR, slot);
  const card = parseModelCard(JSON.parse(readFileSync(join(dir, 'model_card.json'), 'utf8')));
  const session = await InferenceSession.create(readFileSync(join(dir, 'model.onnx')));
  const out = await session.run({ [card.input_name]: new Tensor('float32', X, [n, FEATURE_COUNT]) }, [
    card.output.name,
  ]);
  await session.release();
  const data = out[card.output.name].data as Float32Array;
  const p = Float64Array.from({ length: n }, (_, i) => data[i * 2 + card.output.positive_class_index]);
  return { version: `${card.model_version} (${card.model_type})`, p };
}

async function main(): Promise<void> {
  const counts = { stocks: 0, breakouts: 0, beyondTarget: 0, invalid: 0, nonFinite: 0 };
  const events: RealEvent[] = [];
  for (const file of readdirSync(DATA_DIR).filter((f) => f.endsWith('.csv'))) {
    const { symbol, candles } = readCandlesCsv(join(DATA_DIR, file));
    counts.stocks++;
    events.push(...eventsOf(symbol ?? file.replace(/\.csv$/, ''), candles, counts));
  }
  const kept: RealEvent[] = [];
  const X: number[] = [];
  for (const e of events) {
    const vec = buildFeatures(e.input);
    if (!isFiniteVector(vec)) {
      counts.nonFinite++;
      continue;
    }
    kept.push(e);
    X.push(...vec);
  }
  const n = kept.length;
  const y = kept.map((e) => e.label);
  const positives = y.reduce<number>((s, v) => s + v, 0);
  const baseRate = positives / n;
  const bullish = kept.filter((e) => e.input.direction === 'bullish').length;

  console.log(`data: ${DATA_DIR}`);
  console.log(
    `events: ${n} from ${counts.stocks} stocks (${bullish} bullish, ${n - bullish} bearish); ` +
      `${counts.breakouts} first closes beyond a 20-bar channel, ${counts.beyondTarget} already past the target, ` +
      `${counts.invalid} invalid windows, ${counts.nonFinite} non-finite feature vectors`,
  );
  console.log(`base rate (target before stop within ${HORIZON} bars): ${baseRate.toFixed(4)}`);
  console.log('| scorer | AUC (± 1.96 SE) | Brier | log loss | mean p |');
  console.log('|---|---|---|---|---|');
  const row = (name: string, p: ArrayLike<number>): void => {
    const a = auc(y, p);
    const se = aucStandardError(a, positives, n - positives);
    const mean = Array.from(p).reduce((s, v) => s + v, 0) / n;
    console.log(
      `| ${name} | ${a.toFixed(4)} ± ${(1.96 * se).toFixed(4)} | ${brierScore(y, p).toFixed(4)} | ${logLoss(y, p).toFixed(4)} | ${mean.toFixed(4)} |`,
    );
  };
  const matrix = Float32Array.from(X);
  for (const slot of ['champion', 'backup']) {
    const { version, p } = await scoreWith(slot, matrix, n);
    row(`${slot} ${version}`, p);
  }
  row(
    'geometry only: stop / (stop + target distance)',
    Float64Array.from(kept, (e) => e.geometry),
  );
  row('base rate (constant)', new Float64Array(n).fill(baseRate));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
