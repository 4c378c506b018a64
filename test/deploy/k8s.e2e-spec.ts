import { existsSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { EnvDto, loadConfig } from '@app/config';
import { makeModelDir } from '../support/model-fixture';
import { bootTestApp, TestApp } from '../support/test-app';
import { loadYaml, readRepoFile, ROOT } from './monitoring-tools';

const K8S = 'deploy/k8s';

interface Probe {
  httpGet: { path: string; port: string | number };
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
}
interface Container {
  name: string;
  image: string;
  ports: Array<{ name: string; containerPort: number; protocol?: string }>;
  envFrom: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  env?: Array<{ name: string }>;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  startupProbe: Probe;
  readinessProbe: Probe;
  livenessProbe: Probe;
  securityContext: {
    allowPrivilegeEscalation: boolean;
    readOnlyRootFilesystem: boolean;
    capabilities: { drop: string[] };
  };
  volumeMounts: Array<{ name: string; mountPath: string }>;
}
interface Deployment {
  kind: string;
  metadata: { name: string };
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string>; annotations: Record<string, string> };
      spec: {
        securityContext: { runAsNonRoot: boolean; runAsUser: number };
        containers: Container[];
        volumes: Array<{ name: string; emptyDir?: unknown }>;
      };
    };
  };
}
interface Service {
  kind: string;
  metadata: { name: string; labels: Record<string, string> };
  spec: { selector: Record<string, string>; ports: Array<{ name: string; port: number; targetPort: string | number }> };
}

const deployment = loadYaml<Deployment>(`${K8S}/deployment.yaml`);
const service = loadYaml<Service>(`${K8S}/service.yaml`);
const configMap = loadYaml<{ kind: string; metadata: { name: string }; data: Record<string, string> }>(
  `${K8S}/configmap.yaml`,
);
const secret = loadYaml<{ kind: string; metadata: { name: string }; stringData: Record<string, string> }>(
  `${K8S}/secret.example.yaml`,
);
const hpa = loadYaml<{
  spec: {
    scaleTargetRef: { kind: string; name: string };
    minReplicas: number;
    maxReplicas: number;
    metrics: Array<{ resource: { name: string; target: { type: string; averageUtilization: number } } }>;
  };
}>(`${K8S}/hpa.yaml`);
const pdb = loadYaml<{ spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } } }>(
  `${K8S}/pdb.yaml`,
);
const monitor = loadYaml<{
  spec: { selector: { matchLabels: Record<string, string> }; endpoints: Array<{ port: string; path: string }> };
}>(`${K8S}/servicemonitor.yaml`);
const container = deployment.spec.template.spec.containers[0];
const podLabels = deployment.spec.template.metadata.labels;

/** The container port a probe or Service refers to (by name or number). */
function resolvePort(port: string | number): number | undefined {
  return typeof port === 'number' ? port : container.ports.find((p) => p.name === port)?.containerPort;
}

