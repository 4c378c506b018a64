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
  testEnvironment: 'node',
  testTimeout: 120000,
  maxWorkers: 1,
};
