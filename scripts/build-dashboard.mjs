#!/usr/bin/env node
// Bundles the operator page (apps/ml-service/src/dashboard/web) with uPlot from node_modules into
// dist/dashboard/{index.html, dashboard.js, dashboard.css}: one script, one stylesheet, no CDN.
// The service serves that directory at /dashboard. Usage: npm run build:dashboard
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const web = join(root, 'apps/ml-service/src/dashboard/web');
const out = join(root, 'dist/dashboard');

// Files are overwritten in place (no rm -rf first) so a running service never sees the directory missing.
mkdirSync(out, { recursive: true });

await build({
  entryPoints: { dashboard: join(web, 'main.ts') },
  outdir: out,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2020'],
  minify: true,
  legalComments: 'eof',
  logLevel: 'warning',
  absWorkingDir: root,
});
await build({
  entryPoints: { dashboard: join(web, 'dashboard.css') },
  outdir: out,
  bundle: true,
  minify: true,
  logLevel: 'warning',
  absWorkingDir: root,
});
copyFileSync(join(web, 'index.html'), join(out, 'index.html'));

const sizes = readdirSync(out)
  .map((f) => `${f} ${(statSync(join(out, f)).size / 1024).toFixed(1)} kB`)
  .join(', ');
process.stdout.write(`dashboard built in ${out}: ${sizes}\n`);
