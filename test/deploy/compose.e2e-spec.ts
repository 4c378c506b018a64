import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parse } from 'yaml';
import { EnvDto, loadConfig } from '@app/config';
import { freePort } from '../support/service-process';
import { bootTestApp, TestApp } from '../support/test-app';
import { readRepoFile, ROOT, run } from './monitoring-tools';

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: string[] | Record<string, { condition: string }>;
  healthcheck?: { test: string[] | string; interval?: string; start_period?: string };
  read_only?: boolean;
  tmpfs?: string[];
}
interface Compose {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
}

const compose = parse(readRepoFile('docker-compose.yml')) as Compose;
const svc = compose.services;

/** `${VAR:-default}` → default, as compose resolves it when VAR is unset. */
function withDefaults(value: string): string {
  return value.replace(/\$\{(\w+):-([^}]*)\}/g, (_m, _name: string, def: string) => def);
}

/** A bind mount `./host:/container[:ro]` split into its parts. */
function bindMounts(s: ComposeService): Array<{ host: string; container: string; readOnly: boolean }> {
  return (s.volumes ?? [])
    .filter((v) => v.startsWith('./'))
    .map((v) => {
      const [host, container, mode] = v.split(':');
      return { host, container, readOnly: mode === 'ro' };
    });
}

/** Maps a path inside a container to the repository file it comes from through the bind mounts. */
function hostPathOf(s: ComposeService, containerPath: string): string | null {
  for (const m of bindMounts(s)) {
    if (containerPath === m.container || containerPath.startsWith(`${m.container}/`)) {
      return join(ROOT, m.host, posix.relative(m.container, containerPath));
    }
  }
  return null;
}

/** Dockerfile instructions (continuation lines joined), split into stages. */
function dockerfileStages(): Array<{ from: string; name: string; lines: string[] }> {
  const text = readRepoFile('Dockerfile').replace(/\\\n/g, ' ');
  const stages: Array<{ from: string; name: string; lines: string[] }> = [];
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (!line || line.startsWith('#')) {
      continue;
    }
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) {
      stages.push({ from: from[1], name: from[2] ?? '', lines: [] });
    } else {
      stages[stages.length - 1].lines.push(line);
    }
  }
  return stages;
}

/**
 * A .dockerignore as a predicate over context paths: `*` within a segment, `**` across segments,
 * `!` re-includes, the last matching line wins, and an ignored directory ignores what is inside it.
 */
function dockerIgnored(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const glob = (negate ? l.slice(1) : l).replace(/^\/+|\/+$/g, '');
      const source = glob
        .split('**')
        .map((part) =>
          part
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*/g, '[^/]*')
            .replace(/\?/g, '[^/]'),
        )
        .join('.*');
      return { negate, re: new RegExp(`^${source}(/.*)?$`) };
    });
  return (path) => rules.reduce((ignored, r) => (r.re.test(path) ? !r.negate : ignored), false);
}

/** The JSON-array form of a Dockerfile instruction (`CMD ["node", ...]`). */
function execForm(line: string): string[] {
  return JSON.parse(line.slice(line.indexOf('['))) as string[];
}

