import type { DriftReportEntity } from '../alerts/drift-report.entity';
import type { BaselineEntity, FeatureReference } from '../baseline/baseline.entity';
import type { QualityIssue, SeriesDrift } from '../drift/drift-analysis';
import { compactNumber, groupLabel, groupRanges, proportions } from './histogram-groups.util';

/** The CSP of the downloadable report: nothing is fetched, only its own inline style applies. */
export const DRIFT_REPORT_HTML_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const CHART = { width: 660, height: 240, left: 84, right: 10, top: 12, bottom: 70 } as const;
const COLORS = { baseline: '#6b7f99', current: '#e0762f' } as const;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const num = (v: number | null | undefined, digits = 3): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);
const pct = (v: number | null | undefined): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(1)}%`;
const iso = (d: Date | string | null | undefined): string =>
  d === null || d === undefined ? '—' : (d instanceof Date ? d : new Date(d)).toISOString();
/** An id usable as an HTML id / fragment whatever the feature name holds. */
const anchor = (feature: string): string => `f-${feature.replace(/[^A-Za-z0-9_-]/g, '_')}`;

/** Baseline-vs-current grouped bars of one series as inline SVG (shares of each side's total). */
function histogramSvg(d: SeriesDrift, ref: FeatureReference | undefined): string {
  const base = proportions(d.baseline_groups);
  const cur = proportions(d.current_groups);
  const n = Math.max(base.length, cur.length);
  const ranges = ref && ref.groups.length === n ? groupRanges(ref.edges, ref.groups, ref.counts.length) : null;
  const { width, height, left, right, top, bottom } = CHART;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  // Axis top rounded up to a multiple of 10% (5% below 20%) so the three ticks read as round numbers.
  const peak = Math.max(0.01, ...base, ...cur);
  const step = peak > 0.2 ? 0.1 : 0.05;
  const max = Math.ceil(peak / step - 1e-9) * step;
  const band = plotW / Math.max(n, 1);
  const bar = Math.max(1, band * 0.38);
  const y = (p: number): number => top + plotH - (p / max) * plotH;
  const parts: string[] = [];
  for (const tick of [0, max / 2, max]) {
    parts.push(
      `<line x1="${left}" x2="${width - right}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}" class="grid"/>`,
      `<text x="${left - 4}" y="${(y(tick) + 3).toFixed(1)}" class="ytick">${Number((tick * 100).toFixed(1))}%</text>`,
    );
  }
  for (let i = 0; i < n; i++) {
    const x0 = left + i * band + band / 2;
    const label = ranges ? groupLabel(ranges[i]) : `g${i + 1}`;
    for (const [side, p, x, count] of [
      ['baseline', base[i] ?? 0, x0 - bar, d.baseline_groups[i] ?? 0],
      ['current', cur[i] ?? 0, x0, d.current_groups[i] ?? 0],
    ] as const) {
      const h = y(0) - y(p);
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y(p).toFixed(1)}" width="${bar.toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[side]}">` +
          `<title>${escapeHtml(`${label} · ${side}: ${(p * 100).toFixed(1)}% (${count})`)}</title></rect>`,
      );
    }
    parts.push(
      `<text transform="translate(${x0.toFixed(1)} ${height - bottom + 12}) rotate(-35)" class="xtick">${escapeHtml(label)}</text>`,
    );
  }
  const title = `${d.feature}: baseline vs current share per coarse group`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}">` +
    `<line x1="${left}" x2="${width - right}" y1="${y(0).toFixed(1)}" y2="${y(0).toFixed(1)}" class="axis"/>` +
    parts.join('') +
    '</svg>'
  );
}

function featureSection(d: SeriesDrift, ref: FeatureReference | undefined): string {
  const outside = d.share_below_baseline_range + d.share_above_baseline_range;
  const arms = Object.entries(d.by_arm ?? {})
    .map(([arm, a]) => `${escapeHtml(arm)}: PSI ${num(a.psi)}, JS ${num(a.js_distance)}, n=${a.sample_size}`)
    .join(' · ');
  return `<section class="feature${d.drifted ? ' drifted' : ''}" id="${anchor(d.feature)}">
<h3>${escapeHtml(d.feature)}${d.drifted ? ' <span class="badge">drifted</span>' : ''}</h3>
<p class="scores">PSI <b>${num(d.psi)}</b> · JS distance <b>${num(d.js_distance)}</b> · n=${d.sample_size} · non-finite ${pct(d.non_finite_rate)} · outside baseline range ${pct(outside)}${ref ? ` · baseline mean ${ref.mean === null ? '—' : compactNumber(ref.mean)}, std ${ref.std === null ? '—' : compactNumber(ref.std)}` : ''}</p>
${arms ? `<p class="arms">${arms}</p>` : ''}
${histogramSvg(d, ref)}
</section>`;
}

function summaryTable(features: SeriesDrift[]): string {
  const rows = features
    .map(
      (d) =>
        `<tr${d.drifted ? ' class="drifted"' : ''}><td><a href="#${anchor(d.feature)}">${escapeHtml(d.feature)}</a></td>` +
        `<td class="n">${num(d.psi)}</td><td class="n">${num(d.js_distance)}</td><td class="n">${d.sample_size}</td>` +
        `<td class="n">${pct(d.non_finite_rate)}</td><td class="n">${pct(d.share_below_baseline_range + d.share_above_baseline_range)}</td>` +
        `<td>${d.drifted ? 'yes' : ''}</td></tr>`,
    )
    .join('\n');
  return `<table><thead><tr><th>Feature</th><th>PSI</th><th>JS distance</th><th>n</th><th>Non-finite</th><th>Outside range</th><th>Drifted</th></tr></thead>
<tbody>
${rows}
</tbody></table>`;
}

