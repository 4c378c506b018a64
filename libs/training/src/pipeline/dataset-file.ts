import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { FEATURE_COUNT, FEATURE_NAMES } from '@app/features';
import type { RawRows } from './synthetic-dataset';

/** A dataset file the trainer cannot use; the message names the line and the problem. */
export class DatasetFileError extends Error {}

const LABEL_KEYS = ['label', 'outcome', 'y'];

function parseLabel(value: unknown, where: string): number {
  if (value === 1 || value === '1' || value === 'success' || value === true) {
    return 1;
  }
  if (value === 0 || value === '0' || value === 'failure' || value === false) {
    return 0;
  }
  throw new DatasetFileError(`${where}: label must be 0/1 or success/failure, got ${JSON.stringify(value)}`);
}

function finiteNumber(value: unknown, where: string): number {
  const v = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    // JSON.stringify would print Infinity (e.g. a 1e400 literal) as null.
    const shown = typeof value === 'number' ? String(value) : JSON.stringify(value);
    throw new DatasetFileError(`${where}: expected a finite number, got ${shown}`);
  }
  return v;
}

/**
 * Reads feature rows + labels from JSONL (`{"features": [52 numbers] | {name: value}, "label": 0|1}`
 * per line) or CSV (a header with the 52 feature names and `label`). Missing, ragged or
 * non-finite data is an error naming the line: a training set is not silently repaired.
 */
export function readDatasetFile(path: string): RawRows {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  } catch (err) {
    throw new DatasetFileError(`cannot read ${path}: ${(err as Error).message}`);
  }
  // Blank lines are skipped but keep their numbers, so an error names the line an editor shows.
  const lines: NumberedLine[] = text
    .split(/\r?\n/)
    .map((content, i) => ({ text: content, number: i + 1 }))
    .filter((l) => l.text.trim() !== '');
  if (lines.length === 0) {
    throw new DatasetFileError(`${path} is empty`);
  }
  const ext = extname(path).toLowerCase();
  const rows = ext === '.csv' ? parseCsv(lines, path) : parseJsonl(lines, path);
  if (rows.length === 0) {
    throw new DatasetFileError(`${path} has a header but no data rows`);
  }
  const X = new Float64Array(rows.length * FEATURE_COUNT);
  const y = new Uint8Array(rows.length);
  rows.forEach(([features, label], i) => {
    X.set(features, i * FEATURE_COUNT);
    y[i] = label;
  });
  if (y.every((v) => v === y[0])) {
    throw new DatasetFileError(`${path}: every label is ${y[0]}; a classifier needs both classes`);
  }
  return { X, y, n: rows.length, source: path };
}

interface NumberedLine {
  text: string;
  number: number;
}

function parseJsonl(lines: NumberedLine[], path: string): Array<[number[], number]> {
  return lines.map((line) => {
    const where = `${path}:${line.number}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line.text);
    } catch {
      throw new DatasetFileError(`${where}: not valid JSON`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new DatasetFileError(`${where}: expected a JSON object {"features": [...], "label": 0|1}`);
    }
    const obj = parsed as Record<string, unknown>;
    const labelKey = LABEL_KEYS.find((k) => k in obj);
    if (!labelKey) {
      throw new DatasetFileError(`${where}: no label (one of ${LABEL_KEYS.join(', ')})`);
    }
    const raw = obj.features;
    let features: number[];
    if (Array.isArray(raw)) {
      if (raw.length !== FEATURE_COUNT) {
        throw new DatasetFileError(`${where}: ${raw.length} features, expected ${FEATURE_COUNT}`);
      }
      features = raw.map((v, j) => finiteNumber(v, `${where} feature ${FEATURE_NAMES[j]}`));
    } else if (raw && typeof raw === 'object') {
      const rec = raw as Record<string, unknown>;
      features = FEATURE_NAMES.map((name) => {
        if (!(name in rec)) {
          throw new DatasetFileError(`${where}: feature ${name} is missing`);
        }
        return finiteNumber(rec[name], `${where} feature ${name}`);
      });
    } else {
      throw new DatasetFileError(
        `${where}: "features" must be an array of ${FEATURE_COUNT} numbers or an object by name`,
      );
    }
    return [features, parseLabel(obj[labelKey], where)];
  });
}

function parseCsv(lines: NumberedLine[], path: string): Array<[number[], number]> {
  const header = lines[0].text.split(',').map((h) => h.trim());
  const labelCol = header.findIndex((h) => LABEL_KEYS.includes(h));
  if (labelCol < 0) {
    throw new DatasetFileError(`${path}:${lines[0].number}: header has no label column (${LABEL_KEYS.join(', ')})`);
  }
  const cols = FEATURE_NAMES.map((name) => {
    const c = header.indexOf(name);
    if (c < 0) {
      throw new DatasetFileError(`${path}:${lines[0].number}: header lacks feature ${name}`);
    }
    return c;
  });
  return lines.slice(1).map((line) => {
    const where = `${path}:${line.number}`;
    const cells = line.text.split(',');
    if (cells.length !== header.length) {
      throw new DatasetFileError(`${where}: ${cells.length} cells, header has ${header.length}`);
    }
    const features = cols.map((c, j) => finiteNumber(cells[c], `${where} feature ${FEATURE_NAMES[j]}`));
    return [features, parseLabel(cells[labelCol].trim(), where)];
  });
}
