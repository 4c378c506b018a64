import { computeFineEdges, countBins, FEATURE_NAMES } from '@app/features';
import type { DriftReportEntity } from '../alerts/drift-report.entity';
import type { BaselineEntity, FeatureReference } from '../baseline/baseline.entity';
import { seriesDrift, SeriesDrift } from '../drift/drift-analysis';
import { coarseGroupStarts } from '../drift/drift-statistics.util';
import { escapeHtml, renderDriftReportHtml } from './drift-report-html.util';
import { groupLabel, groupRanges } from './histogram-groups.util';

/** Seeded PRNG (mulberry32) so every run renders the same report. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normals(seed: number, n: number, mean = 0, sd = 1): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => mean + sd * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()));
}

function reference(values: number[]): FeatureReference {
  const edges = computeFineEdges(values, 100);
  const counts = countBins(values, edges);
  return {
    edges,
    counts,
    groups: coarseGroupStarts(counts),
    mean: 0,
    std: 1,
    min: Math.min(...values),
    max: Math.max(...values),
    count: values.length,
    non_finite: 0,
    non_finite_rate: 0,
  };
}

/** A baseline over all 52 features and a report whose first three features moved. */
function fixture(drifted = 3): { report: DriftReportEntity; baseline: BaselineEntity } {
  const features: Record<string, FeatureReference> = {};
  const drifts: SeriesDrift[] = [];
  FEATURE_NAMES.forEach((name, i) => {
    const ref = reference(normals(100 + i, 2000));
    features[name] = ref;
    const current = normals(900 + i, 1000, i < drifted ? 1.5 : 0);
    drifts.push(seriesDrift(name, ref, new Map([['ml', countBins(current, ref.edges)]]), 0.2));
  });
  const prediction = reference(normals(7, 2000, 0.5, 0.1));
  const baseline = {
    id: 4,
    created_at: new Date('2026-01-01T00:00:00Z'),
    source: 'recent',
    label: 'normal week',
    model_version: 'v1.2.0',
    feature_schema_version: 'v1',
    window_start: new Date('2025-12-31T00:00:00Z'),
    window_end: new Date('2026-01-01T00:00:00Z'),
    sample_size: 2000,
    feature_count: 52,
    active: true,
    features,
    prediction,
    performance: null,
  } as BaselineEntity;
  const report = {
    id: 17,
    created_at: new Date('2026-01-02T00:00:00Z'),
    instance_id: 'replica-a',
    baseline_id: 4,
    window_start: new Date('2026-01-01T00:00:00Z'),
    window_end: new Date('2026-01-02T00:00:00Z'),
    trigger: 'manual',
    status: 'drift',
    sample_size: 1000,
    feature_drift_score: Math.max(...drifts.map((d) => d.psi ?? 0)),
    prediction_drift_score: 0.01,
    drifted_features: drifts.filter((d) => d.drifted).map((d) => d.feature),
    duration_ms: 12,
    report: {
      features: drifts,
      prediction: seriesDrift(
        'confidence_ml',
        prediction,
        new Map([['ml', countBins(normals(8, 1000, 0.5, 0.1), prediction.edges)]]),
        0.2,
      ),
      data_quality: [],
    },
  } as DriftReportEntity;
  return { report, baseline };
}

