import { hostname } from 'node:os';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { EnvDto } from './env.dto';

/** Validated configuration; the one object the rest of the service reads settings from. */
export class AppConfig extends EnvDto {
  declare INSTANCE_ID: string;
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
  }
}

function describe(errors: ValidationError[]): string[] {
  return errors.flatMap((e) =>
    Object.values(e.constraints ?? {}).map((msg) => `${msg} (got ${JSON.stringify(e.value)})`),
  );
}

/** Only the keys EnvDto declares are taken from the environment, so unrelated variables never fail boot. */
function pickKnown(env: NodeJS.ProcessEnv): Record<string, string> {
  const known = Object.keys(new EnvDto());
  const out: Record<string, string> = {};
  for (const key of [...known, 'DATABASE_URL', 'REDIS_URL', 'ML_ADMIN_TOKEN', 'INSTANCE_ID']) {
    const value = env[key];
    if (value !== undefined && value !== '') {
      out[key] = value;
    }
  }
  return out;
}

/** Validates env into AppConfig; throws ConfigValidationError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv, overrides: Partial<Record<keyof EnvDto, unknown>> = {}): AppConfig {
  const config = plainToInstance(AppConfig, { ...pickKnown(env), ...overrides });
  const problems = describe(validateSync(config, { forbidUnknownValues: false }));
  if (Math.abs(config.ML_WEIGHT + config.RULE_WEIGHT - 1) > 1e-9) {
    problems.push(`ML_WEIGHT + RULE_WEIGHT must equal 1 (got ${config.ML_WEIGHT} + ${config.RULE_WEIGHT})`);
  }
  if (problems.length > 0) {
    throw new ConfigValidationError(problems);
  }
  config.INSTANCE_ID ??= `${hostname()}-${process.pid}`;
  return config;
}
