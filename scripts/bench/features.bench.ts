/**
 * Feature-builder throughput: 52-feature vectors per second for 200-candle inputs on one core.
 * Run: npx ts-node -r tsconfig-paths/register --transpile-only scripts/bench/features.bench.ts [--candles 200] [--rounds 7]
 */
import { buildFeatures, FEATURE_COUNT, isFiniteVector, validatePatternInput } from '@app/features';
import { makePatternInput, seededRandom } from '@app/features/testing/pattern-input.factory';
import type { PatternInput } from '@app/features';

function argNumber(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

const CANDLES = argNumber('candles', 200);
const ROUNDS = argNumber('rounds', 7);
const INPUTS = 256;
const PER_ROUND = 100_000;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function timeRound(inputs: PatternInput[], iterations: number): { perSecond: number; checksum: number } {
  let checksum = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const vec = buildFeatures(inputs[i % inputs.length]);
    checksum += vec[i % FEATURE_COUNT];
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { perSecond: iterations / seconds, checksum };
}

function main(): void {
  const rng = seededRandom(20240601);
  // JSON round trip: the service builds from parsed request bodies, not factory objects.
  const inputs = Array.from(
    { length: INPUTS },
    () => JSON.parse(JSON.stringify(makePatternInput(rng, { count: CANDLES }))) as PatternInput,
  );
  const finite = inputs.filter((input) => isFiniteVector(buildFeatures(input))).length;

  timeRound(inputs, 20_000); // warm-up: let the JIT optimise buildFeatures
  const rates: number[] = [];
  let checksum = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const round = timeRound(inputs, PER_ROUND);
    rates.push(round.perSecond);
    checksum += round.checksum;
  }

  const big = JSON.stringify(makePatternInput(rng, { count: 1000 }));
  const validationMs: number[] = [];
  for (let r = 0; r < 50; r++) {
    const body: unknown = JSON.parse(big);
    const start = process.hrtime.bigint();
    const { errors } = validatePatternInput(body);
    validationMs.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (errors.length > 0) {
      throw new Error(`bench input invalid: ${errors.join('; ')}`);
    }
  }

  console.log(
    `feature builder, ${CANDLES} candles/input, ${ROUNDS} rounds x ${PER_ROUND} vectors (node ${process.version})`,
  );
  console.log(`  rounds (vectors/s): ${rates.map((rate) => Math.round(rate).toLocaleString('en-US')).join(', ')}`);
  console.log(
    `  median: ${Math.round(median(rates)).toLocaleString('en-US')} vectors/s (${(1e6 / median(rates)).toFixed(2)} µs/vector)`,
  );
  console.log(`  inputs with all-finite vectors: ${finite}/${INPUTS} (checksum ${checksum.toFixed(3)})`);
  console.log(`validatePatternInput, 1000 candles: median ${median(validationMs.slice(10)).toFixed(3)} ms`);
}

main();
