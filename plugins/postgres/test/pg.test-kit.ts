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
