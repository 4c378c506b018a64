import { createServer, IncomingMessage, Server } from 'node:http';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { EnvDto, METRIC_THRESHOLDS } from '@app/config';
import { METRIC } from '@app/metrics';
import { eventually, sleep } from '../support/patterns';
import {
  alertRules,
  loadYaml,
  ManagedProcess,
  metricNames,
  readRepoFile,
  requireBinary,
  ROOT,
  run,
  startAlertmanager,
} from './monitoring-tools';

const RULES = 'deploy/prometheus/alerts.yml';
const RULE_TESTS_DIR = 'deploy/prometheus/tests';
const AM_CONFIG = 'deploy/alertmanager/alertmanager.yml';

/** The plan's alerts (names, severities, durations) and the additional ones. */
const EXPECTED: Record<string, { severity: 'CRITICAL' | 'WARNING' | 'INFO'; for?: string }> = {
  ml_inference_latency_high: { severity: 'WARNING', for: '5m' },
  ml_service_unavailable: { severity: 'CRITICAL', for: '2m' },
  high_fallback_rate: { severity: 'WARNING', for: '10m' },
  model_drift_detected: { severity: 'INFO' },
  ml_model_not_loaded: { severity: 'CRITICAL', for: '1m' },
  ml_error_rate_high: { severity: 'WARNING', for: '5m' },
  ml_cache_hit_rate_low: { severity: 'WARNING', for: '10m' },
  ml_drift_job_stale: { severity: 'WARNING' },
  ml_prediction_log_dropping: { severity: 'WARNING' },
};

/** The comparison that ends an alert expression: `> 0.2`, `< 0.6`. */
function finalComparison(expr: string): { op: string; value: number } {
  const m = /([<>]=?)\s*([0-9.e+-]+)\s*$/.exec(expr.trim());
  if (!m) {
    throw new Error(`no final comparison in: ${expr}`);
  }
  return { op: m[1], value: Number(m[2]) };
}

/** Period in seconds of a six-field cron whose minute field is `*\/N` (DRIFT_CRON's form). */
function cronPeriodSeconds(cron: string): number {
  const fields = cron.trim().split(/\s+/);
  expect(fields).toHaveLength(6);
  const m = /^\*\/(\d+)$/.exec(fields[1]);
  if (!m || fields[0] !== '0' || fields.slice(2).some((f) => f !== '*')) {
    throw new Error(`DRIFT_CRON ${cron} is not "0 */N * * * *": update ml_drift_job_stale's 2-period threshold`);
  }
  return Number(m[1]) * 60;
}

interface RuleTestFile {
  rule_files: string[];
  tests: Array<{
    name?: string;
    alert_rule_test?: Array<{ eval_time: string; alertname: string; exp_alerts?: unknown[] }>;
  }>;
}

