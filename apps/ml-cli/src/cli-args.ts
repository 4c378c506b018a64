/** A command-line mistake: printed with usage, exit code 2, nothing written. */
export class UsageError extends Error {}

export type ParsedArgs = Map<string, string[]>;

/**
 * `--name v1 v2 --flag --k=v` → Map(name → [v1, v2], flag → [], k → [v]). Positional arguments are refused,
 * and so is a value after one of `flags` (otherwise `--quiet junk` would swallow the junk silently).
 */
export function parseArgs(argv: string[], known: readonly string[], flags: readonly string[] = []): ParsedArgs {
  const out: ParsedArgs = new Map();
  let current: string | null = null;
  for (const token of argv) {
    if (token.startsWith('--')) {
      const [name, inline] = token.slice(2).split(/=(.*)/s, 2);
      if (!known.includes(name)) {
        throw new UsageError(`unknown option --${name} (known: ${known.map((k) => `--${k}`).join(', ')})`);
      }
      if (out.has(name)) {
        throw new UsageError(`--${name} given twice`);
      }
      if (flags.includes(name) && inline !== undefined) {
        throw new UsageError(`--${name} takes no value, got "${inline}"`);
      }
      out.set(name, inline !== undefined ? [inline] : []);
      current = inline !== undefined || flags.includes(name) ? null : name;
    } else if (current) {
      out.get(current)!.push(token);
    } else {
      throw new UsageError(`unexpected argument "${token}"`);
    }
  }
  return out;
}

/** An integer option within [min, max], or the default when absent. */
export function intOption(args: ParsedArgs, name: string, def: number, min: number, max: number): number {
  const values = args.get(name);
  if (!values) {
    return def;
  }
  if (values.length !== 1 || !/^-?\d+$/.test(values[0])) {
    throw new UsageError(`--${name} needs one integer, got "${values.join(' ')}"`);
  }
  const v = Number(values[0]);
  if (v < min || v > max) {
    throw new UsageError(`--${name} must be between ${min} and ${max}, got ${v}`);
  }
  return v;
}

/** A number option within [min, max], or the default when absent. */
export function numberOption(args: ParsedArgs, name: string, def: number, min: number, max: number): number {
  const values = args.get(name);
  if (!values) {
    return def;
  }
  const v = values.length === 1 ? Number(values[0]) : NaN;
  if (!Number.isFinite(v) || values[0].trim() === '') {
    throw new UsageError(`--${name} needs one number, got "${values.join(' ')}"`);
  }
  if (v < min || v > max) {
    throw new UsageError(`--${name} must be between ${min} and ${max}, got ${v}`);
  }
  return v;
}

/** A single string option, or the default. */
export function stringOption(args: ParsedArgs, name: string, def?: string): string | undefined {
  const values = args.get(name);
  if (!values) {
    return def;
  }
  if (values.length !== 1 || values[0] === '') {
    throw new UsageError(`--${name} needs one value`);
  }
  return values[0];
}
