import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Max, Min } from 'class-validator';
import { ALERT_SEVERITIES, ALERT_TYPES, type AlertSeverity, type AlertType } from './alert.entity';

/** `GET /api/ml/alerts` filters (DESIGN §4). */
export class AlertsQueryDto {
  @IsOptional() @IsIn(ALERT_TYPES) type?: AlertType;
  @IsOptional() @IsIn(ALERT_SEVERITIES) severity?: AlertSeverity;
  @IsOptional() @IsIn(['open', 'acknowledged', 'resolved', 'all']) status?:
    'open' | 'acknowledged' | 'resolved' | 'all';
  @IsOptional() @IsISO8601() since?: string;

  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value,
  )
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @IsOptional() @IsString() cursor?: string;
}
