/**
 * Top self-time functions of a V8 .cpuprofile (from `node --cpu-prof`), and the same grouped by
 * package/file, so a benchmark miss can be traced to its cause without a GUI.
 * Run: npx ts-node --transpile-only scripts/bench/profile-summary.ts <file.cpuprofile> [--top 25]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileRow {
  name: string;
  selfMs: number;
  share: number;
}

/** Where a script URL belongs: a node_modules package, node's internals, or a project file. */
export function ownerOf(url: string): string {
  if (!url) {
    return '(native/VM)';
  }
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) {
    return nm[1];
  }
  if (url.startsWith('node:')) {
    return url;
  }
  const project = /\/(apps|libs|scripts|migrations)\/(.+)$/.exec(url);
  return project ? `${project[1]}/${project[2]}` : url;
}

/** Self time per function and per owner (package or file), largest first. */
export function summarizeProfile(profile: CpuProfile): {
  total: number;
  functions: ProfileRow[];
  owners: ProfileRow[];
} {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0) / 1000;
  const functions = new Map<string, number>();
  const owners = new Map<string, number>();
  for (const [id, us] of self) {
    const frame = byId.get(id)!.callFrame;
    const file = frame.url.split('/').slice(-2).join('/');
    const name = `${frame.functionName || '(anonymous)'} ${file ? `${file}:${frame.lineNumber + 1}` : ''}`.trim();
    functions.set(name, (functions.get(name) ?? 0) + us / 1000);
    const owner = ownerOf(frame.url);
    owners.set(owner, (owners.get(owner) ?? 0) + us / 1000);
  }
  const rows = (m: Map<string, number>): ProfileRow[] =>
    [...m.entries()]
      .map(([name, selfMs]) => ({ name, selfMs, share: selfMs / total }))
      .sort((a, b) => b.selfMs - a.selfMs);
  return { total, functions: rows(functions), owners: rows(owners) };
}

/** The summary as text: the top `top` functions and owners by self time. */
export function formatProfileSummary(path: string, top = 25): string {
  const { total, functions, owners } = summarizeProfile(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile);
  const line = (r: ProfileRow): string =>
    `${(r.share * 100).toFixed(1).padStart(5)}%  ${r.selfMs.toFixed(0).padStart(7)} ms  ${r.name}`;
  return [
    `${path}: ${total.toFixed(0)} ms sampled`,
    `top ${top} functions by self time:`,
    ...functions.slice(0, top).map(line),
    'by package / file:',
    ...owners.slice(0, 15).map(line),
  ].join('\n');
}

if (require.main === module) {
  const path = process.argv[2];
  if (!path) {
    process.stderr.write('usage: profile-summary.ts <file.cpuprofile> [--top N]\n');
    process.exit(2);
  }
  const i = process.argv.indexOf('--top');
  process.stdout.write(`${formatProfileSummary(path, i > 0 ? Number(process.argv[i + 1]) : 25)}\n`);
}