describe('docker-compose.yml', () => {
  it('runs postgres, ml-service, prometheus, alertmanager and grafana, each with a healthcheck', () => {
    expect(Object.keys(svc).sort()).toEqual(['alertmanager', 'grafana', 'ml-service', 'postgres', 'prometheus']);
    for (const [name, s] of Object.entries(svc)) {
      expect({ name, healthcheck: Array.isArray(s.healthcheck?.test) && s.healthcheck.test.length > 1 }).toEqual({
        name,
        healthcheck: true,
      });
    }
    expect(svc.postgres.image).toMatch(/^postgres:1[56](\.|-|$)/);
    expect([svc.postgres.healthcheck?.test ?? []].flat().join(' ')).toContain('pg_isready');
  });

  it('builds ml-service from the Dockerfile and starts it once postgres is healthy', () => {
    expect(svc['ml-service'].build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
    expect(svc['ml-service'].depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(svc['ml-service'].read_only).toBe(true);
    expect(svc['ml-service'].tmpfs).toEqual(['/tmp']);
  });

  it('gives ml-service only real, valid settings, with DATABASE_URL on the compose postgres', () => {
    const env = Object.fromEntries(
      Object.entries(svc['ml-service'].environment ?? {}).map(([k, v]) => [k, withDefaults(v)]),
    );
    const known = [...Object.keys(new EnvDto()), 'DATABASE_URL', 'REDIS_URL', 'ML_ADMIN_TOKEN', 'INSTANCE_ID'];
    expect(Object.keys(env).filter((k) => !known.includes(k))).toEqual([]);
    const url = new URL(env.DATABASE_URL);
    const pg = svc.postgres.environment ?? {};
    expect({ host: url.hostname, port: url.port, db: url.pathname.slice(1), user: url.username }).toEqual({
      host: 'postgres',
      port: '5432',
      db: pg.POSTGRES_DB,
      user: pg.POSTGRES_USER,
    });
    expect(decodeURIComponent(url.password)).toBe(withDefaults(pg.POSTGRES_PASSWORD));
    const config = loadConfig(env);
    expect(config).toMatchObject({ PORT: 8000, ENABLE_PHASE5_ML: false, ML_ROLLOUT_PERCENT: 5 });
    expect(config.ML_ADMIN_TOKEN).toBeUndefined(); // empty → admin endpoints disabled, not a boot failure
  });

  it('publishes the ports the services listen on', () => {
    expect(svc['ml-service'].ports).toEqual(['8000:8000']);
    expect(svc.prometheus.ports).toEqual(['9090:9090']);
    expect(svc.alertmanager.ports).toEqual(['9093:9093']);
    expect(svc.grafana.ports).toEqual(['3000:3000']);
    const prom = parse(readRepoFile('deploy/prometheus/prometheus.yml')) as {
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
      alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> };
    };
    // Prometheus reaches the service and Alertmanager by compose service name and container port.
    const target = prom.scrape_configs.find((j) => j.job_name === 'ml-service')!.static_configs[0].targets[0];
    expect(target).toBe(`ml-service:${svc['ml-service'].ports![0].split(':')[1]}`);
    expect(prom.alerting.alertmanagers[0].static_configs[0].targets[0]).toBe(
      `alertmanager:${svc.alertmanager.ports![0].split(':')[1]}`,
    );
  });

  it('bind-mounts only paths that exist in the repository, read-only; named volumes are declared', () => {
    for (const [name, s] of Object.entries(svc)) {
      for (const m of bindMounts(s)) {
        expect({ service: name, mount: m.host, exists: existsSync(join(ROOT, m.host)), readOnly: m.readOnly }).toEqual({
          service: name,
          mount: m.host,
          exists: true,
          readOnly: true,
        });
      }
      for (const v of (s.volumes ?? []).filter((x) => !x.startsWith('./') && !x.startsWith('/'))) {
        expect(Object.keys(compose.volumes)).toContain(v.split(':')[0]);
      }
    }
  });

  it('mounts the files each tool is configured to read', () => {
    const configArg = (s: ComposeService) =>
      (s.command ?? []).find((c) => c.startsWith('--config.file='))!.split('=')[1];
    const promConfig = hostPathOf(svc.prometheus, configArg(svc.prometheus));
    expect(promConfig).toBe(join(ROOT, 'deploy/prometheus/prometheus.yml'));
    // rule_files is relative to the config file: alerts.yml sits beside it in the same mount.
    expect(hostPathOf(svc.prometheus, '/etc/prometheus/alerts.yml')).toBe(join(ROOT, 'deploy/prometheus/alerts.yml'));

    const amConfig = hostPathOf(svc.alertmanager, configArg(svc.alertmanager));
    expect(amConfig).toBe(join(ROOT, 'deploy/alertmanager/alertmanager.yml'));
    const secretFiles = [...readRepoFile('deploy/alertmanager/alertmanager.yml').matchAll(/_file:\s*(\S+)/g)].map(
      (m) => m[1],
    );
    for (const f of secretFiles) {
      const host = hostPathOf(svc.alertmanager, f);
      expect(host?.startsWith(join(ROOT, 'deploy/alertmanager/secrets'))).toBe(true);
    }
    expect(bindMounts(svc.alertmanager).find((m) => m.container === '/etc/alertmanager/secrets')?.readOnly).toBe(true);
    // The secrets directory ships as a documented example: a README and a .gitignore, no keys; the
    // key files alertmanager.yml names are ignored by git.
    expect(existsSync(join(ROOT, 'deploy/alertmanager/secrets/README.md'))).toBe(true);
    const tracked = run('git', ['ls-files', 'deploy/alertmanager/secrets']).stdout.split('\n').filter(Boolean);
    expect(tracked.filter((f) => !/\/(README\.md|\.gitignore)$/.test(f))).toEqual([]);
    for (const f of secretFiles) {
      const inRepo = posix.join('deploy/alertmanager/secrets', posix.basename(f));
      expect({ f: inRepo, ignored: run('git', ['check-ignore', '-q', inRepo]).status }).toEqual({
        f: inRepo,
        ignored: 0,
      });
    }
    expect(run('git', ['check-ignore', '-q', 'deploy/alertmanager/secrets/README.md']).status).toBe(1);

    expect(statSync(hostPathOf(svc.grafana, '/etc/grafana/provisioning/datasources/prometheus.yml')!).isFile()).toBe(
      true,
    );
    expect(statSync(hostPathOf(svc.grafana, '/etc/grafana/provisioning/dashboards/ml-service.yml')!).isFile()).toBe(
      true,
    );
    expect(statSync(hostPathOf(svc.grafana, '/var/lib/grafana/dashboards/ml-service.json')!).isFile()).toBe(true);
  });
});

describe('Dockerfile', () => {
  const stages = dockerfileStages();
  const runtime = stages[stages.length - 1];

  it('has a node:20-slim build stage and a node:20-slim runtime stage', () => {
    expect(stages.map((s) => [s.from, s.name])).toEqual([
      ['node:20-slim', 'build'],
      ['node:20-slim', 'runtime'],
    ]);
    expect(stages[0].lines).toEqual(expect.arrayContaining(['RUN npm ci --no-audit --no-fund', 'RUN npm run build']));
    expect(runtime.lines.some((l) => /^RUN npm ci --omit=dev\b/.test(l))).toBe(true);
    expect(runtime.lines.some((l) => /^COPY --from=build \/app\/dist\/apps\/ml-service /.test(l))).toBe(true);
    expect(runtime.lines).toContain('COPY models ./models');
  });

  it('copies .npmrc before npm ci in every stage (onnxruntime-node must not download GPU binaries)', () => {
    expect(readRepoFile('.npmrc')).toMatch(/^onnxruntime-node-install=skip$/m);
    for (const s of stages) {
      const copy = s.lines.findIndex((l) => /^COPY\s.*\.npmrc/.test(l));
      const ci = s.lines.findIndex((l) => /^RUN npm ci/.test(l));
      expect({ stage: s.name, npmrcFirst: copy >= 0 && copy < ci }).toEqual({ stage: s.name, npmrcFirst: true });
    }
  });

  it('runs as a non-root numeric user, exposes 8000 and starts the compiled service', () => {
    const user = runtime.lines.filter((l) => l.startsWith('USER ')).pop();
    expect(user).toBeDefined();
    const uid = user!.split(/\s+/)[1].split(':')[0];
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
    expect(runtime.lines).toContain('EXPOSE 8000');
    const cmd = execForm(runtime.lines.find((l) => l.startsWith('CMD '))!);
    const pkg = JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> };
    expect(cmd.join(' ')).toBe(pkg.scripts['start:prod']);
  });

  it('copies only sources that exist and that .dockerignore lets into the build context', () => {
    const ignore = dockerIgnored(readRepoFile('.dockerignore'));
    const sources = stages
      .flatMap((s) => s.lines)
      .filter((l) => l.startsWith('COPY ') && !l.includes('--from='))
      .flatMap((l) => l.split(/\s+/).slice(1, -1));
    expect(sources.length).toBeGreaterThan(5);
    for (const src of sources) {
      expect({ src, exists: existsSync(join(ROOT, src)), ignored: ignore(src) }).toEqual({
        src,
        exists: true,
        ignored: false,
      });
    }
    for (const heavy of ['node_modules', 'dist', '.git', 'test', 'models/phase5/candidates']) {
      expect({ heavy, ignored: ignore(heavy) }).toEqual({ heavy, ignored: true });
    }
    expect(ignore('models/phase5/champion/model.onnx')).toBe(false);
  });

  it('builds everything `npm run build` produces that the service serves', () => {
    const pkg = JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> };
    const copies = runtime.lines.filter((l) => l.startsWith('COPY --from=build'));
    expect(copies.some((l) => l.includes('/app/dist/apps/ml-service '))).toBe(true);
    if (pkg.scripts.build.includes('build:dashboard')) {
      // The operator page bundle (scripts/build-dashboard.mjs → dist/dashboard), served at /dashboard.
      expect(stages[0].lines).toContain('COPY scripts/build-dashboard.mjs ./scripts/build-dashboard.mjs');
      expect(copies).toContain('COPY --from=build /app/dist/dashboard ./dist/dashboard');
    }
  });

  describe('healthchecks run against the real service', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await bootTestApp();
    });
    afterAll(async () => t.close());

    /**
     * Runs a `node -e` healthcheck command with PORT and the hard-coded 8000 pointed at `port`, in a
     * child process (asynchronously: the service answers from this process's event loop).
     */
    const runCheck = (command: string[], port: number): Promise<number | null> => {
      expect(command.slice(0, 2)).toEqual(['node', '-e']);
      const script = command[2].replace('127.0.0.1:8000', `127.0.0.1:${port}`);
      return new Promise((resolve) => {
        const child = spawn(process.execPath, ['-e', script], { env: { PORT: String(port) }, stdio: 'ignore' });
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', (code) => {
          clearTimeout(timer);
          resolve(code);
        });
      });
    };

    it("the Dockerfile's HEALTHCHECK passes on /health/live and fails when nothing listens", async () => {
      const line = runtime.lines.find((l) => l.startsWith('HEALTHCHECK '))!;
      const command = execForm(line.slice(line.indexOf('CMD')));
      expect(command[2]).toContain('/health/live');
      const port = Number(new URL(t.url).port);
      await expect(runCheck(command, port)).resolves.toBe(0);
      await expect(runCheck(command, await freePort())).resolves.toBe(1);
    });

    it("compose's ml-service healthcheck passes on /health/ready and fails when nothing listens", async () => {
      const test = svc['ml-service'].healthcheck!.test as string[];
      expect(test[0]).toBe('CMD');
      expect(test[3]).toContain('/health/ready');
      const port = Number(new URL(t.url).port);
      await expect(runCheck(test.slice(1), port)).resolves.toBe(0);
      await expect(runCheck(test.slice(1), await freePort())).resolves.toBe(1);
    });
  });
});
