export * from './feature-binning.util';
