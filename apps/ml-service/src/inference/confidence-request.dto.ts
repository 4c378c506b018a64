import { ArrayMaxSize, ArrayMinSize, IsArray } from 'class-validator';

export const MAX_BATCH_ITEMS = 1000;

/**
 * `{"items": [...]}`. Items are validated one by one in the controller so that a bad item fails
 * alone (DESIGN §4) instead of failing the batch.
 */
export class BatchRequestDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_ITEMS)
  items!: unknown[];
}

/** `?include_features=true` adds the 52 named features to each answer. */
export function parseIncludeFeatures(value: unknown): boolean {
  return value === 'true' || value === '1';
}
