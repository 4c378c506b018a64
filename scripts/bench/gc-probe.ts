/**
 * What stalls the event loop at a fixed rate: boots the built service with the image's NODE_OPTIONS
 * plus --trace-gc, drives it open-loop at --rate req/s for --duration s, and prints the latency
 * percentiles next to the garbage collector's pauses (count, total, p50/max) over the same run.
 *
 *   npx ts-node -r tsconfig-paths/register --transpile-only scripts/bench/gc-probe.ts [--rate 1000] [--duration 10]
 *     [--connections 50] [--node-args "--single-threaded-gc"] [--nvp] [--bare | --bare-express] [--env KEY=VALUE]...
 *
 * --node-args adds V8 flags to the service's command line; --nvp prints what each scavenge copied
 * and promoted (--trace-gc-nvp), which says whether a pause is survivors or scheduling.
 */
import {
  argNumber,
  argValue,
  envFlags,
  freshDatabase,
  hasFlag,
  imageNodeOptions,
  log,
  percentile,
  requestBodies,
  runPaced,
  startBareServer,
  startService,
} from './harness';

async function main(): Promise<void> {
  const rate = argNumber('rate', 1000);
  const durationS = argNumber('duration', 10);
  const connections = argNumber('connections', 50);
  const bodies = requestBodies(500, 1, 'gc');
  const db = await freshDatabase('benchgc');
  const gcArgs = [
    hasFlag('nvp') ? '--trace-gc-nvp' : '--trace-gc',
    ...(argValue('node-args') ?? '').split(' ').filter(Boolean),
  ];
  // --bare: the bare node:http server instead, with the same young-generation setting as the image.
  // --bare-express: the same bare handler behind Express 5 and express.json().
  const service =
    hasFlag('bare') || hasFlag('bare-express')
      ? await startBareServer(
          [...imageNodeOptions().split(' ').filter(Boolean), ...gcArgs],
          hasFlag('bare-express') ? ['--express'] : [],
        )
      : await startService({
          databaseUrl: db.url,
          env: {
            ML_CACHE_ENABLED: 'false',
            PREDICTION_LOG_ENABLED: 'true',
            ...envFlags('--env'),
          },
          // With the image's NODE_OPTIONS, which startService sets (--trace-gc is not allowed there).
          nodeArgs: gcArgs,
        });
  try {
    await runPaced({ url: service.url, bodies, rate, durationS: 3, connections });
    const mark = service.output.length;
    const r = await runPaced({ url: service.url, bodies, rate, durationS, connections });
    const gcLines = service.output.slice(mark).join('').split('\n');
    if (hasFlag('nvp')) {
      logScavengeDetail(gcLines);
    }
    const pauses = (kind: string): number[] =>
      gcLines
        .filter((l) => l.includes(kind))
        .map((l) => Number(/MB, ([\d.]+) \/ [\d.]+ ms/.exec(l)?.[1]))
        .filter((x) => Number.isFinite(x))
        .sort((a, b) => a - b);
    log(`${rate} req/s for ${durationS} s: p50 ${r.p50.toFixed(2)} p95 ${r.p95.toFixed(2)} p99 ${r.p99.toFixed(2)} ms`);
    for (const kind of ['Scavenge', 'Mark-Compact', 'Mark-sweep']) {
      const p = pauses(kind);
      if (p.length > 0) {
        const total = p.reduce((s, x) => s + x, 0);
        log(
          `${kind}: ${p.length} pauses, ${total.toFixed(0)} ms in all (${((100 * total) / (durationS * 1000)).toFixed(1)}% of the run), ` +
            `p50 ${percentile(p, 0.5).toFixed(2)} ms, max ${p[p.length - 1].toFixed(2)} ms`,
        );
      }
    }
  } finally {
    await service.stop();
    await db.drop();
  }
}

/** Medians over the run's scavenges of the --trace-gc-nvp fields that explain a pause. */
function logScavengeDetail(lines: string[]): void {
  const scavenges = lines.filter((l) => l.includes('gc=s '));
  const field = (name: string): number[] =>
    scavenges
      .map((l) => Number(new RegExp(`\\b${name}=([\\d.]+)`).exec(l)?.[1]))
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
  const median = (name: string): string => {
    const v = field(name);
    return v.length ? `${name} p50 ${percentile(v, 0.5)} max ${v[v.length - 1]}` : `${name} n/a`;
  };
  log(
    `scavenges (nvp): ${scavenges.length}; ` +
      [
        'pause',
        'scavenge.roots',
        'scavenge.parallel',
        'promoted',
        'new_space_survived',
        'promotion_ratio',
        'average_survival_ratio',
        'fast_promote',
      ]
        .map(median)
        .join('; '),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
