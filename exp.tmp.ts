import { readFileSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '@app/migrations';
import { PredictionLogRepository, realArrayLiteral } from '@app/ml-service/prediction-log/prediction-log.repository';
import type { PredictionRecord } from '@app/ml-service/prediction-log/prediction-record';
function pgCpu(pid: number) { const s = readFileSync(`/proc/${pid}/stat`, 'utf8'); const f = s.slice(s.lastIndexOf(')') + 2).split(' '); return (Number(f[11]) + Number(f[12])) / 100; }
const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
async function main() {
  const ds = new DataSource({ type: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/exp_log', migrations: MIGRATIONS, migrationsRun: true, extra: { max: 1 } });
  await ds.initialize();
  const repo = new PredictionLogRepository(ds);
  const N = 250;
  const mk = (i: number): PredictionRecord => ({ created_at: new Date(), pattern_id: `logcost-${i}`, symbol: 'ABCD', pattern_type: 'double_bottom', timeframe: '1h', direction: 'bullish', instance_id: 'bench', model_version: 'v1-rf-s42-0ba10e2f', feature_schema_version: 'v1', arm: 'ml', source: 'ml_blended', fallback_reason: null, confidence: 0.61, confidence_ml: 0.65, confidence_rule: 0.55, confidence_blended: 0.61, passes_threshold: true, cache_hit: false, inference_latency_ms: 0.42, features: Float32Array.from({ length: 52 }, (_, j) => Math.sin(i * 52 + j) * 1000) });
  const rows = Array.from({ length: N }, (_, i) => mk(i));
  const enc = (r: PredictionRecord) => JSON.stringify([r.created_at.toISOString(), r.pattern_id, r.symbol, r.pattern_type, r.timeframe, r.direction, r.instance_id, r.model_version, r.feature_schema_version, r.arm, r.source, r.fallback_reason, r.confidence, r.confidence_ml, r.confidence_rule, r.confidence_blended, r.passes_threshold, r.cache_hit, r.inference_latency_ms, realArrayLiteral(r.features)]);
  const sqlJ = `INSERT INTO ml_predictions (created_at, pattern_id, symbol, pattern_type, timeframe, direction, instance_id,
         model_version, feature_schema_version, arm, source, fallback_reason, confidence, confidence_ml,
         confidence_rule, confidence_blended, passes_threshold, cache_hit, inference_latency_ms, features)
    SELECT (e->>0)::timestamptz, e->>1, e->>2, e->>3, e->>4, e->>5, e->>6, e->>7, e->>8, e->>9, e->>10, e->>11,
      (e->>12)::real, (e->>13)::real, (e->>14)::real, (e->>15)::real, (e->>16)::boolean, (e->>17)::boolean, (e->>18)::real, (e->>19)::real[]
    FROM jsonb_array_elements($1::jsonb) e`;
  const [{ pid }] = await ds.query('SELECT pg_backend_pid() AS pid');
  const variants: Record<string, () => Promise<unknown>> = {
    unnest: () => repo.insertMany(rows),
    jsonb: () => { const e = rows.map(enc); return ds.query(sqlJ, ['[' + e.join(',') + ']']); },
  };
  for (const [name, f] of Object.entries(variants)) {
    for (let k = 0; k < 5; k++) await f();
    const node: number[] = [], pg: number[] = [];
    for (let r = 0; r < 7; r++) {
      const c0 = process.cpuUsage(); const p0 = pgCpu(pid);
      for (let k = 0; k < 8; k++) await f();
      const c = process.cpuUsage(c0);
      node.push((c.user + c.system) / (8 * N)); pg.push(((pgCpu(pid) - p0) * 1e6) / (8 * N));
    }
    console.log(name, 'node µs/row', med(node).toFixed(1), 'pg µs/row', med(pg).toFixed(1));
  }
  const t0 = process.hrtime.bigint(); for (let k = 0; k < 20; k++) rows.map(enc); console.log('encode µs/row', (Number(process.hrtime.bigint() - t0) / 20 / N / 1000).toFixed(2));
  await ds.destroy();
}
void main();
