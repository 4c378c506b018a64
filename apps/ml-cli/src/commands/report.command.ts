import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { intOption, parseArgs, stringOption, UsageError } from '../cli-args';

export const REPORT_USAGE = 'npm run report -- --out report.html [--id N] [--url http://localhost:8000]';

const OPTIONS = ['out', 'id', 'url'] as const;
const DEFAULT_URL = 'http://localhost:8000';
const TIMEOUT_MS = 30_000;

interface ReportListItem {
  id: number;
  status: string;
}

/** GET with a timeout; an unreachable service is the caller's --url problem, so a UsageError. */
async function get(url: string): Promise<Response> {
  try {
    return await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new UsageError(
      `cannot reach the service at ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
    );
  }
}

async function failure(res: Response, what: string): Promise<Error> {
  const body = (await res.json().catch(() => null)) as { message?: unknown } | null;
  const raw = body?.message;
  const message = typeof raw === 'string' ? raw : raw !== undefined ? JSON.stringify(raw) : res.statusText;
  return res.status === 404
    ? new UsageError(`${what}: ${message}`)
    : new Error(`${what}: HTTP ${res.status} ${message}`);
}

/**
 * `report`: fetches a drift report as self-contained HTML from a running service
 * (GET /api/ml/drift/reports/:id/html; by default the latest run that could judge drift) and writes it to --out.
 */
export async function reportCommand(argv: string[], out: (line: string) => void): Promise<void> {
  const args = parseArgs(argv, OPTIONS);
  const target = stringOption(args, 'out');
  if (!target) {
    throw new UsageError('--out is required: the HTML file to write');
  }
  const outPath = resolve(target);
  if (!existsSync(dirname(outPath)) || !statSync(dirname(outPath)).isDirectory()) {
    throw new UsageError(`--out: directory ${dirname(outPath)} does not exist`);
  }
  if (existsSync(outPath) && statSync(outPath).isDirectory()) {
    throw new UsageError(`--out: ${outPath} is a directory`);
  }
  const id = args.has('id') ? intOption(args, 'id', 0, 1, 2 ** 31 - 1) : null;
  const raw = stringOption(args, 'url', DEFAULT_URL) as string;
  let base: URL;
  try {
    base = new URL(raw);
  } catch {
    throw new UsageError(`--url must be an http(s) URL, got "${raw}"`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new UsageError(`--url must be an http(s) URL, got "${raw}"`);
  }
  const root = base.toString().replace(/\/+$/, '');

  let reportId = id;
  if (reportId === null) {
    const res = await get(`${root}/api/ml/drift/reports?limit=50`);
    if (!res.ok) {
      throw await failure(res, 'listing drift reports');
    }
    const list = (await res.json()) as ReportListItem[];
    const latest = list.find((r) => r.status === 'ok' || r.status === 'drift') ?? list[0];
    if (!latest) {
      throw new UsageError(
        `the service at ${root} has no drift report yet: run the drift job (POST /api/ml/drift/run) or wait for its schedule`,
      );
    }
    reportId = latest.id;
  }
  const res = await get(`${root}/api/ml/drift/reports/${reportId}/html`);
  if (!res.ok) {
    throw await failure(res, `drift report ${reportId}`);
  }
  const html = await res.text();
  writeFileSync(outPath, html);
  out(`wrote ${outPath}: drift report #${reportId}, ${(Buffer.byteLength(html) / 1024).toFixed(1)} kB`);
}
