import { readFileSync } from 'node:fs';
import type { Candle } from './pattern-input.interface';

/** A CSV row that could not become a candle, with a message naming the line and the field. */
export interface RejectedCsvRow {
  line: number;
  reason: string;
}

export interface ParsedCandlesCsv {
  /** Value of the `Name`/`symbol` column of the first accepted row, when the file has one. */
  symbol: string | null;
  candles: Candle[];
  rejected: RejectedCsvRow[];
}

const REQUIRED_COLUMNS = ['date', 'open', 'high', 'low', 'close', 'volume'] as const;
const FIELD_OF: Record<(typeof REQUIRED_COLUMNS)[number], keyof Candle> = {
  date: 't',
  open: 'o',
  high: 'h',
  low: 'l',
  close: 'c',
  volume: 'v',
};
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Parses `date,open,high,low,close,volume[,Name]` text (e.g. the S&P 500 daily set) into candles.
 * Rows with empty or non-numeric fields or an unreadable date are rejected with a message, never
 * thrown; OHLC consistency and ordering are left to `validatePatternInput`. A day (`YYYY-MM-DD`)
 * becomes midnight UTC in epoch ms.
 */
export function parseCandlesCsv(text: string): ParsedCandlesCsv {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((name) => name.trim().toLowerCase());
  const missing = REQUIRED_COLUMNS.filter((name) => !header.includes(name));
  if (missing.length > 0) {
    throw new Error(`CSV header must name ${REQUIRED_COLUMNS.join(', ')}; missing: ${missing.join(', ')}`);
  }
  const column = Object.fromEntries(REQUIRED_COLUMNS.map((name) => [name, header.indexOf(name)])) as Record<
    (typeof REQUIRED_COLUMNS)[number],
    number
  >;
  const symbolColumn = header.findIndex((name) => name === 'name' || name === 'symbol');

  const candles: Candle[] = [];
  const rejected: RejectedCsvRow[] = [];
  let symbol: string | null = null;
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i];
    if (raw.trim() === '') {
      continue;
    }
    const lineNo = i + 1;
    const cells = raw.split(',');
    const empty = REQUIRED_COLUMNS.filter((name) => (cells[column[name]] ?? '').trim() === '');
    if (empty.length > 0) {
      rejected.push({ line: lineNo, reason: `line ${lineNo}: empty field(s) ${empty.join(', ')}` });
      continue;
    }
    const day = cells[column.date].trim();
    const t = Date.parse(ISO_DAY.test(day) ? `${day}T00:00:00Z` : day);
    if (!Number.isFinite(t)) {
      rejected.push({ line: lineNo, reason: `line ${lineNo}: date '${day}' is not a date` });
      continue;
    }
    const candle: Candle = { t, o: 0, h: 0, l: 0, c: 0, v: 0 };
    let bad: string | null = null;
    for (const name of REQUIRED_COLUMNS) {
      if (name === 'date') {
        continue;
      }
      const cell = cells[column[name]].trim();
      const value = Number(cell);
      if (!Number.isFinite(value)) {
        bad = `line ${lineNo}: ${name} '${cell}' is not a finite number`;
        break;
      }
      candle[FIELD_OF[name]] = value;
    }
    if (bad !== null) {
      rejected.push({ line: lineNo, reason: bad });
      continue;
    }
    if (symbol === null && symbolColumn >= 0) {
      symbol = (cells[symbolColumn] ?? '').trim() || null;
    }
    candles.push(candle);
  }
  return { symbol, candles, rejected };
}

/** Reads and parses one candles CSV file (see `parseCandlesCsv`). */
export function readCandlesCsv(filePath: string): ParsedCandlesCsv {
  return parseCandlesCsv(readFileSync(filePath, 'utf8'));
}
