import { execFileSync } from 'node:child_process';
import { runCli } from './support/cli';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import request from 'supertest';
import { ManualClock } from '@app/common';
import { FEATURE_NAMES, PatternInput } from '@app/features';
import { MetricSnapshotService } from '@app/ml-service/monitoring/metric-snapshot.service';
import { generatePatterns, SimulationOptions } from '@app/simulation';
import { makeModelDir } from './support/model-fixture';
import { eventually, patterns, sleep, zeroVolume } from './support/patterns';
import { bootTestApp, TestApp } from './support/test-app';

/**
 * The operator page in a real browser (Debian's Chromium through playwright-core) against a booted
 * service with simulated traffic, a baseline, a volume surge that drifts and the alerts it raised;
 * then the self-contained HTML drift report, over HTTP and through `npm run report`.
 */

const ROOT = resolve(__dirname, '..');
const TOKEN = 'dashboard-test-token-0000';
const MIN = 60_000;
const auth = { Authorization: `Bearer ${TOKEN}` };
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = join(ROOT, 'test/artifacts/dashboard.png');

/** Reads a data attribute of the first element matching `selector` as a number (0 when absent). */
async function numberAttr(page: Page, selector: string, name: string): Promise<number> {
  return Number((await page.locator(selector).first().getAttribute(name)) ?? 0);
}

