import { IsIn, IsInt, IsISO8601, IsNumber, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/** `POST /api/ml/baseline` (all optional, DESIGN §4). */
export class BaselineRequestDto {
  @IsOptional() @IsIn(['recent', 'training']) source?: 'recent' | 'training';
  @IsOptional() @IsNumber() @Min(0.0167) @Max(24 * 90) window_hours?: number;
  @IsOptional() @IsISO8601() from?: string;
  @IsOptional() @IsISO8601() to?: string;
  @IsOptional() @IsInt() @Min(1) min_samples?: number;
  @IsOptional() @IsString() @MaxLength(200) label?: string;
}
