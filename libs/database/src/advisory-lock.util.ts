import type { DataSource } from 'typeorm';

/**
 * Runs `fn` while holding a Postgres session-level advisory lock on a dedicated connection, so only
 * one replica runs it at a time; resolves `{ locked: false }` at once when another session holds it.
 */
export async function withAdvisoryLock<T>(
  db: DataSource,
  key: number,
  fn: () => Promise<T>,
): Promise<{ locked: true; value: T } | { locked: false }> {
  const runner = db.createQueryRunner();
  await runner.connect();
  try {
    const rows = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [key])) as Array<{ locked: boolean }>;
    if (!rows[0].locked) {
      return { locked: false };
    }
    try {
      return { locked: true, value: await fn() };
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [key]);
    }
  } finally {
    await runner.release();
  }
}
