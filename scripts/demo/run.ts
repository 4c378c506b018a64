/* Demo: boots the service on embedded Postgres with the shipped model, streams simulated traffic,
 * sets a baseline, posts outcomes, shifts the traffic until drift appears, runs the drift job and
 * prints what an operator would look at. `npm run demo [-- --exit] [--quick] [--port 8000]` */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawn, ChildProcess } from 'node:child_process';
import { SingleBar, Presets } from 'cli-progress';
import { generatePatterns, SimulatedPattern } from '@app/simulation';

const ROOT = resolve(__dirname, '../..');
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : def;
};
const PORT = Number(option('port', '8000'));
const QUICK = flag('quick');
const EXIT = flag('exit');
const TOKEN = 'demo-admin-token-change-me';
const URL = `http://localhost:${PORT}`;
const NORMAL = QUICK ? 600 : 2400;
const SHIFTED = QUICK ? 600 : 1800;
const RATE_PER_SECOND = QUICK ? 300 : 200;
const MIN = 60_000;

const auth = { Authorization: `Bearer ${TOKEN}`, 'X-Actor': 'demo' };

// The demo reads loosely typed JSON answers; the service's own types live in apps/ml-service.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Json }> {
  const res = await fetch(URL + path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

function startService(dataDir: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'node_modules/ts-node/dist/bin.js'),
      '--swc',
      '-r',
      'tsconfig-paths/register',
      'apps/ml-service/src/main.ts',
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: String(PORT),
        DATA_DIR: dataDir,
        DATABASE_URL: '',
        ENABLE_PHASE5_ML: 'true',
        ML_ROLLOUT_PERCENT: '100',
        ML_ADMIN_TOKEN: TOKEN,
        DRIFT_MIN_SAMPLES: '300',
        DRIFT_SCHEDULE_ENABLED: 'false',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((res, rej) => {
    let out = '';
    const onData = (b: Buffer) => {
      out += b.toString();
      if (/listening on/.test(out)) {
        res(child);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => rej(new Error(`service exited (${code}):\n${out}`)));
  });
}

/** Sends patterns in small batches at a steady rate, with a progress bar. */
async function stream(label: string, sims: SimulatedPattern[]): Promise<void> {
  const bar = new SingleBar(
    { format: ` ${label.padEnd(28)} [{bar}] {percentage}% {value}/{total} patterns`, hideCursor: true },
    Presets.shades_classic,
  );
  bar.start(sims.length, 0);
  const batch = Math.max(1, Math.round(RATE_PER_SECOND / 10));
  for (let k = 0; k < sims.length; k += batch) {
    const started = Date.now();
    const items = sims.slice(k, k + batch).map((s) => s.input);
    const res = await call('POST', '/api/ml/confidence/batch', { items });
    if (res.status !== 200) {
      throw new Error(`batch answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
    bar.update(Math.min(sims.length, k + batch));
    await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - started))));
  }
  bar.stop();
}

const pct = (v: number | null) => (v === null ? '  n/a' : `${(v * 100).toFixed(1)}%`);
const ms = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(2)} ms`);

async function main(): Promise<void> {
  const dataDir = join(ROOT, 'data', 'demo');
  rmSync(dataDir, { recursive: true, force: true });
  console.log(`\n▶ Starting the service on ${URL} (embedded Postgres in data/demo, shipped champion, ML on)…`);
  const service = await startService(dataDir);
  const stop = () => service.kill('SIGTERM');
  process.on('SIGINT', () => {
    stop();
    process.exit(0);
  });
  try {
    const models = await call('GET', '/api/ml/models');
    console.log(`  model: ${models.body.model_type} ${models.body.model_version} (${models.body.slot})`);

    const demoStart = Math.floor(Date.now() / MIN) * MIN;
    const normal = generatePatterns(7, NORMAL).map((s, i) => ({
      ...s,
      input: { ...s.input, pattern_id: `demo-normal-${i}` },
    }));
    console.log('\n▶ Normal traffic');
    await stream('streaming normal patterns', normal);

    await new Promise((r) => setTimeout(r, 1500)); // let the asynchronous prediction log catch up
    console.log('\n▶ Outcomes arrive for the normal traffic');
    const outcomes = normal.map((s) => ({
      pattern_id: s.input.pattern_id,
      outcome: s.outcome ? 'success' : 'failure',
      resolved_at: new Date().toISOString(),
    }));
    const posted = await call('POST', '/api/ml/outcomes', { outcomes });
    console.log(`  ${posted.body.accepted} outcomes accepted, ${posted.body.matched} matched a logged prediction`);

    console.log('\n▶ Baseline from the normal traffic');
    const baseline = await call(
      'POST',
      '/api/ml/baseline',
      {
        source: 'recent',
        from: new Date(demoStart).toISOString(),
        to: new Date(Math.ceil(Date.now() / MIN) * MIN).toISOString(),
        label: 'demo normal traffic',
      },
      auth,
    );
    if (baseline.status !== 201) {
      throw new Error(`baseline answered ${baseline.status}: ${JSON.stringify(baseline.body)}`);
    }
    console.log(
      `  baseline #${baseline.body.id}: ${baseline.body.sample_size} predictions, ${baseline.body.feature_count} features, ${baseline.body.window_start} → ${baseline.body.window_end}`,
    );

    // Histograms are per minute: start the shifted stream in a fresh minute so the drift window holds only it.
    const nextMinute = Math.ceil(Date.now() / MIN) * MIN;
    const wait = new SingleBar(
      { format: ' waiting for the next minute   [{bar}] {value}s', hideCursor: true },
      Presets.shades_classic,
    );
    wait.start(Math.ceil((nextMinute - Date.now()) / 1000), 0);
    while (Date.now() < nextMinute) {
      await new Promise((r) => setTimeout(r, 250));
      wait.update(Math.ceil((Date.now() - (nextMinute - wait.getTotal() * 1000)) / 1000));
    }
    wait.stop();

    console.log('\n▶ The market shifts: volume surge on the recent bars, volatile regime');
    const shifted = generatePatterns(8, SHIFTED, { volumeMultiplier: 4, recentBars: 8, volatilityRegime: 'high' }).map(
      (s, i) => ({ ...s, input: { ...s.input, pattern_id: `demo-shifted-${i}` } }),
    );
    await stream('streaming shifted patterns', shifted);

    console.log('\n▶ Drift job over the shifted window');
    const report = await call(
      'POST',
      '/api/ml/drift/run',
      { from: new Date(nextMinute).toISOString(), to: new Date(Math.ceil(Date.now() / MIN) * MIN).toISOString() },
      auth,
    );
    if (report.status !== 200) {
      throw new Error(`drift run answered ${report.status}: ${JSON.stringify(report.body)}`);
    }

    const metrics = (await call('GET', '/api/ml/metrics')).body;
    const c = metrics.current;
    console.log("\n━━ The plan's metrics (current 5-minute window) ━━");
    console.log(
      `  inference latency p50 / p95 : ${ms(c.inference_latency_p50)} / ${ms(c.inference_latency_p95)}   (target p95 < 75 ms)   ${metrics.status.inference_latency_p95}`,
    );
    console.log(
      `  cache hit rate              : ${pct(c.cache_hit_rate)}   (target > 80%)   ${metrics.status.cache_hit_rate}`,
    );
    console.log(`  ML usage rate               : ${pct(c.ml_usage_rate)}`);
    console.log(
      `  fallback rate               : ${pct(c.fallback_rate)}   (target < 10%)   ${metrics.status.fallback_rate}`,
    );
    console.log(`  error rate                  : ${pct(c.error_rate)}   (target < 5%)   ${metrics.status.error_rate}`);
    console.log(`  requests                    : ${c.request_count}`);

    const r = report.body;
    console.log(
      `\n━━ Drift report #${r.id}: ${r.status.toUpperCase()} (${r.sample_size} predictions, baseline #${r.baseline_id}) ━━`,
    );
    console.log(
      `  feature drift score (max PSI): ${r.feature_drift_score?.toFixed(3)}   prediction drift (PSI): ${r.prediction_drift_score?.toFixed(3)}`,
    );
    const top = [...r.report.features].sort((a: Json, b: Json) => (b.psi ?? 0) - (a.psi ?? 0)).slice(0, 8);
    console.log('  top features:      PSI     JS    drifted');
    for (const f of top) {
      console.log(
        `    ${f.feature.padEnd(22)} ${f.psi.toFixed(3).padStart(6)} ${f.js_distance.toFixed(3).padStart(6)}  ${f.drifted ? 'yes' : ''}`,
      );
    }
    const perf = r.report.performance?.ml;
    if (perf?.labelled) {
      console.log(
        `  labelled performance (ML arm): accuracy ${pct(perf.accuracy)}, AUC ${perf.auc?.toFixed(3)}, n=${perf.labelled}`,
      );
    }

    const alerts = (await call('GET', '/api/ml/alerts?status=open&limit=50')).body.alerts;
    console.log(`\n━━ Alerts raised (${alerts.length} open) ━━`);
    for (const a of alerts) {
      console.log(`  [${a.severity}] ${a.type}  ${a.title}`);
    }

    console.log('\n━━ Open these ━━');
    console.log(`  operator page   ${URL}/dashboard`);
    console.log(`  drift report    ${URL}/api/ml/drift/reports/${r.id}/html`);
    console.log(`  API docs        ${URL}/api/docs`);
    console.log(`  health          ${URL}/api/ml/health`);
    console.log(`  Prometheus      ${URL}/metrics`);
    console.log(`  admin token     ${TOKEN}  (for Ack on the operator page)`);
    if (EXIT) {
      stop();
      return;
    }
    console.log('\nThe service keeps running; Ctrl-C stops it.');
    await new Promise(() => undefined);
  } catch (err) {
    stop();
    throw err;
  }
}

main().catch((err: unknown) => {
  console.error(`demo failed: ${(err as Error).message}`);
  process.exit(1);
});
