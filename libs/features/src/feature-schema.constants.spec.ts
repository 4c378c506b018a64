import {
  FEATURE_COUNT,
  FEATURE_INDEX,
  FEATURE_NAMES,
  PATTERN_TYPES,
  REVERSAL_PATTERN_TYPES,
} from './feature-schema.constants';

describe('feature schema v1', () => {
  it('has 52 unique names with a consistent index', () => {
    expect(FEATURE_COUNT).toBe(52);
    expect(new Set(FEATURE_NAMES).size).toBe(52);
    FEATURE_NAMES.forEach((name, i) => expect(FEATURE_INDEX[name]).toBe(i));
  });

  it('keeps the DESIGN §5 order at its anchors', () => {
    expect(FEATURE_INDEX.rsi_14).toBe(8);
    expect(FEATURE_INDEX.volume_ratio_20).toBe(25);
    expect(FEATURE_INDEX.rule_confidence).toBe(48);
    expect(FEATURE_NAMES[51]).toBe('pattern_is_reversal');
  });

  it('lists 14 pattern types, 8 of them reversals', () => {
    expect(PATTERN_TYPES).toHaveLength(14);
    expect(REVERSAL_PATTERN_TYPES).toHaveLength(8);
  });
});
