// One mapping of the @app/* aliases for both jest configs, mirroring tsconfig.json "paths".
const libs = ['features', 'simulation', 'training', 'config', 'database', 'metrics', 'common'];
const root = __dirname;
module.exports = {
  '^@app/migrations$': `${root}/migrations`,
  '^@app/ml-service/(.*)$': `${root}/apps/ml-service/src/$1`,
  ...Object.fromEntries(
  libs.flatMap((lib) => [
    [`^@app/${lib}$`, `${root}/libs/${lib}/src`],
    [`^@app/${lib}/(.*)$`, `${root}/libs/${lib}/src/$1`],
  ])),
};
