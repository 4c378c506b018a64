export * from './feature-schema.constants';
export * from './pattern-input.interface';
export * from './feature-builder';
export * from './csv-candles.util';
export * from './dto/candle.dto';
export * from './dto/pattern-input.dto';
export * from './dto/pattern-input.validators';
export * from './dto/validate-pattern-input.util';
