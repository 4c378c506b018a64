/** Unit tests: *.spec.ts beside the code. */
module.exports = {
  rootDir: __dirname,
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/scripts'],
  testRegex: '.*\\.spec\\.ts$',
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  moduleNameMapper: require('./jest.paths'),
  testEnvironment: 'node',
  testTimeout: 60000,
};
