import { DataSource } from 'typeorm';
import { querySerially } from '@app/database';
import { createTestDatabase, TestDatabase } from './support/test-database';

/** querySerially on the real Postgres: no parallel plan inside, the server's default after. */
describe('querySerially', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('serial');
    // One connection, so the session settings below and the helper's transaction share it.
    ds = new DataSource({ type: 'postgres', url: db.url, extra: { max: 1 } });
    await ds.initialize();
    await ds.query('CREATE TABLE wide AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 20000) g');
    await ds.query('ANALYZE wide');
    // Make a parallel plan the planner's first choice whenever it is allowed.
    await ds.query('SET parallel_setup_cost = 0');
    await ds.query('SET parallel_tuple_cost = 0');
    await ds.query('SET min_parallel_table_scan_size = 0');
    await ds.query('SET max_parallel_workers_per_gather = 2');
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const plan = (rows: Array<{ 'QUERY PLAN': string }>) => rows.map((r) => r['QUERY PLAN']).join('\n');
  const explain = 'EXPLAIN SELECT count(*) FROM wide WHERE v LIKE $1';

  it('plans without parallel workers inside, with them outside', async () => {
    expect(plan(await ds.query(explain, ['a%']))).toMatch(/Gather/);
    expect(plan(await querySerially(ds, explain, ['a%']))).not.toMatch(/Gather/);
  });

  it('returns the rows of the read and leaves the session setting as it was', async () => {
    const rows = await querySerially<Array<{ n: number }>>(
      ds,
      'SELECT count(*)::int AS n FROM wide WHERE id <= $1',
      [123],
    );
    expect(rows).toEqual([{ n: 123 }]);
    expect(await ds.query('SHOW max_parallel_workers_per_gather')).toEqual([{ max_parallel_workers_per_gather: '2' }]);
  });
});
