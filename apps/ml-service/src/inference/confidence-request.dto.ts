import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

export const MAX_BATCH_ITEMS = 1000;

/** `{"items": [...]}`: items are validated one by one so that a bad item fails alone (DESIGN §4). */
export interface BatchRequest {
  items: unknown[];
}

/**
 * Checks the batch envelope only. A class DTO would make the global ValidationPipe deep-copy every
 * candle of every item through class-transformer (~1 ms per 200-candle item), for nothing.
 */
@Injectable()
export class BatchEnvelopePipe implements PipeTransform<unknown, BatchRequest> {
  transform(value: unknown): BatchRequest {
    const problems: string[] = [];
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new BadRequestException(['request body must be a JSON object {"items": [...]}']);
    }
    const body = value as Record<string, unknown>;
    for (const key of Object.keys(body)) {
      if (key !== 'items') {
        problems.push(`property ${key} should not exist`);
      }
    }
    const items = body.items;
    if (!Array.isArray(items)) {
      problems.push('items must be an array');
    } else if (items.length < 1 || items.length > MAX_BATCH_ITEMS) {
      problems.push(`items must contain between 1 and ${MAX_BATCH_ITEMS} elements (got ${items.length})`);
    }
    if (problems.length > 0) {
      throw new BadRequestException(problems);
    }
    return { items: items as unknown[] };
  }
}

/** `?include_features=true` adds the 52 named features to each answer. */
export function parseIncludeFeatures(value: unknown): boolean {
  return value === 'true' || value === '1';
}
