/**
 * Saturation A/B for optimisation work, the inner loop of `npm run bench`: the bare server, service A
 * and, with `--b-env`, service B (same build, other environment) take turns for --rounds rounds of
 * --duration seconds (cache off, prediction logging on, 50 connections). Prints each run's req/s and
 * the server's CPU per request, then the medians of the paired ratios: neighbouring runs share the
 * machine's background load, so ratios are steadier than raw throughput on a busy machine.
 *
 *   npx ts-node -r tsconfig-paths/register --transpile-only scripts/bench/ab.ts \
 *     [--env KEY=VALUE]... [--b-env KEY=VALUE]... [--rounds 3] [--duration 6] [--profile DIR] [--rate R]
 *
 * BENCH_BUILD_DIR picks the service build (default .tmp/perf-build; build it first, e.g. `npm run bench
 * -- --only micro --build`). `--profile DIR` writes CPU profiles of every server there; `--rate R` runs
 * an open-loop client at R req/s instead of saturating (latency from the scheduled send time).
 */
import {
  argNumber,
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
  p95: number[];
}

async function startContender(name: string, env: Record<string, string>, profileDir?: string): Promise<Contender> {
  const db = await freshDatabase('benchab');
  const server = await startService({
    databaseUrl: db.url,
    env: { ML_CACHE_ENABLED: 'false', PREDICTION_LOG_ENABLED: 'true', INSTANCE_ID: `bench-ab-${name}`, ...env },
    nodeArgs: profileDir ? ['--cpu-prof', '--cpu-prof-dir', `${profileDir}/${name}`] : [],
  });
  return { name, server, db, rps: [], cpuMs: [], p95: [] };
}

async function turn(c: Contender, bodies: string[], durationS: number, rate?: number): Promise<void> {
  const cpu0 = cpuSeconds(c.server.pid);
  const r = rate
    ? await runPaced({ url: c.server.url, bodies, rate, durationS, connections: 50 })
    : await runAutocannon({ url: c.server.url, bodies, connections: 50, durationS });
  c.p95.push(r.p95);
  const cpu = cpuSeconds(c.server.pid) - cpu0;
  c.rps.push(r.rps);
  c.cpuMs.push((cpu * 1000) / r.requests);
}

async function main(): Promise<void> {
  const rounds = argNumber('rounds', 3);
  const durationS = argNumber('duration', 6);
  const profileDir = argValue('profile');
  const rate = argValue('rate') ? Number(argValue('rate')) : undefined;
  const bodies = requestBodies(500, 1, 'ab');
  const contenders: Contender[] = [await startContender('A', envFlags('--env'), profileDir)];
  if (process.argv.includes('--b-env')) {
    contenders.push(await startContender('B', envFlags('--b-env'), profileDir));
  }
  const bare = await startBareServer(profileDir ? ['--cpu-prof', '--cpu-prof-dir', `${profileDir}/bare`] : []);
  contenders.push({ name: 'bare', server: bare, rps: [], cpuMs: [], p95: [] });
  try {
    for (const c of contenders) {
      await runAutocannon({ url: c.server.url, bodies, connections: 50, durationS: 3 });
    }
    for (let i = 1; i <= rounds; i++) {
      // Rotate the order so no contender always follows the same neighbour.
      for (let k = 0; k < contenders.length; k++) {
        const c = contenders[(k + i) % contenders.length];
        await turn(c, bodies, durationS, rate);
        await sleep(2000);
      }
      log(
        `round ${i}: ` +
          contenders
            .map(
              (c) =>
                `${c.name} ${c.rps[i - 1].toFixed(0)} req/s ${c.cpuMs[i - 1].toFixed(3)} ms CPU/req p95 ${c.p95[i - 1].toFixed(1)} ms`,
            )
            .join(' · '),
      );
    }
    const bareRps = contenders[contenders.length - 1].rps;
    for (const c of contenders.slice(0, -1)) {
      const ratios = c.rps.map((r, i) => r / bareRps[i]);
      log(
        `${c.name}: median ${median(c.rps).toFixed(0)} req/s, ${median(c.cpuMs).toFixed(3)} ms CPU/req, ` +
          `ratio to bare ${median(ratios).toFixed(2)} (${ratios.map((r) => r.toFixed(2)).join(' / ')}), p95 ${median(c.p95).toFixed(1)} ms`,
      );
    }
    log(
      `bare: median ${median(bareRps).toFixed(0)} req/s, ${median(contenders[contenders.length - 1].cpuMs).toFixed(3)} ms CPU/req`,
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
