import uPlot from 'uplot';

const HEIGHT = 220;

export interface LineSeries {
  label: string;
  stroke: string;
  dash?: number[];
  /** 'y' (left axis, default) or 'r' (right axis). */
  scale?: 'y' | 'r';
  format: (v: number | null) => string;
}

function widthOf(el: HTMLElement): number {
  return Math.max(280, Math.floor(el.getBoundingClientRect().width) || 600);
}

/** Axis range from 0 to a little above the data (1 when there is none). */
const fromZero: uPlot.Range.Function = (_u, _min, max) => [0, max !== null && max > 0 ? max * 1.12 : 1];

/** Tick steps in seconds: whole seconds for the live chart, whole minutes for the per-minute history. */
const SECOND_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];
const MINUTE_STEPS = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

const clockTime = (seconds: boolean) => (_u: uPlot, splits: number[]) =>
  splits.map((s) =>
    new Date(s * 1000).toLocaleTimeString([], {
      hour: '2-digit',
      minute: '2-digit',
      ...(seconds ? { second: '2-digit' } : {}),
    }),
  );

/** A time-series line chart; `data-points` on its element counts the x values that carry data. */
export class TimeChart {
  private plot: uPlot | null = null;

  constructor(
    private readonly el: HTMLElement,
    private readonly series: LineSeries[],
    private readonly axisLabels: { y: string; r?: string },
    private readonly resolution: 'minute' | 'second' = 'minute',
  ) {
    window.addEventListener('resize', () => this.plot?.setSize({ width: widthOf(this.el), height: HEIGHT }));
  }

  /** `xs` in seconds since the epoch; one array per series, aligned with `xs`. */
  setData(xs: number[], ys: Array<Array<number | null>>): void {
    const data: uPlot.AlignedData = [xs, ...ys];
    this.el.dataset.points = String(xs.filter((_, i) => ys.some((s) => s[i] !== null && s[i] !== undefined)).length);
    if (this.plot) {
      this.plot.setData(data);
    } else {
      this.plot = new uPlot(this.options(), data, this.el);
    }
  }

  private options(): uPlot.Options {
    const right = this.axisLabels.r !== undefined;
    const seconds = this.resolution === 'second';
    const axes: uPlot.Axis[] = [
      { incrs: seconds ? SECOND_STEPS : MINUTE_STEPS, values: clockTime(seconds), space: seconds ? 70 : 50 },
      { scale: 'y', label: this.axisLabels.y, size: 56 },
    ];
    if (right) {
      axes.push({ scale: 'r', side: 1, label: this.axisLabels.r, grid: { show: false }, size: 56 });
    }
    return {
      width: widthOf(this.el),
      height: HEIGHT,
      series: [
        {},
        ...this.series.map((s): uPlot.Series => ({
          label: s.label,
          stroke: s.stroke,
          width: 2,
          dash: s.dash,
          scale: s.scale ?? 'y',
          value: (_u, v) => s.format(v),
        })),
      ],
      scales: { x: { time: true }, y: { range: fromZero }, ...(right ? { r: { range: fromZero } } : {}) },
      axes,
      legend: { live: true },
    };
  }
}

/** Grouped bars of two distributions over labelled groups (baseline vs current shares, in %). */
export class GroupBarsChart {
  private plot: uPlot | null = null;

  constructor(private readonly el: HTMLElement) {
    window.addEventListener('resize', () => this.plot?.setSize({ width: widthOf(this.el), height: HEIGHT + 40 }));
  }

  show(labels: string[], baseline: number[], current: number[]): void {
    this.plot?.destroy();
    const n = labels.length;
    const xs = labels.map((_, i) => i);
    const max = Math.max(1, ...baseline, ...current);
    const bars = uPlot.paths.bars;
    const opts: uPlot.Options = {
      width: widthOf(this.el),
      height: HEIGHT + 40,
      series: [
        { value: (_u, v) => (v === null ? '' : (labels[v] ?? '')) },
        {
          label: 'baseline',
          stroke: '#6b7f99',
          fill: 'rgba(107, 127, 153, 0.75)',
          width: 1,
          paths: bars ? bars({ size: [0.4, 48], align: -1 }) : undefined,
          points: { show: false },
          value: (_u, v) => (v === null ? '—' : `${v.toFixed(1)}%`),
        },
        {
          label: 'current',
          stroke: '#e0762f',
          fill: 'rgba(224, 118, 47, 0.8)',
          width: 1,
          paths: bars ? bars({ size: [0.4, 48], align: 1 }) : undefined,
          points: { show: false },
          value: (_u, v) => (v === null ? '—' : `${v.toFixed(1)}%`),
        },
      ],
      scales: { x: { time: false, range: [-0.6, n - 0.4] }, y: { range: [0, max * 1.12] } },
      axes: [
        {
          splits: () => xs,
          values: (_u, splits) => splits.map((i) => labels[i] ?? ''),
          rotate: -35,
          size: 70,
          grid: { show: false },
        },
        { label: 'share of total (%)', size: 56 },
      ],
      cursor: { drag: { x: false, y: false } },
      legend: { live: true },
    };
    this.plot = new uPlot(opts, [xs, baseline, current], this.el);
    this.el.dataset.points = String(n);
  }

  clear(): void {
    this.plot?.destroy();
    this.plot = null;
    this.el.dataset.points = '0';
  }
}