function durationSeconds(d: string): number {
  let total = 0;
  for (const [, n, unit] of d.matchAll(/(\d+)(ms|s|m|h|d)/g)) {
    total += Number(n) * { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[unit as 'ms' | 's' | 'm' | 'h' | 'd'];
  }
  return total;
}

describe('Prometheus alert rules (deploy/prometheus/alerts.yml)', () => {
  const rules = alertRules();
  const byName = new Map(rules.map((r) => [r.alert, r]));

  beforeAll(() => {
    requireBinary('promtool');
  });

  it('pass promtool check rules', () => {
    const r = run('promtool', ['check', 'rules', RULES]);
    expect(r.output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(r.status).toBe(0);
  });

  it('pass every promtool unit test in deploy/prometheus/tests/', () => {
    const files = readdirSync(join(ROOT, RULE_TESTS_DIR)).filter((f) => f.endsWith('.yml'));
    expect(files.length).toBeGreaterThanOrEqual(rules.length);
    const r = run('promtool', ['test', 'rules', ...files.map((f) => join(RULE_TESTS_DIR, f))]);
    expect(r.output).not.toContain('FAILED');
    expect(r.output.match(/SUCCESS/g)).toHaveLength(files.length);
    expect(r.status).toBe(0);
  });

  it("are the plan's alerts and the issue's, with the plan's severities and durations", () => {
    expect(Object.fromEntries(rules.map((r) => [r.alert, { severity: r.labels.severity, for: r.for }]))).toEqual(
      Object.fromEntries(Object.entries(EXPECTED).map(([k, v]) => [k, { severity: v.severity, for: v.for }])),
    );
  });

  it('carry a summary, a description and a runbook link named after the alert', () => {
    for (const r of rules) {
      expect(r.annotations.summary).toBeTruthy();
      expect(r.annotations.description).toBeTruthy();
      expect(r.annotations.runbook_url).toBe(`docs/RUNBOOK.md#${r.alert}`);
    }
  });

  const runbook = join(ROOT, 'docs/RUNBOOK.md');
  if (existsSync(runbook)) {
    it('link to headings that exist in docs/RUNBOOK.md', () => {
      const anchors = new Set(
        readFileSync(runbook, 'utf8')
          .split('\n')
          .filter((l) => /^#{1,6}\s/.test(l))
          .map((l) =>
            l
              .replace(/^#+\s*/, '')
              .trim()
              .toLowerCase()
              .replace(/[^\p{L}\p{N}\s_-]/gu, '')
              .replace(/\s/g, '-'),
          ),
      );
      expect(rules.map((r) => r.alert).filter((a) => !anchors.has(a))).toEqual([]);
    });
  } else {
    it.todo('link to headings that exist in docs/RUNBOOK.md (the runbook is not written yet: issue 5 item 8)');
  }

  it('use the thresholds of libs/config (METRIC_THRESHOLDS, DRIFT_PSI_THRESHOLD, DRIFT_CRON)', () => {
    const env = new EnvDto();
    const lowerIsBetter = (k: keyof typeof METRIC_THRESHOLDS) =>
      METRIC_THRESHOLDS[k].direction === 'lower' ? '>' : '<';
    const expr = (name: string) => byName.get(name)!.expr;

    expect(finalComparison(expr('ml_inference_latency_high'))).toEqual({
      op: lowerIsBetter('inference_latency_p95'),
      value: METRIC_THRESHOLDS.inference_latency_p95.alert / 1000, // ms → the histogram's seconds
    });
    expect(expr('ml_inference_latency_high')).toMatch(/histogram_quantile\(0\.95,/);
    expect(finalComparison(expr('high_fallback_rate'))).toEqual({
      op: lowerIsBetter('fallback_rate'),
      value: METRIC_THRESHOLDS.fallback_rate.alert,
    });
    expect(finalComparison(expr('ml_error_rate_high'))).toEqual({
      op: lowerIsBetter('error_rate'),
      value: METRIC_THRESHOLDS.error_rate.alert,
    });
    expect(finalComparison(expr('ml_cache_hit_rate_low'))).toEqual({
      op: lowerIsBetter('cache_hit_rate'),
      value: METRIC_THRESHOLDS.cache_hit_rate.alert,
    });
    expect(finalComparison(expr('model_drift_detected'))).toEqual({ op: '>', value: env.DRIFT_PSI_THRESHOLD });

    const twoPeriods = 2 * cronPeriodSeconds(env.DRIFT_CRON);
    const stale = expr('ml_drift_job_stale');
    const limits = [...stale.matchAll(/>\s*(\d+)/g)].map((m) => Number(m[1]));
    expect(limits).toEqual([twoPeriods, twoPeriods]);
    expect(twoPeriods).toBe(1800);
  });

  it('use the DESIGN §4 rate definitions', () => {
    const compact = (name: string) => byName.get(name)!.expr.replace(/\s+/g, ' ');
    expect(compact('high_fallback_rate')).toContain(
      'sum by (job) (rate(ml_predictions_total{arm="ml",source="rule_fallback"}[5m])) / (sum by (job) (rate(ml_predictions_total{arm="ml"}[5m])) > 0)',
    );
    const errors = compact('ml_error_rate_high');
    expect(errors).toContain('ml_inference_errors_total{reason=~"inference_error|inference_timeout"}');
    expect(errors).toContain('http_requests_total{route=~"/api/ml/confidence.*",status_code=~"5.."}');
    expect(compact('ml_cache_hit_rate_low')).toContain(
      'sum by (job) (rate(ml_cache_requests_total{result="hit"}[5m])) / (sum by (job) (rate(ml_cache_requests_total{result=~"hit|miss"}[5m])) > 0)',
    );
    expect(compact('ml_service_unavailable')).toContain('ml_health_check_status{check="overall"}');
    expect(compact('ml_service_unavailable')).toContain('up{job="ml-service"} == 0');
  });

  it('select only metrics the service declares (libs/metrics) or Prometheus provides', () => {
    const declared = new Set(Object.values(METRIC).flatMap((m) => [m, `${m}_bucket`, `${m}_sum`, `${m}_count`]));
    const external = new Set(['up', 'process_start_time_seconds']);
    const unknown = rules.flatMap((r) =>
      metricNames(r.expr)
        .filter((n) => !declared.has(n) && !external.has(n))
        .map((n) => `${r.alert}: ${n}`),
    );
    expect(unknown).toEqual([]);
  });

  it('keep the job label on every alert (the inhibition matches on it)', () => {
    for (const r of rules) {
      const e = r.expr.replace(/\s+/g, ' ');
      const aggregations = [...e.matchAll(/\b(sum|max|min|avg|count)\s*(by\s*\(([^)]*)\))?\s*\(/g)];
      for (const a of aggregations) {
        if (a[1] === 'min' && /min without \(check\)/.test(e)) {
          continue;
        }
        expect({ alert: r.alert, grouping: a[3] ?? '(none)' }).toEqual({
          alert: r.alert,
          grouping: expect.stringMatching(/\bjob\b/),
        });
      }
    }
  });

  it('each have a unit test file showing them firing past the boundary and silent inside it and before `for`', () => {
    for (const rule of rules) {
      const file = `${RULE_TESTS_DIR}/${rule.alert}.test.yml`;
      expect(existsSync(join(ROOT, file))).toBe(true);
      const spec = loadYaml<RuleTestFile>(file);
      expect(spec.rule_files).toEqual(['../alerts.yml']);
      const cases = spec.tests.map((t) => (t.alert_rule_test ?? []).filter((a) => a.alertname === rule.alert));
      const firing = cases.flat().filter((a) => (a.exp_alerts ?? []).length > 0);
      const silent = cases.flat().filter((a) => (a.exp_alerts ?? []).length === 0);
      expect({ alert: rule.alert, firing: firing.length > 0, silent: silent.length > 0 }).toEqual({
        alert: rule.alert,
        firing: true,
        silent: true,
      });
      // A case where the alert is still silent shortly before it fires: the boundary in time.
      const hasSilentBeforeFiring = cases.some((c) => {
        const firstFiring = c.find((a) => (a.exp_alerts ?? []).length > 0);
        return (
          firstFiring !== undefined &&
          c.some(
            (a) =>
              (a.exp_alerts ?? []).length === 0 &&
              durationSeconds(a.eval_time) < durationSeconds(firstFiring.eval_time) &&
              durationSeconds(firstFiring.eval_time) - durationSeconds(a.eval_time) <= 60,
          )
        );
      });
      expect({ alert: rule.alert, hasSilentBeforeFiring }).toEqual({ alert: rule.alert, hasSilentBeforeFiring: true });
    }
  });
});

describe('Prometheus server config (deploy/prometheus/prometheus.yml)', () => {
  it('passes promtool check config (with the rule file it names)', () => {
    requireBinary('promtool');
    const r = run('promtool', ['check', 'config', 'deploy/prometheus/prometheus.yml']);
    expect(r.output).toContain('is valid prometheus config file syntax');
    expect(r.output).toContain(`SUCCESS: ${alertRules().length} rules found`);
    expect(r.status).toBe(0);
  });

  it('scrapes the service as job "ml-service" and sends alerts to the compose Alertmanager', () => {
    const cfg = loadYaml<{
      rule_files: string[];
      alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> };
      scrape_configs: Array<{ job_name: string; metrics_path?: string; static_configs: Array<{ targets: string[] }> }>;
    }>('deploy/prometheus/prometheus.yml');
    expect(cfg.rule_files).toEqual(['alerts.yml']);
    const job = cfg.scrape_configs.find((s) => s.job_name === 'ml-service');
    expect(job?.metrics_path ?? '/metrics').toBe('/metrics');
    expect(job?.static_configs[0].targets).toEqual(['ml-service:8000']);
    expect(cfg.alerting.alertmanagers[0].static_configs[0].targets).toEqual(['alertmanager:9093']);
  });
});

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

/** Stands in for PagerDuty's Events API and the ticket bridge; records what Alertmanager sends. */
async function startReceiver(): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        headers: req.headers,
        body: JSON.parse(raw || '{}') as Record<string, unknown>,
      });
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end('{"status":"success"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, received, server };
}

describe('Alertmanager config (deploy/alertmanager/alertmanager.yml)', () => {
  it('passes amtool check-config', () => {
    requireBinary('amtool');
    const r = run('amtool', ['check-config', AM_CONFIG]);
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('routes each severity to its receiver (deploy/alertmanager/test-routes.sh)', () => {
    requireBinary('amtool');
    const r = run('bash', ['deploy/alertmanager/test-routes.sh']);
    expect(r.output).toContain('all route assertions passed');
    expect(r.output).not.toContain('FAIL');
    expect(r.status).toBe(0);
  });

  it('has a route assertion for every alert rule, with its severity', () => {
    const script = readRepoFile('deploy/alertmanager/test-routes.sh');
    const asserted = new Map(
      [...script.matchAll(/^expect\s+(\S+)\s+alertname=(\S+)\s+severity=(\S+)/gm)].map((m) => [m[2], m[3]]),
    );
    for (const r of alertRules()) {
      expect({ alert: r.alert, severity: asserted.get(r.alert) }).toEqual({
        alert: r.alert,
        severity: r.labels.severity,
      });
    }
  });

  it('reads every credential from a file under /etc/alertmanager/secrets and commits none', () => {
    const text = readRepoFile(AM_CONFIG);
    const cfg = parse(text) as { receivers: Array<Record<string, unknown>> };
    expect(text).not.toMatch(/^\s*(routing_key|service_key|api_key|credentials|password):/m);
    const files = [...text.matchAll(/(routing_key_file|credentials_file):\s*(\S+)/g)].map((m) => m[2]);
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) {
      expect(f).toMatch(/^\/etc\/alertmanager\/secrets\/[a-z0-9-]+$/);
    }
    expect(cfg.receivers.map((r) => r.name).sort()).toEqual([
      'pagerduty-critical',
      'pagerduty-low-urgency',
      'ticket-webhook',
    ]);
    const tracked = run('git', ['ls-files', 'deploy/alertmanager/secrets']).stdout.trim().split('\n').sort();
    expect(tracked.filter((f) => f && !/\/(README\.md|\.gitignore)$/.test(f))).toEqual([]);
  });

  describe('a real Alertmanager with this config', () => {
    let am: ManagedProcess;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    let secrets: string;
    const KEYS = {
      critical: 'pd-critical-key-for-test',
      low: 'pd-low-urgency-key-for-test',
      ticket: 'ticket-token-for-test',
    };

    beforeAll(async () => {
      receiver = await startReceiver();
      secrets = mkdtempSync(join(tmpdir(), 'am-secrets-'));
      writeFileSync(join(secrets, 'pagerduty-critical-routing-key'), `${KEYS.critical}\n`);
      writeFileSync(join(secrets, 'pagerduty-low-urgency-routing-key'), `${KEYS.low}\n`);
      writeFileSync(join(secrets, 'ticket-webhook-token'), `${KEYS.ticket}\n`);
      // The shipped config with three test substitutions: secret files from a temp dir instead of
      // /etc/alertmanager/secrets, PagerDuty and the ticket bridge replaced by a local recorder, and
      // group waits shortened so the test takes seconds. Routing tree and inhibition are untouched.
      const text = readRepoFile(AM_CONFIG)
        .replaceAll('/etc/alertmanager/secrets', secrets)
        .replace('http://ticket-bridge:9095/alertmanager', `${receiver.url}/ticket`);
      const cfg = parse(text) as {
        global: Record<string, unknown>;
        route: { group_wait: string; routes: Array<Record<string, unknown>> };
      };
      cfg.global.pagerduty_url = `${receiver.url}/pagerduty/v2/enqueue`;
      cfg.route.group_wait = '1s';
      for (const r of cfg.route.routes) {
        r.group_wait = '1s';
      }
      am = await startAlertmanager(stringify(cfg));
    });

    afterAll(async () => {
      await am?.stop();
      receiver?.server.closeAllConnections();
      await new Promise((r) => receiver?.server.close(r));
      rmSync(secrets, { recursive: true, force: true });
    });

    const alert = (labels: Record<string, string>) => ({
      labels,
      annotations: { summary: `${labels.alertname} on ${labels.job}` },
      startsAt: new Date().toISOString(),
    });

    it('pages CRITICAL with the critical key, WARNING with the low-urgency key, tickets INFO; ml_service_unavailable silences the rest of its job except ml_model_not_loaded', async () => {
      const posted = [
        alert({ alertname: 'ml_service_unavailable', severity: 'CRITICAL', job: 'ml-service', instance: 'a:8000' }),
        alert({ alertname: 'ml_model_not_loaded', severity: 'CRITICAL', job: 'ml-service', instance: 'a:8000' }),
        alert({ alertname: 'high_fallback_rate', severity: 'WARNING', job: 'ml-service' }),
        alert({ alertname: 'model_drift_detected', severity: 'INFO', job: 'ml-service' }),
        // Another job's alerts are not inhibited by this service being down.
        alert({ alertname: 'ml_cache_hit_rate_low', severity: 'WARNING', job: 'ml-service-staging' }),
        alert({ alertname: 'model_drift_detected', severity: 'INFO', job: 'ml-service-staging' }),
      ];
      const res = await fetch(`${am.url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(posted),
      });
      expect(res.status).toBe(200);

      const pagerduty = () =>
        receiver.received
          .filter((r) => r.path === '/pagerduty/v2/enqueue')
          .map((r) => ({
            key: r.body.routing_key,
            severity: (r.body.payload as { severity: string }).severity,
            summary: (r.body.payload as { summary: string }).summary,
          }));
      const tickets = () => receiver.received.filter((r) => r.path === '/ticket');
      await eventually(() => pagerduty().length >= 3 && tickets().length >= 1, 20_000, 200);
      await sleep(3000); // anything inhibited would have been sent by now

      expect(pagerduty().sort((a, b) => a.summary.localeCompare(b.summary))).toEqual([
        {
          key: KEYS.low,
          severity: 'warning',
          summary: 'ml_cache_hit_rate_low: ml_cache_hit_rate_low on ml-service-staging',
        },
        { key: KEYS.critical, severity: 'critical', summary: 'ml_model_not_loaded: ml_model_not_loaded on ml-service' },
        {
          key: KEYS.critical,
          severity: 'critical',
          summary: 'ml_service_unavailable: ml_service_unavailable on ml-service',
        },
      ]);
      expect(tickets()).toHaveLength(1);
      expect(tickets()[0].headers.authorization).toBe(`Bearer ${KEYS.ticket}`);
      const ticketAlerts = tickets()[0].body.alerts as Array<{ labels: Record<string, string> }>;
      expect(ticketAlerts.map((a) => a.labels.job)).toEqual(['ml-service-staging']);

      const state = (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as Array<{
        labels: Record<string, string>;
        status: { state: string; inhibitedBy: string[] };
      }>;
      const of = (name: string, job: string) =>
        state.find((a) => a.labels.alertname === name && a.labels.job === job)?.status;
      expect(of('high_fallback_rate', 'ml-service')).toMatchObject({ state: 'suppressed' });
      expect(of('high_fallback_rate', 'ml-service')?.inhibitedBy).toHaveLength(1);
      expect(of('model_drift_detected', 'ml-service')).toMatchObject({ state: 'suppressed' });
      expect(of('ml_model_not_loaded', 'ml-service')).toMatchObject({ state: 'active', inhibitedBy: [] });
      expect(of('ml_service_unavailable', 'ml-service')).toMatchObject({ state: 'active', inhibitedBy: [] });
      expect(of('model_drift_detected', 'ml-service-staging')).toMatchObject({ state: 'active', inhibitedBy: [] });
    });
  });
});
