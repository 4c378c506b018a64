import { IsISO8601, IsOptional } from 'class-validator';

/** Optional window of `POST /api/ml/drift/run` (minute-aligned; default the last DRIFT_WINDOW_HOURS). */
export class DriftRunDto {
  @IsOptional() @IsISO8601() from?: string;
  @IsOptional() @IsISO8601() to?: string;
}
