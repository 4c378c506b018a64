import { LogHistogram } from '@app/metrics';
import { CircuitBreaker, CircuitBreakerOptions } from './circuit-breaker';

const options: CircuitBreakerOptions = {
  windowSeconds: 10,
  minRequests: 20,
  latencyP95Ms: 150,
  errorRate: 0.15,
  cooldownSeconds: 30,
  halfOpenProbes: 3,
};

function setup() {
  let now = 1_000_000;
  const changes: string[] = [];
  const breaker = new CircuitBreaker(
    options,
    () => now,
    (state) => changes.push(state),
  );
  return { breaker, changes, advance: (ms: number) => (now += ms) };
}

describe('CircuitBreaker', () => {
  it('stays closed under the minimum request count even when every call fails', () => {
    const { breaker } = setup();
    for (let i = 0; i < 19; i++) {
      breaker.record(1, false);
    }
    expect(breaker.state).toBe('closed');
  });

  it('opens when the error rate passes the threshold', () => {
    const { breaker } = setup();
    for (let i = 0; i < 16; i++) {
      breaker.record(1, true);
    }
    for (let i = 0; i < 4; i++) {
      breaker.record(1, false); // 4/20 = 20% > 15%
    }
    expect(breaker.state).toBe('open');
    expect(breaker.allow()).toBe(false);
    expect(breaker.lastOpenReason).toMatch(/error rate 20\.0%/);
  });

  it('stays closed at an error rate just inside the threshold', () => {
    const { breaker } = setup();
    for (let i = 0; i < 17; i++) {
      breaker.record(1, true);
    }
    for (let i = 0; i < 3; i++) {
      breaker.record(1, false); // 3/20 = 15%, not above
    }
    expect(breaker.state).toBe('closed');
  });

  it('opens when p95 latency passes the threshold', () => {
    const { breaker } = setup();
    for (let i = 0; i < 18; i++) {
      breaker.record(1, true);
    }
    for (let i = 0; i < 2; i++) {
      breaker.record(400, true); // the slowest 10% → p95 = 400 ms
    }
    expect(breaker.state).toBe('open');
    expect(breaker.lastOpenReason).toMatch(/p95 latency/);
  });

  it('half-opens after the cooldown and closes when the probes succeed', () => {
    const { breaker, advance, changes } = setup();
    for (let i = 0; i < 20; i++) {
      breaker.record(1, false);
    }
    advance(29_999);
    expect(breaker.allow()).toBe(false);
    advance(1);
    expect(breaker.state).toBe('half_open');
    expect([breaker.allow(), breaker.allow(), breaker.allow(), breaker.allow()]).toEqual([true, true, true, false]);
    breaker.record(1, true);
    breaker.record(1, true);
    breaker.record(1, true);
    expect(breaker.state).toBe('closed');
    expect(changes).toEqual(['open', 'half_open', 'closed']);
  });

  it('re-opens when a half-open probe fails', () => {
    const { breaker, advance } = setup();
    for (let i = 0; i < 20; i++) {
      breaker.record(1, false);
    }
    advance(30_000);
    expect(breaker.allow()).toBe(true);
    breaker.record(1, false);
    expect(breaker.state).toBe('open');
  });

  it('forgets calls older than the window', () => {
    const { breaker, advance } = setup();
    for (let i = 0; i < 10; i++) {
      breaker.record(1, false);
    }
    advance(11_000);
    for (let i = 0; i < 19; i++) {
      breaker.record(1, true);
    }
    breaker.record(1, false);
    expect(breaker.snapshot().calls).toBe(20);
    expect(breaker.state).toBe('closed');
  });

  it('keeps the same window statistics as merging every live second (running totals)', () => {
    let now = 5_000_000;
    const breaker = new CircuitBreaker({ ...options, minRequests: 1_000_000 }, () => now);
    const calls: Array<{ second: number; ms: number; ok: boolean }> = [];
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 3000; i++) {
      now += Math.floor(rand() * (i % 500 < 20 ? 4000 : 60));
      const ms = 0.05 + rand() * rand() * 300;
      const ok = rand() > 0.1;
      breaker.record(ms, ok);
      calls.push({ second: Math.floor(now / 1000), ms, ok });
      if (i % 37 === 0) {
        const nowSecond = Math.floor(now / 1000);
        const live = calls.filter((c) => nowSecond - c.second < options.windowSeconds);
        const latency = new LogHistogram();
        live.forEach((c) => latency.record(c.ms));
        const snap = breaker.snapshot();
        expect(snap.calls).toBe(live.length);
        expect(snap.errorRate).toBe(live.length > 0 ? live.filter((c) => !c.ok).length / live.length : null);
        expect(snap.p95Ms).toBe(latency.quantile(0.95));
      }
    }
  });
});
