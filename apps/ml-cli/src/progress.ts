import { MultiBar, Presets, SingleBar } from 'cli-progress';

/**
 * Progress for long CLI work: bars on a terminal, a line every 10% otherwise (CI logs, pipes).
 * Written to stderr so stdout stays the result.
 */
export class Progress {
  private readonly bars = new Map<string, SingleBar>();
  private readonly lastDecile = new Map<string, number>();
  private readonly multi: MultiBar | null;

  constructor(private readonly enabled = true) {
    this.multi =
      enabled && process.stderr.isTTY
        ? new MultiBar(
            {
              format: ' {stage} [{bar}] {percentage}% {value}/{total} eta {eta}s',
              stream: process.stderr,
              hideCursor: true,
            },
            Presets.shades_classic,
          )
        : null;
  }

  update(stage: string, done: number, total: number): void {
    if (!this.enabled) {
      return;
    }
    if (this.multi) {
      let bar = this.bars.get(stage);
      if (!bar) {
        bar = this.multi.create(total, 0, { stage: stage.padEnd(20) });
        this.bars.set(stage, bar);
      }
      bar.update(done);
      return;
    }
    const decile = Math.floor((done / total) * 10);
    if (decile !== this.lastDecile.get(stage)) {
      this.lastDecile.set(stage, decile);
      process.stderr.write(`${stage}: ${Math.round((done / total) * 100)}% (${done}/${total})\n`);
    }
  }

  stop(): void {
    this.multi?.stop();
  }
}
