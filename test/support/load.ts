import type { PatternInput } from '@app/features';

/** What a steady client saw: every status, and the ids of the predictions answered 200. */
export interface LoadResult {
  sent: number;
  statuses: Record<number, number>;
  accepted: string[];
  errors: string[];
}

/**
 * A steady closed-loop load: `concurrency` clients each sending one request after the other until
 * stopped. Transport errors (connection refused/reset) are recorded, not thrown.
 */
export function startLoad(url: string, items: PatternInput[], concurrency = 6): { stop(): Promise<LoadResult> } {
  const result: LoadResult = { sent: 0, statuses: {}, accepted: [], errors: [] };
  let running = true;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (running) {
      const item = items[next++ % items.length];
      const body = { ...item, pattern_id: `${item.pattern_id}-${next}` };
      result.sent++;
      try {
        const res = await fetch(`${url}/api/ml/confidence`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        result.statuses[res.status] = (result.statuses[res.status] ?? 0) + 1;
        if (res.status === 200) {
          result.accepted.push(body.pattern_id);
        }
        await res.arrayBuffer();
      } catch (err) {
        result.errors.push((err as Error).message);
      }
    }
  };
  const workers = Array.from({ length: concurrency }, () => worker());
  return {
    stop: async () => {
      running = false;
      await Promise.all(workers);
      return result;
    },
  };
}
