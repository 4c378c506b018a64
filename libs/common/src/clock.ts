import { Injectable } from '@nestjs/common';

/**
 * Wall-clock time behind a seam: prediction timestamps and histogram minutes come from here, so
 * tests can place traffic in chosen minutes instead of waiting for real ones.
 */
@Injectable()
export class Clock {
  now(): number {
    return Date.now();
  }
}

/** A clock a test moves by hand. */
export class ManualClock extends Clock {
  constructor(private current = Date.now()) {
    super();
  }

  override now(): number {
    return this.current;
  }

  set(ms: number): void {
    this.current = ms;
  }
}
