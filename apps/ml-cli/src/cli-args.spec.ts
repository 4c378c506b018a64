import { intOption, numberOption, parseArgs, UsageError } from './cli-args';

describe('parseArgs', () => {
  const known = ['models', 'rows', 'quiet'] as const;

  it('collects values per option, inline or spaced', () => {
    const args = parseArgs(['--models', 'rf', 'lr', '--rows=300', '--quiet'], known, ['quiet']);

    expect([...args]).toEqual([
      ['models', ['rf', 'lr']],
      ['rows', ['300']],
      ['quiet', []],
    ]);
  });

  it.each([
    [['stray'], 'unexpected argument "stray"'],
    [['--quiet', 'stray'], 'unexpected argument "stray"'],
    [['--quiet=yes'], '--quiet takes no value, got "yes"'],
    [['--nope'], 'unknown option --nope (known: --models, --rows, --quiet)'],
    [['--rows', '1', '--rows', '2'], '--rows given twice'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseArgs(argv, known, ['quiet'])).toThrow(new UsageError(message));
  });
});

describe('intOption / numberOption', () => {
  const args = (value: string[]): Map<string, string[]> => new Map([['n', value]]);

  it('returns the default when absent and the value when in range', () => {
    expect(intOption(new Map(), 'n', 7, 0, 10)).toBe(7);
    expect(intOption(args(['10']), 'n', 7, 0, 10)).toBe(10);
    expect(numberOption(args(['0.25']), 'n', 0.5, 0, 1)).toBe(0.25);
  });

  it.each([
    [['1.5'], '--n needs one integer, got "1.5"'],
    [['1e3'], '--n needs one integer, got "1e3"'],
    [['1', '2'], '--n needs one integer, got "1 2"'],
    [['11'], '--n must be between 0 and 10, got 11'],
  ])('intOption refuses %j', (value, message) => {
    expect(() => intOption(args(value), 'n', 0, 0, 10)).toThrow(new UsageError(message));
  });

  it.each([
    [['Infinity'], '--n needs one number, got "Infinity"'],
    [[' '], '--n needs one number, got " "'],
    [['2'], '--n must be between 0 and 1, got 2'],
  ])('numberOption refuses %j', (value, message) => {
    expect(() => numberOption(args(value), 'n', 0, 0, 1)).toThrow(new UsageError(message));
  });
});
