/** The counts of one minute and arm, laid out as HistogramBinning's flat counts array. */
export interface MinuteBucket {
  /** Minutes since the Unix epoch. */
  minute: number;
  arm: string;
  counts: Uint32Array;
}

/**
 * Counts per (minute, arm) while a backfill streams rows in time order: only the minutes not yet
 * handed out are held, so memory follows the minutes in flight, not the window or the traffic.
 */
export class MinuteBuckets {
  private readonly open = new Map<number, Map<string, Uint32Array>>();
  // The bucket of the previous row: consecutive rows mostly share it, skipping both map lookups.
  private lastMinute = NaN;
  private lastArm = '';
  private lastCounts: Uint32Array | null = null;

  constructor(private readonly length: number) {}

  /** The counts of this minute and arm, created empty on first use. */
  counts(minute: number, arm: string): Uint32Array {
    if (this.lastCounts && this.lastMinute === minute && this.lastArm === arm) {
      return this.lastCounts;
    }
    let arms = this.open.get(minute);
    if (!arms) {
      arms = new Map();
      this.open.set(minute, arms);
    }
    let counts = arms.get(arm);
    if (!counts) {
      counts = new Uint32Array(this.length);
      arms.set(arm, counts);
    }
    this.lastMinute = minute;
    this.lastArm = arm;
    this.lastCounts = counts;
    return counts;
  }

  /** Removes and returns the buckets of the minutes before `minute` (all by default), oldest minute first. */
  take(minute = Infinity): MinuteBucket[] {
    const done = [...this.open.keys()].filter((m) => m < minute).sort((a, b) => a - b);
    const out: MinuteBucket[] = [];
    for (const m of done) {
      for (const [arm, counts] of this.open.get(m)!) {
        out.push({ minute: m, arm, counts });
      }
      this.open.delete(m);
    }
    if (this.lastMinute < minute) {
      this.lastCounts = null;
    }
    return out;
  }
}
