import { generatePatterns, SimulationOptions } from '@app/simulation';
import { intOption, numberOption, parseArgs, stringOption, UsageError } from '../cli-args';

export const SIMULATE_USAGE = `npm run cli -- simulate [--count N] [--seed S] [--volume-multiplier K] [--volatility low|normal|high]
                 [--trend up|down|flat] [--recent-bars N] [--with-outcome]`;

const OPTIONS = ['count', 'seed', 'volume-multiplier', 'volatility', 'trend', 'recent-bars', 'with-outcome'] as const;

/** `simulate`: valid confidence requests from the seeded market; one JSON object, or JSON lines when --count > 1. */
export function simulateCommand(argv: string[], out: (line: string) => void): Promise<void> {
  const args = parseArgs(argv, OPTIONS, ['with-outcome']);
  const count = intOption(args, 'count', 1, 1, 1_000_000);
  const seed = intOption(args, 'seed', 1, 0, 2 ** 31 - 1);
  const volatility = stringOption(args, 'volatility');
  const trend = stringOption(args, 'trend');
  if (volatility && !['low', 'normal', 'high'].includes(volatility)) {
    throw new UsageError(`--volatility must be low, normal or high, got "${volatility}"`);
  }
  if (trend && !['up', 'down', 'flat'].includes(trend)) {
    throw new UsageError(`--trend must be up, down or flat, got "${trend}"`);
  }
  const opts: SimulationOptions = {
    volumeMultiplier: numberOption(args, 'volume-multiplier', 1, 0.01, 100),
    ...(volatility ? { volatilityRegime: volatility as SimulationOptions['volatilityRegime'] } : {}),
    ...(trend ? { trend: trend as SimulationOptions['trend'] } : {}),
    ...(args.has('recent-bars') ? { recentBars: intOption(args, 'recent-bars', 10, 1, 1000) } : {}),
  };
  const withOutcome = args.has('with-outcome');
  for (const p of generatePatterns(seed, count, opts)) {
    out(JSON.stringify(withOutcome ? { ...p.input, outcome: p.outcome } : p.input));
  }
  return Promise.resolve();
}
