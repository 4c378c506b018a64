import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsISO8601,
  IsString,
  Length,
  ValidateNested,
} from 'class-validator';

export class OutcomeDto {
  @IsString()
  @Length(1, 128)
  pattern_id!: string;

  @IsIn(['success', 'failure'])
  outcome!: 'success' | 'failure';

  @IsISO8601({ strict: true })
  resolved_at!: string;
}

/** `{"outcomes": [...]}`, 1..10,000 per call. */
export class OutcomesRequestDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => OutcomeDto)
  outcomes!: OutcomeDto[];
}
