import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

/** Env strings to booleans; anything but true/false/1/0 stays a string so validation names it. */
const toBool = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') {
    return value;
  }
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === '1') {
    return true;
  }
  if (v === 'false' || v === '0') {
    return false;
  }
  return value;
};

/** Env strings to numbers; an unparsable value stays a string so validation names it. */
const toNum = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string' || value.trim() === '') {
    return value;
  }
  const n = Number(value);
  return Number.isFinite(n) ? n : value;
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Every setting of the service (DESIGN §8 plus operational knobs), validated at boot.
 * Defaults live here and nowhere else.
 */
export class EnvDto {
  @Transform(toNum) @IsInt() @Min(0) @Max(65535) PORT = 8000;

  @IsOptional()
  @IsString()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional()
  @IsString()
  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL?: string;

  /** Connections in the pool (the embedded database multiplexes at most this many). */
  @Transform(toNum) @IsInt() @Min(1) @Max(100) DATABASE_POOL_SIZE = 8;

  /** Directory for embedded PGlite data and other local state when no DATABASE_URL is given. */
  @IsString() @MinLength(1) DATA_DIR = 'data';

  /** Boot default of the kill switch; the runtime switch lives in ml_settings. */
  @Transform(toBool) @IsBoolean() ENABLE_PHASE5_ML = false;
  @Transform(toNum) @IsInt() @Min(0) @Max(100) ML_ROLLOUT_PERCENT = 100;

  @Transform(toNum) @IsNumber() @Min(0) @Max(1) ML_WEIGHT = 0.6;
  @Transform(toNum) @IsNumber() @Min(0) @Max(1) RULE_WEIGHT = 0.4;
  @Transform(toNum) @IsNumber() @Min(0) @Max(1) ML_CONFIDENCE_THRESHOLD = 0.55;

  @IsString() @MinLength(1) ML_MODEL_DIR = 'models/phase5';
  @Transform(toNum) @IsInt() @Min(1) @Max(60000) ML_INFERENCE_TIMEOUT_MS = 100;

  /** Circuit breaker: p95 latency or error rate over the rolling window above these opens it. */
  @Transform(toNum) @IsNumber() @Min(1) ML_CIRCUIT_LATENCY_MS = 150;
  @Transform(toNum) @IsNumber() @Min(0) @Max(1) ML_CIRCUIT_ERROR_RATE = 0.15;
  @Transform(toNum) @IsInt() @Min(1) ML_CIRCUIT_WINDOW_SECONDS = 30;
  @Transform(toNum) @IsInt() @Min(1) ML_CIRCUIT_MIN_REQUESTS = 20;
  @Transform(toNum) @IsInt() @Min(1) ML_CIRCUIT_COOLDOWN_SECONDS = 30;
  @Transform(toNum) @IsInt() @Min(1) ML_CIRCUIT_HALF_OPEN_PROBES = 5;

  @Transform(toBool) @IsBoolean() ML_CACHE_ENABLED = true;
  @Transform(toNum) @IsInt() @Min(1) ML_CACHE_TTL_SECONDS = 3600;
  @Transform(toNum) @IsInt() @Min(1) ML_CACHE_MAX_ENTRIES = 50000;
  /** Redis calls that take longer than this count as a cache failure (the request goes on). */
  @Transform(toNum) @IsInt() @Min(1) ML_CACHE_REDIS_TIMEOUT_MS = 20;

  @Transform(toBool) @IsBoolean() PREDICTION_LOG_ENABLED = true;
  @Transform(toNum) @IsInt() @Min(1) PREDICTION_LOG_QUEUE_MAX = 100000;
  @Transform(toNum) @IsInt() @Min(1) @Max(5000) PREDICTION_LOG_BATCH_SIZE = 1000;
  @Transform(toNum) @IsInt() @Min(10) PREDICTION_LOG_FLUSH_MS = 250;

  @IsString() @MinLength(9) DRIFT_CRON = '0 */15 * * * *';
  /** Scheduled drift runs on this replica (the advisory lock still makes one replica run each tick). */
  @Transform(toBool) @IsBoolean() DRIFT_SCHEDULE_ENABLED = true;
  /** PERFORMANCE_DEGRADED: labelled AUC or accuracy this far below the baseline's, with at least this many labels. */
  @Transform(toNum) @IsNumber() @Min(0) @Max(1) PERFORMANCE_DEGRADATION_MARGIN = 0.05;
  @Transform(toNum) @IsInt() @Min(1) PERFORMANCE_MIN_LABELLED = 200;
  /**
   * Labelled performance uses the window's most recent labelled predictions, at most this many: its
   * SQL sorts them, so an unbounded count made each drift run cost more as labels piled up.
   */
  @Transform(toNum) @IsInt() @Min(1) PERFORMANCE_MAX_LABELLED = 100_000;
  @Transform(toNum) @IsNumber() @Min(0.0167) DRIFT_WINDOW_HOURS = 24;
  @Transform(toNum) @IsInt() @Min(1) DRIFT_MIN_SAMPLES = 500;
  @Transform(toNum) @IsNumber() @Min(0) DRIFT_PSI_THRESHOLD = 0.3;

  /** Requests per minute and client to the admin endpoints (failed token guesses included). */
  @Transform(toNum) @IsInt() @Min(1) ADMIN_RATE_LIMIT_PER_MINUTE = 60;

  /** Bearer token of the admin endpoints; unset → they answer 403. */
  @IsOptional() @IsString() @MinLength(1) ML_ADMIN_TOKEN?: string;

  @Transform(toNum) @IsInt() @Min(1) ML_PREDICTION_RETENTION_DAYS = 180;

  @IsIn(LOG_LEVELS) LOG_LEVEL: LogLevel = 'info';
  /** Share of per-request inference_complete events written (errors and fallbacks are always written). */
  @Transform(toNum) @IsNumber() @Min(0) @Max(1) LOG_SAMPLE_RATE = 1;

  /** Largest accepted JSON body (express/body-parser syntax). */
  @IsString() @Matches(/^\d+(kb|mb)$/i, { message: 'BODY_LIMIT must look like 2mb or 512kb' }) BODY_LIMIT = '2mb';
  /**
   * How long an idle keep-alive connection stays open. Longer than the idle timeout of what sits in
   * front (load balancers, proxies, pooled clients: typically 60 s), so the server never closes a
   * connection at the moment a client reuses it: that race reset 3–6 requests in 10-minute soaks
   * with Node's 5 s default.
   */
  @Transform(toNum) @IsInt() @Min(1000) HTTP_KEEP_ALIVE_TIMEOUT_MS = 65_000;

  /**
   * Serve well-formed scoring requests from node:http ahead of Express (inference/scoring-fast-path.ts).
   * Off: every request takes the Express pipeline; answers are the same, only slower.
   */
  @Transform(toBool) @IsBoolean() HTTP_FAST_PATH = true;

  /** Name of this replica in metrics history and histograms; defaults to hostname-pid. */
  @IsOptional() @IsString() @MaxLength(128) INSTANCE_ID?: string;

  /** How often each replica re-reads rollout settings from the database. */
  @Transform(toNum) @IsInt() @Min(100) @Max(5000) SETTINGS_POLL_MS = 1000;
}
