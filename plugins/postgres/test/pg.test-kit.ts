import { PGlite } from '@electric-sql/pglite';
import type { EnvironmentConfig } from '../../../src/config/config.types.js';
import { createTestHost, type TestHost } from '../../../src/plugins/test-host.js';
import type { ToolResult } from '../../../src/plugins/tool.result.js';
import { seedDemo } from '../sandbox/demo.seed.js';
import { servePglite, type PgliteServer } from '../sandbox/pglite.server.js';

/** A seeded PGlite served over the wire, and a test host whose `db` environment points at it. */
export interface PgKit {
  db: PGlite;
  server: PgliteServer;
  host: TestHost;
  call(tool: string, input?: Record<string, unknown>, env?: string): Promise<ToolResult>;
  /** The output of a call that must succeed (the failure's code and message otherwise). */
  ok<T = Record<string, unknown>>(tool: string, input?: Record<string, unknown>, env?: string): Promise<T>;
  close(): Promise<void>;
}

export async function startPgKit(opts: { environments?: (url: string) => Record<string, EnvironmentConfig>; seed?: (db: PGlite) => Promise<void> } = {}): Promise<PgKit> {
  const db = new PGlite();
  await seedDemo((sql) => db.exec(sql));
  await opts.seed?.(db);
  const server = await servePglite(db);
  const host = await createTestHost({ environments: { db: { kind: 'postgres', url: server.url() }, ...opts.environments?.(server.url()) } as Record<string, EnvironmentConfig> });
  const call = (tool: string, input: Record<string, unknown> = {}, env = 'db') => host.invoker.invoke(tool, input, { environments: { target: env } });
  return {
    db,
    server,
    host,
    call,
    ok: async <T,>(tool: string, input: Record<string, unknown> = {}, env = 'db') => {
      const r = await call(tool, input, env);
      if (!r.ok) throw new Error(`${tool} failed: ${r.error.code}: ${r.error.message}`);
      return (r as { output: unknown }).output as T;
    },
    close: async () => {
      await host.catalogue.dispose();
      await server.close();
      await db.close();
    },
  };
}

/** Objects the bad-input tests aim at: a function that writes (side effects) and a table it writes to. */
export const SIDE_EFFECTS_SQL = `
  CREATE TABLE shop.audit (id serial PRIMARY KEY, note text);
  CREATE FUNCTION shop.touch() RETURNS integer LANGUAGE plpgsql AS $$ BEGIN INSERT INTO shop.audit (note) VALUES ('touched'); RETURN 1; END $$;
  CREATE PROCEDURE shop.cleanup() LANGUAGE sql AS $$ DELETE FROM shop.audit $$;
`;

/**
 * Everything a read tool could change, as one value: every user table's rows (md5 of the rows in order), the
 * catalogue's relations and functions, sequence positions, advisory locks held. Equal before and after: unchanged.
 */
export async function fingerprint(query: (sql: string) => Promise<{ rows: Record<string, unknown>[] }>): Promise<string> {
  const tables = (await query(`SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`)).rows.map((r) => String(r.t));
  const parts: string[] = [];
  for (const t of tables) parts.push(`${t}:${String((await query(`SELECT count(*) || ':' || coalesce(md5(string_agg(x::text, ',' ORDER BY x::text)), '') AS h FROM ${t} x`)).rows[0]!.h)}`);
  parts.push(String((await query(`SELECT string_agg(relname || relkind::text, ',' ORDER BY relname) AS h FROM pg_class WHERE relnamespace NOT IN (SELECT oid FROM pg_namespace WHERE nspname IN ('pg_catalog', 'information_schema', 'pg_toast'))`)).rows[0]!.h));
  parts.push(String((await query(`SELECT string_agg(proname, ',' ORDER BY proname) AS h FROM pg_proc WHERE pronamespace = 'shop'::regnamespace`)).rows[0]!.h));
  parts.push(String((await query(`SELECT string_agg(schemaname || '.' || sequencename || '=' || coalesce(last_value::text, '-'), ',' ORDER BY 1) AS h FROM pg_sequences`)).rows[0]!.h));
  parts.push(String((await query(`SELECT count(*) AS h FROM pg_locks WHERE locktype = 'advisory'`)).rows[0]!.h));
  return parts.join('\n');
}
