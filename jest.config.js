/** Unit tests: *.spec.ts beside the code. */
module.exports = {
  rootDir: __dirname,
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/scripts'],
  testRegex: '.*\\.spec\\.ts$',
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  moduleNameMapper: require('./jest.paths'),
  // onnxruntime-node's typed arrays must share the test realm's constructors (see the environment file).
  testEnvironment: '<rootDir>/test/support/node-realm.jest-environment.ts',
  testTimeout: 60000,
};