describe('operator dashboard and HTML drift report', () => {
  let t: TestApp;
  let browser: Browser | null = null;
  const clock = new ManualClock();
  const nowMinute = Math.floor(Date.now() / MIN) * MIN;
  let driftReport: { id: number; drifted_features: string[] };
  const scratch = mkdtempSync(join(tmpdir(), 'dashboard-e2e-'));

  async function score(items: PatternInput[]): Promise<void> {
    for (let k = 0; k < items.length; k += 250) {
      const res = await request(t.url)
        .post('/api/ml/confidence/batch')
        .send({ items: items.slice(k, k + 250) })
        .expect(200);
      expect(res.body.results.every((r: { error?: unknown }) => !r.error)).toBe(true);
    }
  }

  /** `n` simulated patterns placed in the 10 minutes from `start` on the manual clock. */
  async function phase(start: number, n: number, seed: number, opts: SimulationOptions = {}): Promise<void> {
    const items = generatePatterns(seed, n, opts).map((s, i) => ({ ...s.input, pattern_id: `ph-${seed}-${i}` }));
    for (let k = 0; k < items.length; k += 250) {
      clock.set(start + Math.floor((k / items.length) * 8 * MIN));
      await score(items.slice(k, k + 250));
    }
  }

  beforeAll(async () => {
    // The page under test is the bundle: build it from the current sources.
    execFileSync(process.execPath, ['scripts/build-dashboard.mjs'], { cwd: ROOT, stdio: 'pipe' });
    t = await bootTestApp(
      {
        ENABLE_PHASE5_ML: true,
        ML_MODEL_DIR: makeModelDir('rf'),
        ML_ADMIN_TOKEN: TOKEN,
        DRIFT_MIN_SAMPLES: 300,
      },
      { clock },
    );
    // Normal traffic three hours ago becomes the baseline; a volume surge two hours ago drifts.
    const baseStart = nowMinute - 3 * 60 * MIN;
    await phase(baseStart, 1000, 1001);
    await request(t.url)
      .post('/api/ml/baseline')
      .set(auth)
      .send({
        source: 'recent',
        from: new Date(baseStart).toISOString(),
        to: new Date(baseStart + 10 * MIN).toISOString(),
        label: 'normal',
      })
      .expect(201);
    const surgeStart = nowMinute - 2 * 60 * MIN;
    await phase(surgeStart, 600, 3001, { volumeMultiplier: 4, recentBars: 8 });
    const run = await request(t.url)
      .post('/api/ml/drift/run')
      .set(auth)
      .send({ from: new Date(surgeStart).toISOString(), to: new Date(surgeStart + 10 * MIN).toISOString() })
      .expect(200);
    driftReport = run.body;
    expect(driftReport.drifted_features.length).toBeGreaterThan(0);
    clock.set(Date.now());

    // Three minutes of serving history: repeats (cache hits) and zero-volume requests (invalid_features fallback).
    const snapshots = t.app.get(MetricSnapshotService);
    await snapshots.snapshot(new Date(nowMinute - 2 * MIN));
    for (const [k, seed] of [21, 22].entries()) {
      const fresh = patterns(200, seed, 'live');
      await score([
        ...fresh,
        ...fresh.slice(0, 120),
        ...fresh
          .slice(0, 10 + 10 * k)
          .map(zeroVolume)
          .map((p, i) => ({ ...p, pattern_id: `zv-${seed}-${i}` })),
      ]);
      await snapshots.snapshot(new Date(nowMinute - (1 - k) * MIN));
    }
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('serves the page under a strict CSP: external script and stylesheet only', async () => {
    const res = await request(t.url).get('/dashboard').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(res.text).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    expect(res.text).not.toMatch(/(src|href)="https?:/i);
    const js = await request(t.url).get('/dashboard/assets/dashboard.js').expect(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect(js.text).not.toMatch(/\beval\(|new Function\(/);
    await request(t.url)
      .get('/dashboard/assets/dashboard.css')
      .expect(200)
      .expect('content-type', /^text\/css/);
    await request(t.url).get('/dashboard/assets/..%2F..%2Fpackage.json').expect(404);
  });

  it('shows live charts with data, the drift report, alerts, rollout and readiness; acks an alert with the admin token', async () => {
    // Arrange: a browser, with console errors and CSP violations collected.
    if (!existsSync(CHROMIUM)) {
      throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') {
        problems.push(`console.${m.type()}: ${m.text()}`);
      }
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.addInitScript({
      content:
        "window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));",
    });
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(`${d.type()}: ${d.message()}`);
      void d.accept(TOKEN);
    });
    // Live traffic while the page is open, so the browser-side rates move.
    let traffic = true;
    const background = (async () => {
      for (let i = 0; traffic; i++) {
        const batch = patterns(40, 500 + i, 'bg');
        await score([
          ...batch,
          ...batch
            .slice(0, 3)
            .map(zeroVolume)
            .map((p, j) => ({ ...p, pattern_id: `bgzv-${i}-${j}` })),
        ]);
        await sleep(300);
      }
    })();

    // Act: load the page and wait for every section and chart to have data.
    try {
      await page.goto(`${t.url}/dashboard?refresh=1`);
      // Polled from the test: Playwright's string predicates would need eval, which the page's CSP forbids.
      await eventually(async () => (await page.locator('body').getAttribute('data-ready')) === 'true', 30_000, 200);
      for (const id of ['chart-latency', 'chart-requests', 'chart-cache', 'chart-live']) {
        await eventually(async () => (await numberAttr(page, `#${id}`, 'data-points')) >= 3, 30_000, 200);
      }
    } finally {
      traffic = false;
      await background;
    }

    // Assert: charts carry data, the drift table and histogram show the report.
    for (const id of ['chart-latency', 'chart-requests', 'chart-cache']) {
      // the three snapshot minutes, plus one if the service's own minute timer fired meanwhile
      expect(await numberAttr(page, `#${id}`, 'data-points')).toBeGreaterThanOrEqual(3);
      expect(await page.locator(`#${id} canvas`).count()).toBe(1);
    }
    expect(await numberAttr(page, '#chart-live', 'data-points')).toBeGreaterThanOrEqual(3);
    expect(await page.locator('#drift-body tr').count()).toBe(FEATURE_NAMES.length);
    const driftedRows = await page
      .locator('#drift-body tr.drifted')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-feature')));
    expect(driftedRows.sort()).toEqual([...driftReport.drifted_features].sort());
    expect(await numberAttr(page, '#chart-histogram', 'data-points')).toBeGreaterThanOrEqual(3);
    const pick = driftReport.drifted_features[driftReport.drifted_features.length - 1];
    await page.locator(`#drift-body tr[data-feature="${pick}"] button`).click();
    await expect(page.locator('#histogram-title').textContent()).resolves.toContain(pick);
    await expect(page.locator('#drift-body tr.selected').getAttribute('data-feature')).resolves.toBe(pick);
    await expect(page.locator('#drift-html-link').getAttribute('href')).resolves.toBe(
      `/api/ml/drift/reports/${driftReport.id}/html`,
    );
    await expect(page.locator('#kpis .kpi').count()).resolves.toBe(8);
    await expect(page.locator('#rollout-meta').textContent()).resolves.toContain('100%');
    await expect(page.locator('#rollout-pill').textContent()).resolves.toBe('ML on · 100% rollout');
    expect(await page.locator('#readiness-checklist li').count()).toBeGreaterThanOrEqual(5);
    await expect(
      page.locator('#readiness-checklist li[data-id="baseline_established"]').getAttribute('data-result'),
    ).resolves.toBe('pass');
    expect(await page.locator('#readiness-criteria li').count()).toBeGreaterThanOrEqual(4);

    // Act: ack the first open alert through the UI (the token prompt is answered once).
    const open = await request(t.url).get('/api/ml/alerts?status=open&limit=100').expect(200);
    const openIds = (open.body.alerts as Array<{ id: number; status: string }>)
      .filter((a) => a.status === 'open')
      .map((a) => a.id);
    expect(await page.locator('#alerts-body button.ack').count()).toBe(openIds.length);
    expect(openIds.length).toBeGreaterThanOrEqual(2);
    const [first, second] = openIds;
    await page.locator(`#alerts-body tr[data-alert-id="${first}"] button.ack`).click();
    await page.waitForSelector(`#alerts-body tr[data-alert-id="${first}"][data-status="acknowledged"]`, {
      timeout: 10_000,
    });
    await page.locator(`#alerts-body tr[data-alert-id="${second}"] button.ack`).click();
    await page.waitForSelector(`#alerts-body tr[data-alert-id="${second}"][data-status="acknowledged"]`, {
      timeout: 10_000,
    });

    // Assert: acknowledged in the service, one prompt only, the token in no storage.
    const acked = await request(t.url).get('/api/ml/alerts?status=acknowledged&limit=100').expect(200);
    const ackedById = new Map(
      (acked.body.alerts as Array<{ id: number; status: string; acknowledged_by: string }>).map((a) => [a.id, a]),
    );
    expect(ackedById.get(first)).toMatchObject({ status: 'acknowledged', acknowledged_by: 'admin' });
    expect(ackedById.get(second)).toMatchObject({ status: 'acknowledged' });
    expect(dialogs).toHaveLength(1);
    expect(dialogs[0]).toMatch(/^prompt: Admin token/);
    await expect(page.locator('#ack-status').textContent()).resolves.toBe(`Alert #${second} acknowledged.`);
    const stored = await page.evaluate(
      'JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage), document.cookie])',
    );
    expect(stored).not.toContain(TOKEN);

    // The screenshot a newcomer would see, then no console errors and no CSP violations.
    await page.locator(`#drift-body tr[data-feature="${driftReport.drifted_features[0]}"] button`).click();
    await page.evaluate('window.scrollTo(0, 0)');
    mkdirSync(join(ROOT, 'test/artifacts'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(50_000);
    expect(await page.evaluate('window.__csp')).toEqual([]);
    expect(problems).toEqual([]);
  }, 120_000);

  it('serves the drift report as one self-contained HTML file under 2 MB', async () => {
    const res = await request(t.url).get(`/api/ml/drift/reports/${driftReport.id}/html`).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    const html = res.text;
    expect(Buffer.byteLength(html)).toBeLessThan(2 * 1024 * 1024);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|href="(?!#)/i);
    for (const feature of driftReport.drifted_features) {
      expect(html).toContain(`<section class="feature drifted" id="f-${feature}">`);
    }
    for (const feature of FEATURE_NAMES) {
      expect(html).toContain(`id="f-${feature}"`);
    }
    expect(html.match(/<svg /g)?.length).toBeGreaterThanOrEqual(FEATURE_NAMES.length);
    expect(html).toContain(`<dt>Drifted features</dt><dd>${driftReport.drifted_features.join(', ')}</dd>`);
    await request(t.url).get('/api/ml/drift/reports/999999/html').expect(404);
    await request(t.url).get('/api/ml/drift/reports/abc/html').expect(400);
  });

  it('`npm run report` writes the latest report to --out; bad input exits 2 with a message', async () => {
    const out = join(scratch, 'report.html');
    const ok = await runCli(['report', '--out', out, '--url', t.url]);
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.stdout).toContain(`drift report #${driftReport.id}`);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain(`<title>Drift report #${driftReport.id}</title>`);
    expect(html).toContain(`id="f-${driftReport.drifted_features[0]}"`);

    const byId = await runCli([
      'report',
      '--out',
      join(scratch, 'by-id.html'),
      '--id',
      String(driftReport.id),
      '--url',
      `${t.url}/`,
    ]);
    expect(byId.code).toBe(0);

    const bad: Array<[string[], RegExp]> = [
      [['report'], /--out is required/],
      [['report', '--out', out, '--id', 'abc'], /--id needs one integer/],
      [['report', '--out', out, '--url', 'ftp://example.com'], /--url must be an http\(s\) URL/],
      [['report', '--out', join(scratch, 'nope', 'r.html'), '--url', t.url], /directory .* does not exist/],
      [
        ['report', '--out', out, '--id', '999999', '--url', t.url],
        /drift report 999999: drift report 999999 not found/,
      ],
      [['report', '--out', out, '--url', 'http://127.0.0.1:9'], /cannot reach the service at http:\/\/127\.0\.0\.1:9/],
      [['report', '--out', out, '--bogus'], /unknown option --bogus/],
    ];
    for (const [args, message] of bad) {
      const res = await runCli(args);
      expect({ args, code: res.code }).toEqual({ args, code: 2 });
      expect(res.stderr).toMatch(message);
    }
  }, 120_000);
});
