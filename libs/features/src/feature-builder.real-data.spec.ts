import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readCandlesCsv } from './csv-candles.util';
import { validatePatternInput } from './dto/validate-pattern-input.util';
import { buildFeatures, featuresToRecord, isFiniteVector } from './feature-builder';
import { FEATURE_INDEX, type FeatureName } from './feature-schema.constants';
import type { Candle, PatternInput } from './pattern-input.interface';
import { seededRandom } from './testing/pattern-input.factory';
import { closeTo, technicalIndicatorsReference, tradingSignalsReference } from './testing/reference-features';

/**
 * Real daily candles (41 S&P 500 stocks, 2013-02..2018-02; see the data set's README). Real data has
 * faults this test relies on: REGN has a row with empty fields, CHK has a bar whose low is above its close.
 */
const DATA_DIR = process.env.SP500_DATA_DIR ?? resolve(__dirname, '../../../../shared/data/sp500-daily-2013-2018');
const TICKERS = ['AAPL', 'MSFT', 'NVDA', 'XOM', 'GE', 'REGN', 'CHK'];
const WINDOW = 200;
const STEP = 100;

interface Window {
  ticker: string;
  first: number;
  body: PatternInput;
}

function windowsOf(ticker: string, candles: Candle[], seed: number): Window[] {
  const rng = seededRandom(seed);
  const windows: Window[] = [];
  for (let first = 0; first + WINDOW <= candles.length; first += STEP) {
    const bars = candles.slice(first, first + WINDOW);
    const c = bars[WINDOW - 1].c;
    const bullish = rng() < 0.5;
    const dir = bullish ? 1 : -1;
    const end = WINDOW - 1 - Math.floor(rng() * 5);
    const breakout = c * (1 - dir * 0.01 * rng());
    windows.push({
      ticker,
      first,
      body: {
        pattern_id: `${ticker}-${first}`,
        symbol: ticker,
        pattern_type: bullish ? 'double_bottom' : 'double_top',
        direction: bullish ? 'bullish' : 'bearish',
        timeframe: '1d',
        rule_confidence: 0.6,
        pattern_start_index: end - 20 - Math.floor(rng() * 40),
        pattern_end_index: end,
        breakout_price: breakout,
        target_price: breakout * (1 + dir * 0.08),
        stop_price: breakout * (1 - dir * 0.04),
        candles: bars,
      },
    });
  }
  return windows;
}

describe('real S&P 500 daily candles', () => {
  if (!existsSync(DATA_DIR)) {
    it('needs the data set', () => {
      throw new Error(`S&P 500 CSVs not found in ${DATA_DIR}; set SP500_DATA_DIR to the sp500-daily-2013-2018 folder`);
    });
    return;
  }

  const files = Object.fromEntries(TICKERS.map((ticker) => [ticker, readCandlesCsv(join(DATA_DIR, `${ticker}.csv`))]));
  const windows = TICKERS.flatMap((ticker, i) => windowsOf(ticker, files[ticker].candles, i + 1));
  const results = windows.map((w) => ({ ...w, validation: validatePatternInput(JSON.parse(JSON.stringify(w.body))) }));
  const accepted = results.filter((r) => r.validation.errors.length === 0);

  it('loads every ticker; REGN loses exactly its row with empty fields, with a clear message', () => {
    for (const ticker of TICKERS) {
      expect(files[ticker].symbol).toBe(ticker);
      expect(files[ticker].candles.length).toBeGreaterThan(1200);
    }
    expect(files.REGN.rejected).toEqual([{ line: 588, reason: 'line 588: empty field(s) open, high, low' }]);
    expect(TICKERS.filter((t) => t !== 'REGN').every((t) => files[t].rejected.length === 0)).toBe(true);
  });

  it('validation accepts the real windows, and rejects the CHK bar with low > close by index', () => {
    const chkBadDay = Date.UTC(2014, 5, 30);
    const rejected = results.filter((r) => r.validation.errors.length > 0);
    expect(accepted.length).toBeGreaterThan(60);
    expect(rejected.length).toBeGreaterThan(0);
    for (const r of rejected) {
      const index = r.body.candles.findIndex((bar) => bar.t === chkBadDay);
      expect(r.ticker).toBe('CHK');
      expect(r.validation.errors).toEqual([`candles[${index}].l must be <= min(o, c)`]);
    }
  });

  it('gives finite features within plausible ranges', () => {
    const problems: string[] = [];
    const check = (w: Window, name: FeatureName, ok: (x: number) => boolean, value: number | null): void => {
      if (value === null || !ok(value)) {
        problems.push(`${w.ticker}@${w.first} ${name}=${String(value)}`);
      }
    };
    for (const w of accepted) {
      const vec = buildFeatures(w.body);
      expect(isFiniteVector(vec)).toBe(true);
      const f = featuresToRecord(vec);
      for (const name of ['rsi_14', 'stoch_k_14', 'stoch_d_3', 'adx_14', 'mfi_14'] as const) {
        check(w, name, (x) => x >= 0 && x <= 100, f[name]);
      }
      for (const name of ['r2_20', 'up_volume_share_20', 'close_location', 'body_pct', 'upper_wick_pct'] as const) {
        check(w, name, (x) => x >= 0 && x <= 1, f[name]);
      }
      check(w, 'ret_1', (x) => Math.abs(x) < 0.5, f.ret_1);
      check(w, 'vol_20', (x) => x > 0 && x < 0.2, f.vol_20);
      check(w, 'atr_14_pct', (x) => x > 0 && x < 0.3, f.atr_14_pct);
      check(w, 'bb_width_20', (x) => x > 0 && x < 2, f.bb_width_20);
      check(w, 'cci_20', (x) => Math.abs(x) <= 2000 / 3, f.cci_20);
      check(w, 'volume_ratio_20', (x) => x > 0 && x < 50, f.volume_ratio_20);
      check(w, 'dist_high_50', (x) => x <= 0 && x > -0.9, f.dist_high_50);
      check(w, 'dist_low_50', (x) => x >= 0 && x < 5, f.dist_low_50);
      check(w, 'vwap_ratio_20', (x) => Math.abs(x) < 0.5, f.vwap_ratio_20);
      check(w, 'timeframe_log_minutes', (x) => x === Math.fround(Math.log10(1440)), f.timeframe_log_minutes);
    }
    expect(problems).toEqual([]);
  });

  it('agrees with technicalindicators and trading-signals on real windows (1e-6)', () => {
    const tradingSignals = tradingSignalsReference(accepted.map((w) => w.body));
    const mismatches: string[] = [];
    accepted.forEach((w, i) => {
      const vec = buildFeatures(w.body);
      const reference = { ...technicalIndicatorsReference(w.body), ...tradingSignals[i] };
      for (const [name, expected] of Object.entries(reference)) {
        if (name in FEATURE_INDEX && !closeTo(vec[FEATURE_INDEX[name as FeatureName]], expected)) {
          mismatches.push(`${w.ticker}@${w.first} ${name}: ${vec[FEATURE_INDEX[name as FeatureName]]} vs ${expected}`);
        }
      }
    });
    expect(mismatches).toEqual([]);
  });
});
