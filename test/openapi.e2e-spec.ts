import request from 'supertest';
import { makeModelDir } from './support/model-fixture';
import { patterns } from './support/patterns';
import { bootTestApp, TestApp } from './support/test-app';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
}

describe('OpenAPI at /api/docs', () => {
  let t: TestApp;
  let doc: {
    paths: Record<string, Record<string, { summary?: string; responses?: object }>>;
    components: { schemas: Record<string, { required?: string[] }> };
  };

  beforeAll(async () => {
    t = await bootTestApp({ ENABLE_PHASE5_ML: true, ML_MODEL_DIR: makeModelDir('rf') });
    doc = (await request(t.url).get('/api/docs-json').expect(200)).body;
  });
  afterAll(async () => t.close());

  it('serves the interactive documentation', async () => {
    const res = await request(t.url).get('/api/docs/').expect(200);
    expect(res.text).toMatch(/swagger/i);
  });

  it('documents every route the service serves, with a summary and responses', () => {
    const stack = (t.app.getHttpAdapter().getInstance() as { router: { stack: Layer[] } }).router.stack;
    const routes = stack
      .filter((l) => l.route && !l.route.path.includes('{*') && !l.route.path.startsWith('/api/docs'))
      .flatMap((l) =>
        Object.keys(l.route!.methods)
          .filter((m) => m !== '_all')
          .map((m) => [m, l.route!.path.replace(/:(\w+)/g, '{$1}')] as const),
      );
    expect(routes.length).toBeGreaterThan(20);
    const missing = routes.filter(([m, p]) => !doc.paths[p]?.[m]);
    expect(missing).toEqual([]);
    for (const [m, p] of routes) {
      expect(doc.paths[p][m].summary).toBeTruthy();
      expect(Object.keys(doc.paths[p][m].responses ?? {}).length).toBeGreaterThan(0);
    }
  });

  it('describes the response a real request gets', async () => {
    const res = await request(t.url).post('/api/ml/confidence').send(patterns(1, 131)[0]).expect(200);
    const required = doc.components.schemas.ConfidenceResponse.required!;
    expect(Object.keys(res.body).sort()).toEqual([...required].sort());
    const requestFields = doc.components.schemas.ConfidenceRequest.required!;
    expect(Object.keys(patterns(1, 131)[0]).sort()).toEqual([...requestFields].sort());
  });
});
