export { Prng, deriveSeed } from './prng';
export { generatePattern, generatePatterns, iteratePatterns } from './pattern-generator.util';
export type { SimulatedPattern, PatternLatent } from './simulated-pattern.interface';
export type { SimulationOptions, TrendRegime, VolatilityRegime } from './simulation-options.interface';
export { DEFAULT_CANDLE_COUNT, DEFAULT_HORIZON_BARS } from './simulation.constants';
