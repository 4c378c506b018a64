import { ConfigValidationError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('applies the DESIGN §8 defaults on an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 8000,
      ENABLE_PHASE5_ML: false,
      ML_ROLLOUT_PERCENT: 100,
      ML_WEIGHT: 0.6,
      RULE_WEIGHT: 0.4,
      ML_CONFIDENCE_THRESHOLD: 0.55,
      ML_MODEL_DIR: 'models/phase5',
      ML_INFERENCE_TIMEOUT_MS: 100,
      ML_CIRCUIT_LATENCY_MS: 150,
      ML_CIRCUIT_ERROR_RATE: 0.15,
      DRIFT_PSI_THRESHOLD: 0.3,
      ML_PREDICTION_RETENTION_DAYS: 180,
    });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.INSTANCE_ID).toMatch(/-\d+$/);
  });

  it('parses strings from the environment into typed values', () => {
    const config = loadConfig({ PORT: '9001', ENABLE_PHASE5_ML: 'true', ML_ROLLOUT_PERCENT: '5' });
    expect(config.PORT).toBe(9001);
    expect(config.ENABLE_PHASE5_ML).toBe(true);
    expect(config.ML_ROLLOUT_PERCENT).toBe(5);
  });

  it.each([
    ['PORT', 'abc'],
    ['ENABLE_PHASE5_ML', 'yes please'],
    ['ML_ROLLOUT_PERCENT', '101'],
    ['ML_CONFIDENCE_THRESHOLD', '1.5'],
    ['DATABASE_URL', 'mysql://x'],
    ['LOG_LEVEL', 'loud'],
    ['ML_WEIGHT', 'abc'],
  ])('refuses a bad %s and names it', (key, value) => {
    expect(() => loadConfig({ [key]: value })).toThrow(ConfigValidationError);
    expect(() => loadConfig({ [key]: value })).toThrow(new RegExp(key));
  });

  it('refuses weights that do not sum to 1', () => {
    expect(() => loadConfig({ ML_WEIGHT: '0.7', RULE_WEIGHT: '0.4' })).toThrow(/ML_WEIGHT \+ RULE_WEIGHT/);
  });

  it('ignores unrelated variables', () => {
    expect(() => loadConfig({ HOME: '/root', SOMETHING_ELSE: 'x' })).not.toThrow();
  });
});