const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe('Kubernetes manifests (deploy/k8s)', () => {
  it('lists every manifest but the Secret template in kustomization.yaml', () => {
    const k = loadYaml<{ resources: string[] }>(`${K8S}/kustomization.yaml`);
    expect(k.resources.sort()).toEqual(
      ['configmap.yaml', 'deployment.yaml', 'hpa.yaml', 'pdb.yaml', 'service.yaml', 'servicemonitor.yaml'].sort(),
    );
    for (const f of k.resources) {
      expect(existsSync(join(ROOT, K8S, f))).toBe(true);
    }
  });

  it('serves HTTP on container port 8000 named "http", which the Service targets', () => {
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
    expect(Number(configMap.data.PORT)).toBe(8000);
    expect(readRepoFile('Dockerfile')).toMatch(/^EXPOSE 8000$/m);
    expect(service.spec.ports).toHaveLength(1);
    expect(resolvePort(service.spec.ports[0].targetPort)).toBe(8000);
    expect(service.spec.ports[0].name).toBe('http');
    expect(selects(service.spec.selector, podLabels)).toBe(true);
    expect(selects(deployment.spec.selector.matchLabels, podLabels)).toBe(true);
  });

  it('probes liveness on /health/live, readiness on /health/ready, startup with a budget, all on the http port', () => {
    expect(container.livenessProbe.httpGet.path).toBe('/health/live');
    expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(container.startupProbe.httpGet.path).toBe('/health/live');
    for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
      expect(resolvePort(probe.httpGet.port)).toBe(8000);
      expect(probe.timeoutSeconds).toBeLessThan(probe.periodSeconds);
    }
    // Startup (migrations, model load) gets at least two minutes before liveness can restart the pod.
    expect(container.startupProbe.periodSeconds * container.startupProbe.failureThreshold).toBeGreaterThanOrEqual(120);
  });

  it('sets resources and runs non-root on a read-only root filesystem with /tmp as an emptyDir', () => {
    expect(Object.keys(container.resources.requests).sort()).toEqual(['cpu', 'memory']);
    expect(Object.keys(container.resources.limits).sort()).toEqual(['cpu', 'memory']);
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    // The image's USER is the same uid, so the files it owns (/app/data) stay writable.
    expect(readRepoFile('Dockerfile')).toMatch(new RegExp(`^USER ${pod.securityContext.runAsUser}:`, 'm'));
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    const tmp = container.volumeMounts.find((m) => m.mountPath === '/tmp');
    expect(pod.volumes.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
  });

  it('takes settings from the ConfigMap and the Secret the manifests define', () => {
    expect(container.envFrom).toEqual([
      { configMapRef: { name: configMap.metadata.name } },
      { secretRef: { name: secret.metadata.name } },
    ]);
    expect(container.env?.map((e) => e.name)).toEqual(['INSTANCE_ID']);
  });

  it('has only real config keys in the ConfigMap and Secret, with values that pass validation', () => {
    const known = [...Object.keys(new EnvDto()), 'DATABASE_URL', 'REDIS_URL', 'ML_ADMIN_TOKEN', 'INSTANCE_ID'];
    expect(Object.keys(configMap.data).filter((k) => !known.includes(k))).toEqual([]);
    expect(Object.keys(secret.stringData).filter((k) => !known.includes(k))).toEqual([]);
    // The plan's canary start: ML off by default, 5% once switched on.
    expect(configMap.data).toMatchObject({
      ENABLE_PHASE5_ML: 'false',
      ML_ROLLOUT_PERCENT: '5',
      DRIFT_CRON: '0 */15 * * * *',
    });
    const config = loadConfig({ ...configMap.data, ...secret.stringData, INSTANCE_ID: 'ml-service-abc' });
    expect(config).toMatchObject({ PORT: 8000, ENABLE_PHASE5_ML: false, ML_ROLLOUT_PERCENT: 5, LOG_LEVEL: 'info' });
  });

  it('ships the Secret only as a template with placeholders', () => {
    expect(secret.kind).toBe('Secret');
    expect(Object.keys(secret.stringData).sort()).toEqual(['DATABASE_URL', 'ML_ADMIN_TOKEN']);
    for (const value of Object.values(secret.stringData)) {
      expect(value).toContain('REPLACE_ME');
    }
  });

  it('autoscales the Deployment on CPU above a disruption budget that keeps a replica', () => {
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: deployment.metadata.name });
    expect(hpa.spec.metrics[0].resource).toMatchObject({ name: 'cpu', target: { type: 'Utilization' } });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    expect(deployment.spec.replicas).toBe(hpa.spec.minReplicas);
    expect(selects(pdb.spec.selector.matchLabels, podLabels)).toBe(true);
    expect(pdb.spec.minAvailable).toBeGreaterThanOrEqual(1);
    expect(pdb.spec.minAvailable).toBeLessThan(hpa.spec.minReplicas);
  });

  it('is scraped through the ServiceMonitor (job = Service name, as the alert rules expect) or the pod annotations', () => {
    expect(selects(monitor.spec.selector.matchLabels, service.metadata.labels)).toBe(true);
    expect(monitor.spec.endpoints[0]).toMatchObject({ port: service.spec.ports[0].name, path: '/metrics' });
    expect(readRepoFile('deploy/prometheus/alerts.yml')).toContain(`up{job="${service.metadata.name}"}`);
    const a = deployment.spec.template.metadata.annotations;
    expect(a['prometheus.io/scrape']).toBe('true');
    expect(Number(a['prometheus.io/port'])).toBe(8000);
    expect(a['prometheus.io/path']).toBe('/metrics');
  });

  describe('against the running service', () => {
    let t: TestApp;
    let bootMs = 0;

    beforeAll(async () => {
      const modelDir = makeModelDir('rf', 'lr');
      const started = Date.now();
      t = await bootTestApp({ ENABLE_PHASE5_ML: true, ML_MODEL_DIR: modelDir });
      bootMs = Date.now() - started;
    });
    afterAll(async () => t.close());

    it('answers 200 on every probe path and metrics on the scrape path', async () => {
      for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
        await request(t.url).get(probe.httpGet.path).expect(200);
      }
      const ready = await request(t.url).get(container.readinessProbe.httpGet.path).expect(200);
      expect(ready.body.info).toMatchObject({ migrations: { status: 'up' }, database: { status: 'up' } });
      const metrics = await request(t.url)
        .get(deployment.spec.template.metadata.annotations['prometheus.io/path'])
        .expect(200);
      expect(metrics.text).toMatch(/^ml_model_loaded 1$/m);
    });

    it('answers the probes well within their timeouts, and boots well within the startup budget', async () => {
      for (const probe of [container.livenessProbe, container.readinessProbe]) {
        const started = Date.now();
        await request(t.url).get(probe.httpGet.path).expect(200);
        expect(Date.now() - started).toBeLessThan((probe.timeoutSeconds * 1000) / 4);
      }
      const budget = container.startupProbe.periodSeconds * container.startupProbe.failureThreshold * 1000;
      expect(bootMs).toBeLessThan(budget / 4);
    });
  });
});
