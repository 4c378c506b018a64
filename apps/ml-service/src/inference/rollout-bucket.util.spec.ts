import { inMlArm, rolloutBucket } from './rollout-bucket.util';

describe('rolloutBucket', () => {
  const ids = Array.from({ length: 20000 }, (_, i) => `pattern-${i}`);

  it('is deterministic and within 0..99', () => {
    for (const id of ids.slice(0, 500)) {
      const b = rolloutBucket(id);
      expect(b).toBe(rolloutBucket(id));
      expect(b).toBeGreaterThanOrEqual(0);
      expect(b).toBeLessThan(100);
    }
  });

  it.each([5, 25, 50])('puts about %i%% of ids in the ML arm', (percent) => {
    const share = ids.filter((id) => inMlArm(id, percent)).length / ids.length;
    expect(Math.abs(share - percent / 100)).toBeLessThan(0.01);
  });

  it('is monotone in percent: an id in the 5% arm stays in at 25% and 100%', () => {
    for (const id of ids.filter((x) => inMlArm(x, 5))) {
      expect(inMlArm(id, 25)).toBe(true);
      expect(inMlArm(id, 100)).toBe(true);
    }
    expect(ids.some((id) => inMlArm(id, 0))).toBe(false);
  });
});
