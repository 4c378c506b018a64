/** The few counters the live chart needs, summed over the labels that do not matter here. */
export interface CounterSample {
  /** Seconds since the epoch, taken when the answer arrived. */
  at: number;
  predictions: number;
  fallbacks: Record<string, number>;
  cacheHits: number;
  cacheLookups: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function labelsOf(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw) {
    for (const m of raw.matchAll(LABEL)) {
      out[m[1]] = m[2];
    }
  }
  return out;
}

/** Reads ml_predictions_total, ml_fallback_total{reason} and ml_cache_requests_total{result} from Prometheus text. */
export function parseCounters(text: string, at: number): CounterSample {
  const sample: CounterSample = { at, predictions: 0, fallbacks: {}, cacheHits: 0, cacheLookups: 0 };
  for (const line of text.split('\n')) {
    if (!line.startsWith('ml_')) {
      continue;
    }
    const m = LINE.exec(line);
    if (!m) {
      continue;
    }
    const value = Number(m[3]);
    if (!Number.isFinite(value)) {
      continue;
    }
    switch (m[1]) {
      case 'ml_predictions_total':
        sample.predictions += value;
        break;
      case 'ml_fallback_total': {
        const reason = labelsOf(m[2]).reason ?? 'unknown';
        sample.fallbacks[reason] = (sample.fallbacks[reason] ?? 0) + value;
        break;
      }
      case 'ml_cache_requests_total': {
        const result = labelsOf(m[2]).result;
        sample.cacheLookups += value;
        if (result === 'hit') {
          sample.cacheHits += value;
        }
        break;
      }
      default:
        break;
    }
  }
  return sample;
}

/** Per-second rates between two samples; null when a counter went backwards (restart or another instance). */
export function ratesBetween(
  prev: CounterSample,
  next: CounterSample,
  reasons: readonly string[],
): { requests: number; fallbacks: number[] } | null {
  const dt = next.at - prev.at;
  if (!(dt > 0) || next.predictions < prev.predictions) {
    return null;
  }
  const fallbacks: number[] = [];
  for (const r of reasons) {
    const d = (next.fallbacks[r] ?? 0) - (prev.fallbacks[r] ?? 0);
    if (d < 0) {
      return null;
    }
    fallbacks.push(d / dt);
  }
  return { requests: (next.predictions - prev.predictions) / dt, fallbacks };
}