const STYLE = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:24px;color:#1d2733;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #dde3ea;padding-bottom:4px}h3{font-size:15px;margin:0 0 4px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0}dt{color:#5b6776}dd{margin:0}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #eef1f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.drifted td{background:#fff1e8}.badge{background:#c2410c;color:#fff;border-radius:3px;padding:0 6px;font-size:12px;font-weight:600}
.feature{border:1px solid #dde3ea;border-radius:6px;padding:10px 12px;margin:12px 0;break-inside:avoid}.feature.drifted{border-color:#e0762f}
.scores,.arms{margin:0 0 6px;color:#37424f}.arms{font-size:12px;color:#5b6776}.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}
.legend .b{background:${COLORS.baseline}}.legend .c{background:${COLORS.current}}.message{padding:8px 12px;background:#f4f6f8;border-radius:4px}
svg{max-width:100%;height:auto}svg .grid{stroke:#eef1f4}svg .axis{stroke:#8795a5}svg text{font-size:10px;fill:#5b6776}svg .ytick{text-anchor:end}svg .xtick{text-anchor:end}
footer{margin-top:32px;color:#8795a5;font-size:12px}`;

export interface DriftReportHtmlOptions {
  /** The PSI threshold in force (DRIFT_PSI_THRESHOLD), shown with the run's metadata. */
  psiThreshold?: number;
  generatedAt?: Date;
}

/**
 * A drift report as one self-contained HTML file (inline CSS and SVG, no script, nothing fetched):
 * run metadata, the per-feature score table and a baseline-vs-current histogram per feature.
 * Group value ranges come from `baseline` when it is the report's baseline; otherwise groups are numbered.
 */
export function renderDriftReportHtml(
  report: DriftReportEntity,
  baseline: BaselineEntity | null,
  options: DriftReportHtmlOptions = {},
): string {
  const body = report.report ?? {};
  const features = Array.isArray(body.features) ? [...(body.features as SeriesDrift[])] : [];
  features.sort((a, b) => (b.psi ?? -1) - (a.psi ?? -1) || a.feature.localeCompare(b.feature));
  const prediction = (body.prediction ?? null) as SeriesDrift | null;
  const issues = Array.isArray(body.data_quality) ? (body.data_quality as QualityIssue[]) : [];
  const ref = baseline && baseline.id === report.baseline_id ? baseline : null;
  const threshold = options.psiThreshold ?? null;
  const generatedAt = options.generatedAt ?? new Date();
  const meta: Array<[string, string]> = [
    ['Status', escapeHtml(report.status)],
    ['Created', escapeHtml(iso(report.created_at))],
    ['Window', `${escapeHtml(iso(report.window_start))} → ${escapeHtml(iso(report.window_end))}`],
    ['Trigger', escapeHtml(report.trigger)],
    ['Instance', escapeHtml(report.instance_id)],
    ['Sample size', escapeHtml(report.sample_size)],
    [
      'Baseline',
      report.baseline_id === null
        ? '—'
        : `#${escapeHtml(report.baseline_id)}${ref ? ` (${escapeHtml(ref.source)}${ref.label ? `, “${escapeHtml(ref.label)}”` : ''}, model ${escapeHtml(ref.model_version ?? '—')}, n=${escapeHtml(ref.sample_size)})` : ' (no longer active: group value ranges not shown)'}`,
    ],
    ['Feature drift score (max PSI)', num(report.feature_drift_score)],
    ['PSI threshold (service config)', num(threshold, 2)],
    ['Prediction drift score (PSI)', num(report.prediction_drift_score)],
    [
      'Drifted features',
      report.drifted_features.length > 0 ? report.drifted_features.map(escapeHtml).join(', ') : 'none',
    ],
  ];
  const message = typeof body.message === 'string' ? `<p class="message">${escapeHtml(body.message)}</p>` : '';
  const title = `Drift report #${report.id}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
${STYLE}
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>Population stability index (PSI) and Jensen–Shannon distance of each feature's current window against the baseline, over the baseline's coarse equal-mass groups.</p>
<dl>
${meta.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`).join('\n')}
</dl>
${message}
${
  issues.length > 0
    ? `<h2>Data quality</h2><ul>${issues
        .map(
          (q) =>
            `<li>${escapeHtml(q.feature ?? 'requests')}: ${escapeHtml(q.kind)} ${pct(q.value)} (threshold ${pct(q.threshold)})</li>`,
        )
        .join('')}</ul>`
    : ''
}
${features.length > 0 ? `<h2>Features (${features.length}), by PSI</h2>\n${summaryTable(features)}` : ''}
${
  prediction
    ? `<h2>Prediction (ML confidence)</h2>\n<p class="legend">Share of each side's total:<span class="b"></span>baseline<span class="c"></span>current</p>\n${featureSection(prediction, ref?.prediction ?? undefined)}`
    : ''
}
${
  features.length > 0
    ? `<h2>Histograms</h2>\n<p class="legend">Share of each side's total per coarse group:<span class="b"></span>baseline<span class="c"></span>current</p>\n${features
        .map((d) => featureSection(d, ref?.features[d.feature]))
        .join('\n')}`
    : ''
}
<footer>Generated ${escapeHtml(generatedAt.toISOString())} by the pattern-confidence ML service · GET /api/ml/drift/reports/${escapeHtml(report.id)}/html</footer>
</body>
</html>
`;
}
