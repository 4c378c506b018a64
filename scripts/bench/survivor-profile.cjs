/**
 * Preload (`node -r`) that records which allocation sites' objects outlive young-generation
 * collections: V8's sampling heap profiler with objects discarded by major GCs kept and those
 * discarded by scavenges left out, from ALLOC_PROF_START_MS to ALLOC_PROF_STOP_MS after start, written
 * to ALLOC_PROF_OUT (a .heapprofile that Chrome DevTools opens; `--summary FILE` prints the top sites).
 *
 *   npx ts-node -r tsconfig-paths/register --transpile-only scripts/bench/gc-probe.ts --rate 500 \
 *     --node-args "-r ./scripts/bench/survivor-profile.cjs" --env ALLOC_PROF_OUT=/tmp/survivors.heapprofile
 *   node scripts/bench/survivor-profile.cjs --summary /tmp/survivors.heapprofile
 */
const fs = require('node:fs');

if (process.argv[2] === '--summary') {
  summarise(process.argv[3]);
} else {
  record();
}

function record() {
  const inspector = require('node:inspector');
  const session = new inspector.Session();
  session.connect();
  const out = process.env.ALLOC_PROF_OUT || '/tmp/survivors.heapprofile';
  const start = {
    samplingInterval: 8192,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: false,
  };
  setTimeout(() => session.post('HeapProfiler.startSampling', start), Number(process.env.ALLOC_PROF_START_MS || 8000)).unref();
  setTimeout(
    () =>
      session.post('HeapProfiler.stopSampling', (err, result) => {
        if (err) {
          console.error('survivor profile failed:', err);
        } else {
          fs.writeFileSync(out, JSON.stringify(result.profile));
        }
      }),
    Number(process.env.ALLOC_PROF_STOP_MS || 20000),
  ).unref();
}

/** Share of the sampled bytes per allocation site, with its three nearest callers. */
function summarise(file) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const bySite = new Map();
  let total = 0;
  const visit = (node, callers) => {
    const f = node.callFrame;
    const site = `${f.functionName || '(anonymous)'} ${f.url.replace(/.*node_modules\//, '')}:${f.lineNumber}`;
    total += node.selfSize;
    const key = [site, ...callers.slice(-3).reverse()].join(' <- ');
    bySite.set(key, (bySite.get(key) || 0) + node.selfSize);
    node.children.forEach((c) => visit(c, [...callers, site]));
  };
  visit(profile.head, []);
  console.log(`sampled ${(total / 1e6).toFixed(1)} MB of objects that outlived a scavenge`);
  [...bySite.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 25)
    .forEach(([k, v]) => console.log(`${((100 * v) / total).toFixed(1)}% ${k}`));
}
