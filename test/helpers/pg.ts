import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL server tests may use (an admin URL; .ci/run sets it), or undefined: those tests are skipped. */
export const PG_ADMIN_URL = process.env.STEWARD_TEST_PG_URL;

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A fresh, empty database on the test server: its URL, and a drop() for afterAll. */
export async function freshPgDatabase(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const u = new URL(PG_ADMIN_URL!);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined) };
}
