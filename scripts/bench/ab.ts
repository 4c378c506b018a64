/**
 * Saturation A/B for optimisation work, the inner loop of `npm run bench`: the bare server, service A
 * and, with `--b-env`, service B (same build, other environment) take turns for --rounds rounds of
 * --duration seconds (cache off, prediction logging on, 50 connections). Prints each run's req/s and
 * the server's CPU per request, then the medians of the paired ratios: neighbouring runs share the
 * machine's background load, so ratios are steadier than raw throughput on a busy machine.
 *
 *   npx ts-node -r tsconfig-paths/register --transpile-only scripts/bench/ab.ts \
 *     [--env KEY=VALUE]... [--b-env KEY=VALUE]... [--rounds 3] [--duration 6] [--profile DIR] [--rate R] [--batch] [--candles 200]
 *
 * BENCH_BUILD_DIR picks the service build (default .tmp/perf-build; build it first, e.g. `npm run bench
 * -- --only micro --build`). `--profile DIR` writes CPU profiles of every server there; `--rate R` runs
 * an open-loop client at R req/s instead of saturating (latency from the scheduled send time).
 * `--batch` saturates /api/ml/confidence/batch with bodies of 100 items over 4 connections (as
 * `npm run bench` does) and reports predictions/s and CPU per prediction instead, with the bare
 * server's batch route on one process and on two (`--workers 2`). `--candles N`: bars per request (60..1000).
 */
import { readdirSync, readFileSync } from 'node:fs';
import {
  argNumber,
  batchBodies,
  argValue,
  cpuSeconds,
  Database,
  envFlags,
  freshDatabase,
  log,
  median,
  requestBodies,
  runAutocannon,
  runPaced,
  Service,
  sleep,
  startBareServer,
  startService,
} from './harness';

interface Contender {
  name: string;
  server: Service;
  db?: Database;
  rps: number[];
  cpuMs: number[];
  /** PostgreSQL CPU per prediction (µs), all its processes. */
  pgUs: number[];
  p95: number[];
}

async function startContender(name: string, env: Record<string, string>, profileDir?: string): Promise<Contender> {
  const db = await freshDatabase('benchab');
  const server = await startService({
    databaseUrl: db.url,
    env: { ML_CACHE_ENABLED: 'false', PREDICTION_LOG_ENABLED: 'true', INSTANCE_ID: `bench-ab-${name}`, ...env },
    nodeArgs: profileDir ? ['--cpu-prof', '--cpu-prof-dir', `${profileDir}/${name}`] : [],
  });
  return { name, server, db, rps: [], cpuMs: [], pgUs: [], p95: [] };
}

/** What a turn sends: single requests over 50 connections, or batches of 100 over 4 (`--batch`). */
interface Load {
  path: string;
  bodies: string[];
  connections: number;
  /** Predictions per request. */
  items: number;
}

/** CPU seconds of every PostgreSQL process (the prediction log's inserts land there). */
function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (/^\d+$/.test(entry)) {
      try {
        if (readFileSync(`/proc/${entry}/comm`, 'utf8').startsWith('postgres')) {
          total += cpuSeconds(Number(entry));
        }
      } catch {
        // the process ended between readdir and read
      }
    }
  }
  return total;
}

async function turn(c: Contender, load: Load, durationS: number, rate?: number): Promise<void> {
  const cpu0 = cpuSeconds(c.server.pid);
  const pg0 = postgresCpuSeconds();
  const { path, bodies, connections } = load;
  const r = rate
    ? await runPaced({ url: c.server.url, path, bodies, rate, durationS, connections })
    : await runAutocannon({ url: c.server.url, path, bodies, connections, durationS });
  c.p95.push(r.p95);
  const cpu = cpuSeconds(c.server.pid) - cpu0;
  c.pgUs.push(((postgresCpuSeconds() - pg0) * 1e6) / (r.requests * load.items));
  c.rps.push(r.rps * load.items);
  c.cpuMs.push((cpu * 1000) / (r.requests * load.items));
}

function loadOf(batch: boolean, candles: number): Load {
  const bodies = requestBodies(500, 1, 'ab', candles);
  if (!batch) {
    return { path: '/api/ml/confidence', bodies, connections: 50, items: 1 };
  }
  return { path: '/api/ml/confidence/batch', bodies: batchBodies(bodies), connections: 4, items: 100 };
}

async function main(): Promise<void> {
  const rounds = argNumber('rounds', 3);
  const durationS = argNumber('duration', 6);
  const profileDir = argValue('profile');
  const rate = argValue('rate') ? Number(argValue('rate')) : undefined;
  const batch = process.argv.includes('--batch');
  const load = loadOf(batch, argNumber('candles', 200));
  const unit = batch ? 'pred' : 'req';
  const contenders: Contender[] = [await startContender('A', envFlags('--env'), profileDir)];
  if (process.argv.includes('--b-env')) {
    contenders.push(await startContender('B', envFlags('--b-env'), profileDir));
  }
  const profileArgs = (name: string): string[] =>
    profileDir ? ['--cpu-prof', '--cpu-prof-dir', `${profileDir}/${name}`] : [];
  if (batch) {
    // Both cores serving, no bookkeeping: the machine's ceiling for this work (CPU column: the primary only).
    const ceiling = await startBareServer(profileArgs('bare2'), ['--workers', '2']);
    contenders.push({ name: 'bare×2', server: ceiling, rps: [], cpuMs: [], pgUs: [], p95: [] });
  }
  const bare = await startBareServer(profileArgs('bare'));
  contenders.push({ name: 'bare', server: bare, rps: [], cpuMs: [], pgUs: [], p95: [] });
  try {
    for (const c of contenders) {
      await runAutocannon({
        url: c.server.url,
        path: load.path,
        bodies: load.bodies,
        connections: load.connections,
        durationS: 3,
      });
    }
    for (let i = 1; i <= rounds; i++) {
      // Rotate the order so no contender always follows the same neighbour.
      for (let k = 0; k < contenders.length; k++) {
        const c = contenders[(k + i) % contenders.length];
        await turn(c, load, durationS, rate);
        await sleep(2000);
      }
      log(
        `round ${i}: ` +
          contenders
            .map(
              (c) =>
                `${c.name} ${c.rps[i - 1].toFixed(0)} ${unit}/s ${(c.cpuMs[i - 1] * 1000).toFixed(1)} µs CPU/${unit} ` +
                `(PostgreSQL ${c.pgUs[i - 1].toFixed(1)} µs) p95 ${c.p95[i - 1].toFixed(1)} ms`,
            )
            .join(' · '),
      );
    }
    const reference = contenders[contenders.length - 1];
    for (const c of contenders.slice(0, -1)) {
      const ratios = c.rps.map((r, i) => r / reference.rps[i]);
      log(
        `${c.name}: median ${median(c.rps).toFixed(0)} ${unit}/s, ${(median(c.cpuMs) * 1000).toFixed(1)} µs CPU/${unit}, ` +
          `ratio to ${reference.name} ${median(ratios).toFixed(2)} (${ratios.map((r) => r.toFixed(2)).join(' / ')}), p95 ${median(c.p95).toFixed(1)} ms`,
      );
    }
    log(
      `${reference.name}: median ${median(reference.rps).toFixed(0)} ${unit}/s, ${(median(reference.cpuMs) * 1000).toFixed(1)} µs CPU/${unit}, ` +
        `PostgreSQL ${median(reference.pgUs).toFixed(1)} µs/${unit}`,
    );
  } finally {
    for (const c of contenders) {
      await c.server.stop();
      await c.db?.drop();
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
