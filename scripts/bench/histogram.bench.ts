/**
 * Per-request histogram bookkeeping (DESIGN §9) on the champion's card edges: HistogramBinning.add
 * alone (53 binary searches), and FeatureHistogramService.record, the call the request path makes
 * (minute bucket lookup + add). Median of rounds, in µs per request.
 * Run: npx ts-node -r tsconfig-paths/register --transpile-only scripts/bench/histogram.bench.ts
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Counter } from 'prom-client';
import type { AppConfig } from '@app/config';
import { buildFeatures, validatePatternInput } from '@app/features';
import { generatePatterns } from '@app/simulation';
import type { ModelRegistry } from '@app/ml-service/inference/model-registry.service';
import type { FeatureHistogramRepository } from '@app/ml-service/monitoring/feature-histogram.repository';
import { FeatureHistogramService } from '@app/ml-service/monitoring/feature-histogram.service';
import { HistogramBinning } from '@app/ml-service/monitoring/histogram-binning';
import { ROOT, timeUs } from './harness';

export interface HistogramBenchResult {
  addUs: number;
  recordUs: number;
  series: number;
  edgesPerSeries: number;
}

export function histogramBench(rounds = 7, perRound = 200_000): HistogramBenchResult {
  const card = JSON.parse(readFileSync(resolve(ROOT, 'models/phase5/champion/model_card.json'), 'utf8')) as Parameters<
    typeof HistogramBinning.fromCard
  >[0];
  const binning = HistogramBinning.fromCard(card);
  if (!binning) {
    throw new Error('champion card has no feature statistics');
  }
  // Real feature vectors of simulated requests (the simulation's distribution, as served).
  const vectors = generatePatterns(4242, 512).map((p) =>
    buildFeatures(validatePatternInput(JSON.parse(JSON.stringify(p.input))).value!),
  );
  const confidences = vectors.map((_, i) => (i % 10 === 0 ? null : (i * 0.6180339887) % 1));
  const counts = new Uint32Array(binning.length);

  const registry = { current: { card } } as unknown as ModelRegistry;
  const clock = { now: () => 1_800_000_000_000 };
  const service = new FeatureHistogramService(
    { INSTANCE_ID: 'bench' } as AppConfig,
    clock,
    registry,
    { upsert: () => Promise.resolve() } as unknown as FeatureHistogramRepository,
    { inc: () => undefined } as unknown as Counter,
  );

  const time = (fn: (i: number) => void): number => timeUs(fn, perRound, rounds, 50_000);
  const addUs = time((i) => binning.add(counts, vectors[i & 511], confidences[i & 511]));
  const recordUs = time((i) =>
    service.record(i & 7 ? 'ml' : 'control', vectors[i & 511], confidences[i & 511], 1_800_000_000_000),
  );
  return {
    addUs,
    recordUs,
    series: binning.names.length,
    edgesPerSeries: Math.round(binning.edges.reduce((a, e) => a + e.length, 0) / binning.edges.length),
  };
}

if (require.main === module) {
  const r = histogramBench();
  process.stdout.write(
    `HistogramBinning.add: ${r.addUs.toFixed(2)} µs/request; FeatureHistogramService.record: ${r.recordUs.toFixed(2)} µs/request ` +
      `(${r.series} series, ~${r.edgesPerSeries} edges each)\n`,
  );
}