describe('renderDriftReportHtml', () => {
  it('renders all 52 features with an inline SVG histogram each, self-contained and under 2 MB', () => {
    // Arrange
    const { report, baseline } = fixture();

    // Act
    const html = renderDriftReportHtml(report, baseline, { psiThreshold: 0.2 });

    // Assert
    expect(Buffer.byteLength(html)).toBeLessThan(2 * 1024 * 1024);
    for (const name of FEATURE_NAMES) {
      expect(html).toContain(
        `<section class="feature${report.drifted_features.includes(name) ? ' drifted' : ''}" id="f-${name}">`,
      );
      const section = html.slice(html.indexOf(`id="f-${name}"`));
      expect(section.slice(0, section.indexOf('</section>'))).toMatch(/<svg [^>]*role="img"[\s\S]*<rect /);
    }
    expect(html.match(/<svg /g)).toHaveLength(52 + 1); // + the ML confidence
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|href="(?!#)/i);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
  });

  it('lists the drifted features first in the score table, with PSI and JS', () => {
    const { report, baseline } = fixture();
    expect(report.drifted_features).toEqual(FEATURE_NAMES.slice(0, 3));

    const html = renderDriftReportHtml(report, baseline);

    const table = html.slice(html.indexOf('<tbody>'), html.indexOf('</tbody>'));
    const order = [...table.matchAll(/<a href="#f-([^"]+)">/g)].map((m) => m[1]);
    expect(order).toHaveLength(52);
    expect(new Set(order.slice(0, 3))).toEqual(new Set(FEATURE_NAMES.slice(0, 3)));
    const top = (report.report.features as SeriesDrift[]).find((d) => d.feature === order[0])!;
    expect(table).toContain(
      `<td class="n">${top.psi!.toFixed(3)}</td><td class="n">${top.js_distance!.toFixed(3)}</td>`,
    );
  });

  it('labels the groups with the baseline value ranges when the baseline is the report’s own', () => {
    const { report, baseline } = fixture();
    const ref = baseline.features[FEATURE_NAMES[0]];
    const labels = groupRanges(ref.edges, ref.groups, ref.counts.length).map(groupLabel);

    const own = renderDriftReportHtml(report, baseline);
    const other = renderDriftReportHtml(report, { ...baseline, id: 5 });

    expect(labels[0]).toMatch(/^< /);
    expect(labels[labels.length - 1]).toMatch(/^> /);
    for (const label of labels) {
      expect(own).toContain(`class="xtick">${escapeHtml(label)}</text>`);
    }
    expect(own).toContain('“normal week”');
    expect(other).toContain('no longer active: group value ranges not shown');
    expect(other).toContain('class="xtick">g1</text>');
  });

  it('escapes HTML in every string that does not come from the feature schema', () => {
    const { report, baseline } = fixture();
    const evil = '<script>alert(1)</script>';
    const attr = '"><img src=x onerror=alert(1)>';
    const tampered = {
      ...report,
      instance_id: evil,
      trigger: attr,
      status: `drift${evil}`,
      report: {
        ...report.report,
        message: `message ${evil}`,
        data_quality: [{ kind: evil, feature: attr, value: 0.5, threshold: 0.1 }],
      },
    } as unknown as DriftReportEntity;

    const html = renderDriftReportHtml(tampered, {
      ...baseline,
      label: attr,
      source: evil,
      model_version: attr,
    } as unknown as BaselineEntity);

    expect(html.includes('<script')).toBe(false);
    expect(html.includes('<img')).toBe(false);
    expect(html.includes('onerror=alert(1)>')).toBe(false);
    expect(html.split('&lt;script&gt;alert(1)&lt;/script&gt;').length - 1).toBeGreaterThanOrEqual(4);
    expect(html.split('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;').length - 1).toBeGreaterThanOrEqual(4);
  });

  it('explains a run without per-feature scores instead of drawing empty charts', () => {
    const { report } = fixture();
    const insufficient = {
      ...report,
      status: 'insufficient_data',
      drifted_features: [],
      feature_drift_score: null,
      report: { message: 'insufficient data: 12 predictions in the window, DRIFT_MIN_SAMPLES is 500' },
    } as unknown as DriftReportEntity;

    const html = renderDriftReportHtml(insufficient, null);

    expect(html).toContain('insufficient data: 12 predictions in the window');
    expect(html).not.toContain('<svg');
    expect(html).toContain('<dt>Drifted features</dt><dd>none</dd>');
  });
});

describe('groupRanges', () => {
  it('maps the fine layout [underflow, bins…, overflow, non-finite] to value ranges', () => {
    // edges 0..4 → slots: 0 underflow, 1..4 bins, 5 overflow, 6 non-finite
    const ranges = groupRanges([0, 1, 2, 3, 4], [0, 1, 3, 5], 7);
    expect(ranges).toEqual([
      { lo: null, hi: 0 },
      { lo: 0, hi: 2 },
      { lo: 2, hi: 4 },
      { lo: 4, hi: null },
    ]);
    expect(ranges.map(groupLabel)).toEqual(['< 0', '0 – 2', '2 – 4', '> 4']);
  });
});
