import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { makeModelDir } from './support/model-fixture';
import { patterns, sleep } from './support/patterns';
import { freePort, ServiceProcess, spawnService } from './support/service-process';
import { createTestDatabase, TestDatabase } from './support/test-database';

/** SOAK_SECONDS=600 for the full soak (`npm run soak`); CI runs 60 s. */
const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
/** One-minute windows for the full soak (the plan's "first minute"); five for a short run. */
const WINDOWS = SECONDS >= 300 ? Math.floor(SECONDS / 60) : 5;
const TOKEN = 'soak-test-token-00000000';
const STRICT = process.env.SOAK_STRICT === '1';
const admin = { Authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

function p95(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(0.95 * s.length) - 1)] ?? NaN;
}

/**
 * Keep-alive node:http client: fetch (undici) costs the test process so much CPU per request that the
 * client, not the service, set the "saturation" (~250 req/s against the service's ~1,400).
 */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
/** Transport errors by code, for the summary. */
const transportErrors: Record<string, number> = {};
function post(url: string, body: string): Promise<number> {
  return new Promise((done) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
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

/** RSS and the service's own cumulative latency histogram of 200-answered scoring requests (le → count). */
async function sample(url: string): Promise<{ rss: number; buckets: Map<number, number> }> {
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
  return { rss: Number(/^process_resident_memory_bytes (\S+)$/m.exec(text)?.[1]), buckets };
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
      const bodies = items.map((p) => JSON.stringify(p));
      let seq = 0;
      const send = async (): Promise<{ status: number; ms: number; id: string }> => {
        const i = seq++;
        const id = `soak-${i}`;
        const body = bodies[i % bodies.length].replace(/"pattern_id":"[^"]*"/, `"pattern_id":"${id}"`);
        const t0 = performance.now();
        const status = await post(`${svc.url}/api/ml/confidence`, body);
        return { status, ms: performance.now() - t0, id };
      };

      // Saturation: a closed loop of 32 clients for 4 s (after 2 s of warm-up).
      const warmUntil = Date.now() + 2000;
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (Date.now() < warmUntil) {
            await send();
          }
        }),
      );
      let done = 0;
      const until = Date.now() + 4000;
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (Date.now() < until) {
            await send();
            done++;
          }
        }),
      );
      const saturation = done / 4;
      const rate = 0.7 * saturation;
      await fetch(`${svc.url}/api/ml/baseline`, { method: 'POST', headers: admin, body: '{"source": "training"}' });

      const windowMs = (SECONDS * 1000) / WINDOWS;
      const latencies: number[][] = Array.from({ length: WINDOWS }, () => []);
      const accepted: string[] = [];
      const statuses: Record<number, number> = {};
      const memory: number[] = [];
      const histograms: Array<Map<number, number>> = [];
      const started = Date.now();
      const inflight = new Set<Promise<void>>();
      let nextDrift = started + 60_000;
      let outcomesPosted = 0;
      for (let tick = 0; Date.now() - started < SECONDS * 1000; tick++) {
        // Open loop: the schedule, not the answers, decides when requests go.
        const due = Math.floor(((Date.now() - started) / 1000) * rate) - tick;
        for (let k = 0; k <= due; k++, tick++) {
          const w = Math.min(WINDOWS - 1, Math.floor((Date.now() - started) / windowMs));
          const p = send().then((r) => {
            statuses[r.status] = (statuses[r.status] ?? 0) + 1;
            if (r.status === 200) {
              accepted.push(r.id);
              latencies[w].push(r.ms);
            }
          });
          inflight.add(p);
          void p.finally(() => inflight.delete(p));
        }
        if (Date.now() >= nextDrift || (SECONDS < 120 && memory.length === 2)) {
          nextDrift += 60_000;
          void fetch(`${svc.url}/api/ml/drift/run`, { method: 'POST', headers: admin, body: '{}' });
        }
        if (accepted.length - outcomesPosted > 200) {
          const ids = accepted.slice(outcomesPosted, outcomesPosted + 200);
          outcomesPosted += 200;
          void fetch(`${svc.url}/api/ml/outcomes`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              outcomes: ids.map((id, j) => ({
                pattern_id: id,
                outcome: j % 2 ? 'success' : 'failure',
                resolved_at: new Date().toISOString(),
              })),
            }),
          });
        }
        if (memory.length < Math.floor((Date.now() - started) / windowMs) + 1) {
          const now = await sample(svc.url);
          memory.push(now.rss);
          histograms.push(now.buckets);
        }
        await sleep(10);
      }
      await Promise.all([...inflight]);
      const last = await sample(svc.url);
      memory.push(last.rss);
      histograms.push(last.buckets);

      const windowP95 = latencies.map(p95);
      // Growth = where RSS ends versus where it stood after the warm-up window (peaks come and go with GC).
      const growthMb = (memory[memory.length - 1] - memory[1]) / 1e6;
      const summary = {
        saturation_rps: Math.round(saturation),
        rate_rps: Math.round(rate),
        requests: accepted.length,
        window_p95_ms: windowP95.map((v) => Number(v.toFixed(2))),
        // The service's own view: handling time from its http_request_duration_seconds (bucket bounds).
        server_window_p95_ms: histograms.slice(1).map((h, i) => serverP95(histograms[i], h)),
        rss_mb: memory.map((m) => Math.round(m / 1e6)),
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
        const { rows } = await client.query<{ n: number }>(
          `SELECT count(DISTINCT pattern_id)::int AS n FROM ml_predictions WHERE pattern_id LIKE 'soak-%'`,
        );
        // Every request answered 200 (saturation probe included) is in the log.
        expect(rows[0].n).toBeGreaterThanOrEqual(accepted.length);
        const missing = await client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM unnest($1::text[]) AS a(id) WHERE NOT EXISTS (SELECT 1 FROM ml_predictions p WHERE p.pattern_id = a.id)`,
          [accepted],
        );
        expect(missing.rows[0].n).toBe(0);
      } finally {
        await client.end();
      }
    },
    (SECONDS + 180) * 1000,
  );
});
