import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { makeModelDir } from './support/model-fixture';
import { patterns, sleep } from './support/patterns';
import { commandCpuSeconds, processCpuSeconds, processRssBytes } from './support/proc-stat';
import { freePort, ServiceProcess, spawnService } from './support/service-process';
import { createTestDatabase, TestDatabase } from './support/test-database';

/** SOAK_SECONDS=600 for the full soak (`npm run soak`); CI runs 60 s. */
const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
/** One-minute windows for the full soak (the plan's "first minute"); five for a short run. */
const WINDOWS = SECONDS >= 300 ? Math.floor(SECONDS / 60) : 5;
const TOKEN = 'soak-test-token-00000000';
const STRICT = process.env.SOAK_STRICT === '1';
const admin = { Authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(q * s.length) - 1)] ?? NaN;
}

/**
 * Keep-alive node:http client: fetch (undici) costs the test process so much CPU per request that the
 * client, not the service, set the "saturation" (~250 req/s against the service's ~1,400).
 */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
/** Transport errors by code, for the summary. */
const transportErrors: Record<string, number> = {};
function post(url: string, body: Buffer): Promise<number> {
  return new Promise((done) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      },
      (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode ?? 0));
      },
    );
    // A transport error counts as status 0, which fails the "every answer is 200" check.
    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? err.message;
      transportErrors[code] = (transportErrors[code] ?? 0) + 1;
      done(0);
    });
    req.end(body);
  });
}

/** The image's NODE_OPTIONS (Dockerfile), so the soak runs the service with the production GC setting. */
const IMAGE_NODE_OPTIONS = /NODE_OPTIONS="([^"]*)"/.exec(
  readFileSync(resolve(__dirname, '../Dockerfile'), 'utf8'),
)?.[1];

interface Sample {
  /** The service's cumulative latency histogram of 200-answered scoring requests (le → count). */
  buckets: Map<number, number>;
  /** Longest event-loop delay since the previous scrape (prom-client resets its monitor on each). */
  loopMaxMs: number;
}

/** Latency buckets and event-loop delay from the service's /metrics. */
async function sample(url: string): Promise<Sample> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const buckets = new Map<number, number>();
  for (const line of text.split('\n')) {
    if (
      line.startsWith('http_request_duration_seconds_bucket{') &&
      line.includes('route="/api/ml/confidence"') &&
      line.includes('method="POST"') &&
      line.includes('status_code="200"')
    ) {
      const le = /le="([^"]+)"/.exec(line)?.[1];
      buckets.set(le === '+Inf' ? Infinity : Number(le), Number(line.split(' ').pop()));
    }
  }
  return {
    buckets,
    loopMaxMs: 1000 * Number(/^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text)?.[1]),
  };
}

/**
 * p95 (ms, as the upper bound of its bucket) of the requests the service answered between two samples:
 * the service's view, without the client's queueing and its own pauses.
 */
function serverP95(before: Map<number, number>, after: Map<number, number>): number {
  const les = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  const le = les.find((b) => (after.get(b) ?? 0) - (before.get(b) ?? 0) >= 0.95 * total);
  return total > 0 && le !== undefined ? le * 1000 : NaN;
}

/**
 * Soak: 70% of saturation for SOAK_SECONDS with the drift job every minute and outcomes arriving.
 * p95 of the later half of the windows within 1.5× the first window's (5 ms slack for timer noise), RSS growth
 * after warm-up < 50 MB, zero 5xx, and every accepted prediction in ml_predictions at the end.
 */
