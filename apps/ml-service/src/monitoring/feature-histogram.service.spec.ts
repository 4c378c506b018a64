import type { Counter } from 'prom-client';
import type { AppConfig } from '@app/config';
import { FEATURE_NAMES } from '@app/features';
import type { ModelRegistry } from '../inference/model-registry.service';
import type { FeatureHistogramRepository, HistogramRow } from './feature-histogram.repository';
import { FeatureHistogramService } from './feature-histogram.service';

const card = {
  model_version: 'spec-v1',
  feature_statistics: Object.fromEntries(FEATURE_NAMES.map((name) => [name, { edges: [0, 1, 2, 3] }])),
  prediction_statistics: { edges: [0, 0.5, 1] },
};

function setup() {
  let now = 1_800_000_000_000;
  const written: HistogramRow[] = [];
  const service = new FeatureHistogramService(
    { INSTANCE_ID: 'spec' } as AppConfig,
    { now: () => now },
    { current: { card } } as unknown as ModelRegistry,
    {
      upsert: (rows: HistogramRow[]) => (written.push(...rows), Promise.resolve()),
    } as unknown as FeatureHistogramRepository,
    { inc: () => undefined } as unknown as Counter,
  );
  const total = (arm: string, feature: string = FEATURE_NAMES[0]): number =>
    written
      .filter((r) => r.arm === arm && r.feature === feature)
      .reduce((s, r) => s + r.counts.reduce((a, b) => a + b, 0), 0);
  return { service, total, advance: (ms: number) => (now += ms), at: () => now };
}

describe('FeatureHistogramService.record', () => {
  it('counts every request once across arms, minutes and flushes of the current minute', async () => {
    // Arrange
    const { service, total, advance, at } = setup();
    const features = new Float32Array(FEATURE_NAMES.length).fill(1.5);

    // Act: requests before and after a drift-run style flush of the current minute, both arms, next minute
    for (let i = 0; i < 10; i++) {
      service.record(i % 2 ? 'ml' : 'control', features, 0.7, at());
    }
    await service.flush(true);
    for (let i = 0; i < 7; i++) {
      service.record('ml', features, 0.7, at());
    }
    advance(60_000);
    service.record('ml', features, null, at());
    await service.flush(true);

    // Assert
    expect(total('ml')).toBe(5 + 7 + 1);
    expect(total('control')).toBe(5);
    expect(total('ml', '__prediction__')).toBe(5 + 7);
  });
});
