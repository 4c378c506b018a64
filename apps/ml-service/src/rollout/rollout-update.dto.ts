import { IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';

/** `PUT /api/ml/rollout`: either or both fields. */
export class RolloutUpdateDto {
  @IsOptional() @IsBoolean() enabled?: boolean;
  @IsOptional() @IsInt() @Min(0) @Max(100) percent?: number;
}