describe(`soak (${SECONDS} s)`, () => {
  let db: TestDatabase;
  let svc: ServiceProcess;

  beforeAll(async () => {
    db = await createTestDatabase('soak');
    svc = await spawnService({
      DATABASE_URL: db.url,
      PORT: String(await freePort()),
      ENABLE_PHASE5_ML: 'true',
      ML_MODEL_DIR: makeModelDir('rf'),
      ML_ADMIN_TOKEN: TOKEN,
      ADMIN_RATE_LIMIT_PER_MINUTE: '1000',
      DRIFT_SCHEDULE_ENABLED: 'false',
      DRIFT_MIN_SAMPLES: '100',
      ML_CACHE_ENABLED: 'false',
      NODE_OPTIONS: IMAGE_NODE_OPTIONS ?? '',
    });
  }, 120_000);
  afterAll(async () => {
    await svc?.stop();
    agent.destroy();
    await db?.drop();
  });

  it(
    'holds latency, memory, errors and the prediction log steady',
    async () => {
      const items = patterns(500, 161, 'soak');
      // Each body as the bytes before and after its pattern id: a request costs the client one copy of
      // ~15 kB outside the JS heap instead of a string rewrite, so the client's own CPU and garbage
      // collector stay out of the latencies it measures.
      const bodies = items.map((p) => {
        const [before, after] = JSON.stringify({ ...p, pattern_id: '\u0000' }).split('\\u0000');
        return [Buffer.from(before), Buffer.from(after)] as const;
      });
      // Pattern ids are `soak-<n>` for n < sent: nothing per request is kept but a window's latencies.
      let sent = 0;
      let accepted = 0;
      const send = async (): Promise<{ status: number; ms: number; id: string }> => {
        const i = sent++;
        const id = `soak-${i}`;
        const [before, after] = bodies[i % bodies.length];
        const body = Buffer.concat([before, Buffer.from(id), after]);
        const t0 = performance.now();
        const status = await post(`${svc.url}/api/ml/confidence`, body);
        if (status === 200) {
          accepted++;
        }
        return { status, ms: performance.now() - t0, id };
      };

      // Saturation: a closed loop of 32 clients for 8 s, after 10 s of the same to warm the JIT up (a
      // shorter warm-up measured anywhere from 460 to 980 req/s on the same build).
      const closedLoop = async (ms: number): Promise<number> => {
        let answered = 0;
        const until = Date.now() + ms;
        await Promise.all(
          Array.from({ length: 32 }, async () => {
            while (Date.now() < until) {
              await send();
              answered++;
            }
          }),
        );
        return answered;
      };
      await closedLoop(10_000);
      const saturation = (await closedLoop(8_000)) / 8;
      const rate = 0.7 * saturation;
      await fetch(`${svc.url}/api/ml/baseline`, { method: 'POST', headers: admin, body: '{"source": "training"}' });

      const windowMs = (SECONDS * 1000) / WINDOWS;
      const latencies: number[][] = Array.from({ length: WINDOWS }, () => []);
      const statuses: Record<number, number> = {};
      // The service's RSS once a second, by window: a window's median is where memory stood, whatever
      // a GC or an allocation burst did at one instant.
      const rss: number[][] = Array.from({ length: WINDOWS }, () => []);
      let nextRss = 0;
      // samples[w]: the service's /metrics and the CPU counters at the start of window w (and at the end).
      const samples: Array<
        Sample & { serviceCpu: number; postgresCpu: number; clientCpu: number; clientHeap: number }
      > = [];
      const takeSample = async () => {
        const cpu = { serviceCpu: processCpuSeconds(svc.child.pid ?? 0), postgresCpu: commandCpuSeconds('postgres') };
        const clientCpu = process.cpuUsage();
        samples.push({
          ...(await sample(svc.url)),
          ...cpu,
          clientCpu: (clientCpu.user + clientCpu.system) / 1e6,
          clientHeap: process.memoryUsage().heapUsed,
        });
      };
      await takeSample();
      const started = Date.now();
      const inflight = new Set<Promise<void>>();
      const outcomeIds: string[] = [];
      let nextDrift = started + 60_000;
      let sampling: Promise<void> | undefined;
      for (let tick = 0; Date.now() - started < SECONDS * 1000; tick++) {
        // Open loop: the schedule, not the answers, decides when requests go.
        const due = Math.floor(((Date.now() - started) / 1000) * rate) - tick;
        for (let k = 0; k <= due; k++, tick++) {
          const w = Math.min(WINDOWS - 1, Math.floor((Date.now() - started) / windowMs));
          const p = send().then((r) => {
            statuses[r.status] = (statuses[r.status] ?? 0) + 1;
            if (r.status === 200) {
              latencies[w].push(r.ms);
              outcomeIds.push(r.id);
            }
          });
          inflight.add(p);
          void p.finally(() => inflight.delete(p));
        }
        if (Date.now() >= nextDrift || (SECONDS < 120 && samples.length === 3)) {
          nextDrift += 60_000;
          void fetch(`${svc.url}/api/ml/drift/run`, { method: 'POST', headers: admin, body: '{}' });
        }
        if (outcomeIds.length >= 200) {
          void fetch(`${svc.url}/api/ml/outcomes`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              outcomes: outcomeIds.splice(0, 200).map((id, j) => ({
                pattern_id: id,
                outcome: j % 2 ? 'success' : 'failure',
                resolved_at: new Date().toISOString(),
              })),
            }),
          });
        }
        if (Date.now() >= nextRss) {
          nextRss = Date.now() + 1000;
          rss[Math.min(WINDOWS - 1, Math.floor((Date.now() - started) / windowMs))].push(
            processRssBytes(svc.child.pid ?? 0),
          );
        }
        // Sampled without stopping the schedule; one at a time.
        if (!sampling && samples.length < Math.floor((Date.now() - started) / windowMs) + 1) {
          sampling = takeSample().finally(() => (sampling = undefined));
        }
        await sleep(10);
      }
      await Promise.all([...inflight]);
      await sampling;
      await takeSample();

      const windowP95 = latencies.map((w) => quantile(w, 0.95));
      const perWindow = <T>(f: (before: (typeof samples)[number], after: (typeof samples)[number]) => T): T[] =>
        samples.slice(1).map((after, i) => f(samples[i], after));
      // Growth after warm-up: the last window's median RSS against the second window's (the first is warm-up).
      const rssMedianMb = rss.map((w) => quantile(w, 0.5) / 1e6);
      const growthMb = rssMedianMb[WINDOWS - 1] - rssMedianMb[1];
      const summary = {
        saturation_rps: Math.round(saturation),
        rate_rps: Math.round(rate),
        requests: accepted,
        window_p95_ms: windowP95.map((v) => Number(v.toFixed(2))),
        // The service's own view: handling time from its http_request_duration_seconds (bucket bounds).
        server_window_p95_ms: perWindow((a, b) => serverP95(a.buckets, b.buckets)),
        // Where a client-side tail comes from: the service's event loop, its CPU, PostgreSQL's, the client's.
        server_loop_max_ms: perWindow((_, b) => Math.round(b.loopMaxMs)),
        server_cpu_pct: perWindow((a, b) => Math.round((100 * (b.serviceCpu - a.serviceCpu)) / (windowMs / 1000))),
        postgres_cpu_pct: perWindow((a, b) => Math.round((100 * (b.postgresCpu - a.postgresCpu)) / (windowMs / 1000))),
        client_cpu_pct: perWindow((a, b) => Math.round((100 * (b.clientCpu - a.clientCpu)) / (windowMs / 1000))),
        client_heap_mb: samples.map((m) => Math.round(m.clientHeap / 1e6)),
        rss_median_mb: rssMedianMb.map(Math.round),
        rss_max_mb: rss.map((w) => Math.round(Math.max(...w) / 1e6)),
        growth_after_warmup_mb: Number(growthMb.toFixed(1)),
        statuses,
        transport_errors: transportErrors,
      };
      process.stdout.write(`soak summary: ${JSON.stringify(summary)}\n`);

      expect(Object.keys(statuses)).toEqual(['200']);
      // Degradation shows in the later half of the run; single spikes (a GC, the drift run) are in the summary.
      // Asserted in the full soak (`npm run soak`, SOAK_STRICT=1); a 60 s run on a shared 2-core machine
      // cannot tell a latency trend from noise, so CI reports the windows without judging them.
      if (STRICT) {
        for (const v of windowP95.slice(Math.ceil(WINDOWS / 2))) {
          expect(v).toBeLessThanOrEqual(Math.max(1.5 * windowP95[0], windowP95[0] + 5));
        }
      }
      // A leak needs minutes to show above V8's heap growth after start-up: judged in the full soak.
      if (STRICT) {
        expect(growthMb).toBeLessThan(50);
      }

      expect(await svc.stop('SIGTERM')).toBe(0);
      const client = new Client({ connectionString: db.url });
      await client.connect();
      try {
        // Every request answered 200 (saturation probe included: all of soak-0 … soak-<sent-1>) is in the log.
        const { rows } = await client.query<{ n: number }>(
          `SELECT count(DISTINCT pattern_id)::int AS n FROM ml_predictions WHERE pattern_id LIKE 'soak-%'`,
        );
        expect(accepted).toBe(sent);
        expect(rows[0].n).toBe(accepted);
        const missing = await client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM generate_series(0, $1::int - 1) AS g(i)
            WHERE NOT EXISTS (SELECT 1 FROM ml_predictions p WHERE p.pattern_id = 'soak-' || g.i)`,
          [sent],
        );
        expect(missing.rows[0].n).toBe(0);
      } finally {
        await client.end();
      }
    },
    (SECONDS + 180) * 1000,
  );
});
