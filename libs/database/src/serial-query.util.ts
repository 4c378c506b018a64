import type { DataSource } from 'typeorm';

/**
 * Runs one read without parallel workers, in a transaction of its own (`SET LOCAL`, so the pooled
 * connection goes back with the server's default).
 *
 * For background reads over the prediction log: with parallel workers the drift job's labelled join
 * took all the machine's cores for as long as it ran (a parallel sequential scan of `ml_predictions`:
 * 552 ms on three processes at 1,000,000 rows, 593 ms on one without), and scoring requests queued
 * behind it once a minute; the 10-minute soak's p95 grew with the table.
 */
export function querySerially<T>(db: DataSource, sql: string, parameters: unknown[]): Promise<T> {
  return db.transaction(async (manager) => {
    await manager.query('SET LOCAL max_parallel_workers_per_gather = 0');
    return manager.query<T>(sql, parameters);
  });
}
