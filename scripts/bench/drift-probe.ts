/**
 * Times the drift job's two data paths on a seeded database, inside a Nest application context
 * built from the service's own AppModule (the same classes the service runs):
 *  - the raw-log backfill (HistogramWindowRepository.backfill) rebuilding the window's per-minute
 *    histograms from ml_predictions, with the Node heap sampled every 20 ms while it runs;
 *  - the histogram path: HistogramWindowRepository.sum, and the whole DriftService.run (sum +
 *    statistics + alerts + report) against an active training baseline.
 * Prints one JSON object on stdout. Used by scripts/bench/run.ts; run with --expose-gc.
 *
 * Env: DATABASE_URL. Args: --from ISO --to ISO [--runs 3]
 */
import { NestFactory } from '@nestjs/core';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '@app/config';
import { AppModule } from '@app/ml-service/app.module';
import { BaselineService } from '@app/ml-service/baseline/baseline.service';
import { DriftService } from '@app/ml-service/drift/drift.service';
import { FeatureHistogramService } from '@app/ml-service/monitoring/feature-histogram.service';
import { HistogramWindowRepository } from '@app/ml-service/monitoring/histogram-window.repository';
import { OutcomesService } from '@app/ml-service/outcomes/outcomes.service';
import { DataSource } from 'typeorm';
import { argNumber, argValue, median } from './harness';

const gc = (): void => (global as { gc?: () => void }).gc?.();

async function main(): Promise<void> {
  const from = new Date(argValue('from')!);
  const to = new Date(argValue('to')!);
  const runs = argNumber('runs', 3);
  const config = loadConfig(process.env, {
    ENABLE_PHASE5_ML: true,
    DRIFT_SCHEDULE_ENABLED: false,
    LOG_LEVEL: 'error',
    PREDICTION_LOG_ENABLED: false,
  });
  const app = await NestFactory.createApplicationContext(AppModule.forConfig(config), { logger: false });
  await app.init();
  try {
    const db = app.get(DataSource);
    const windows = app.get(HistogramWindowRepository);
    const binning = app.get(FeatureHistogramService).currentBinning();
    if (!binning) {
      throw new Error('the serving model has no histogram binning');
    }
    const [{ n: predictions }] = await db.query<Array<{ n: string }>>(
      'SELECT count(*) AS n FROM ml_predictions WHERE created_at >= $1 AND created_at < $2',
      [from.toISOString(), to.toISOString()],
    );

    // Backfill: rebuild every minute of the window from the raw log (its rows first removed).
    const backfillRuns: Array<{ seconds: number; heapGrowthMb: number; rssGrowthMb: number; binned: number }> = [];
    // A backfill of a large window takes minutes: time it once there.
    const backfillRounds = Number(predictions) >= 500_000 ? 1 : Math.min(runs, 2);
    for (let r = 0; r < backfillRounds; r++) {
      await db.query('DELETE FROM ml_feature_histograms WHERE minute >= $1 AND minute < $2', [
        from.toISOString(),
        to.toISOString(),
      ]);
      await db.query('VACUUM ANALYZE ml_feature_histograms');
      gc();
      const heap0 = process.memoryUsage().heapUsed;
      const rss0 = process.memoryUsage().rss;
      let heapPeak = heap0;
      let rssPeak = rss0;
      const sampler = setInterval(() => {
        const m = process.memoryUsage();
        heapPeak = Math.max(heapPeak, m.heapUsed);
        rssPeak = Math.max(rssPeak, m.rss);
      }, 20);
      const t0 = performance.now();
      const binned = await windows.backfill(binning, from, to);
      const seconds = (performance.now() - t0) / 1000;
      clearInterval(sampler);
      const m = process.memoryUsage();
      heapPeak = Math.max(heapPeak, m.heapUsed);
      rssPeak = Math.max(rssPeak, m.rss);
      backfillRuns.push({
        seconds,
        heapGrowthMb: (heapPeak - heap0) / 2 ** 20,
        rssGrowthMb: (rssPeak - rss0) / 2 ** 20,
        binned,
      });
    }
    const [{ rows: histogramRows }] = await db.query<Array<{ rows: string }>>(
      'SELECT count(*) AS rows FROM ml_feature_histograms WHERE minute >= $1 AND minute < $2',
      [from.toISOString(), to.toISOString()],
    );
    await db.query('VACUUM ANALYZE ml_feature_histograms');

    // Histogram path: the baseline is the serving model's, so DriftService.run sums histograms only.
    await app.get(BaselineService).create({ source: 'training' } as never);
    const sumSeconds: number[] = [];
    const runSeconds: number[] = [];
    const performanceSeconds: number[] = [];
    let labelled = 0;
    let report: { status: string; sample_size: number; duration_ms: number } | null = null;
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      const sums = await windows.sum(binning.modelVersion, from, to);
      sumSeconds.push((performance.now() - t0) / 1000);
      if (sums.size === 0) {
        throw new Error('histogram sum found no rows');
      }
      const t2 = performance.now();
      labelled = (await app.get(OutcomesService).performance(from, to)).overall.labelled;
      performanceSeconds.push((performance.now() - t2) / 1000);
      const t1 = performance.now();
      const saved = await app.get(DriftService).run('manual', { from, to });
      runSeconds.push((performance.now() - t1) / 1000);
      report = { status: saved.status, sample_size: saved.sample_size, duration_ms: saved.duration_ms };
    }
    process.stdout.write(
      `${JSON.stringify({
        predictions: Number(predictions),
        histogramRows: Number(histogramRows),
        backfill: {
          seconds: median(backfillRuns.map((b) => b.seconds)),
          heapGrowthMb: Math.max(...backfillRuns.map((b) => b.heapGrowthMb)),
          rssGrowthMb: Math.max(...backfillRuns.map((b) => b.rssGrowthMb)),
          binned: backfillRuns[0].binned,
          runs: backfillRuns,
        },
        histogramSumSeconds: median(sumSeconds),
        performanceSeconds: median(performanceSeconds),
        labelled,
        driftRunSeconds: median(runSeconds),
        driftRuns: runSeconds,
        report,
      })}\n`,
    );
  } finally {
    await app.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`drift probe failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
