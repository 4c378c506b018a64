import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The real Postgres the e2e tests use (CI: the machine's server). */
export const ADMIN_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Runs SQL on the admin database (create/drop databases, terminate sessions). */
export async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * A fresh, empty database per test file on the real server. (Embedded PGlite runs in a spawned
 * service process instead: its WASM loader needs a plain Node context, not jest's VM.)
 */
export async function createTestDatabase(prefix = 'e2e'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const parsed = new URL(ADMIN_DATABASE_URL);
  parsed.pathname = `/${name}`;
  const url = parsed.toString();
  return {
    url,
    drop: async () => {
      await adminQuery(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`,
      );
      await adminQuery(`DROP DATABASE IF EXISTS ${name}`);
    },
  };
}

/** A short-lived client for assertions on what the service wrote. */
export async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
