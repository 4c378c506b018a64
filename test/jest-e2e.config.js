/** End-to-end tests: the booted app over HTTP, real Postgres / PGlite, real tools. */
const path = require('path');
const root = path.resolve(__dirname, '..');
module.exports = {
  rootDir: root,
  roots: ['<rootDir>/test'],
  testRegex: '.*\\.e2e-spec\\.ts$',
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  moduleNameMapper: require(path.join(root, 'jest.paths')),
  // onnxruntime-node's typed arrays must share the test realm's constructors (see the environment file).
  testEnvironment: '<rootDir>/test/support/node-realm.jest-environment.ts',
  testTimeout: 120000,
  maxWorkers: 1,
};
