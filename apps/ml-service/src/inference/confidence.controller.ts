import { Body, Controller, HttpCode, Post, Query } from '@nestjs/common';
import { PatternInput, validatePatternInput } from '@app/features';
import { PatternInputPipe } from './pattern-input.pipe';
import { BatchEnvelopePipe, BatchRequest, parseIncludeFeatures } from './confidence-request.dto';
import { InferenceService } from './inference.service';
import type { ConfidenceResult } from './inference.types';

interface BatchItemError {
  pattern_id: string | null;
  error: { statusCode: 400; error: 'Bad Request'; message: string[] };
}

@Controller('api/ml/confidence')
export class ConfidenceController {
  constructor(private readonly inference: InferenceService) {}

  @Post()
  @HttpCode(200)
  async score(
    // Typed by the interface so the global ValidationPipe leaves it to PatternInputPipe (same rules, faster).
    @Body(PatternInputPipe) body: PatternInput,
    @Query('include_features') includeFeatures?: string,
  ): Promise<ConfidenceResult> {
    const [result] = await this.inference.score([body], parseIncludeFeatures(includeFeatures));
    return result;
  }

  /** Answers in request order; valid items share one model call, invalid ones carry their own error. */
  @Post('batch')
  @HttpCode(200)
  async batch(
    @Body(BatchEnvelopePipe) body: BatchRequest,
    @Query('include_features') includeFeatures?: string,
  ): Promise<{ results: Array<ConfidenceResult | BatchItemError> }> {
    const checked = body.items.map((item) => validatePatternInput(item));
    const valid = checked.flatMap((c) => (c.value ? [c.value] : []));
    const scored = valid.length > 0 ? await this.inference.score(valid, parseIncludeFeatures(includeFeatures)) : [];
    let next = 0;
    const results = checked.map((c, i): ConfidenceResult | BatchItemError => {
      if (c.value) {
        return scored[next++];
      }
      const raw = body.items[i] as { pattern_id?: unknown } | null;
      const id = raw && typeof raw === 'object' && typeof raw.pattern_id === 'string' ? raw.pattern_id : null;
      return {
        pattern_id: id,
        error: { statusCode: 400, error: 'Bad Request', message: c.errors.map((m) => `items[${i}].${m}`) },
      };
    });
    return { results };
  }
}
