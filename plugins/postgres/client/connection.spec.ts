import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { EnvironmentConfig } from '../../../src/config/config.types.js';
import { createTestHost, type TestHost } from '../../../src/plugins/test-host.js';
import { targetOf } from './pg.config.js';

const SECRET = 'pw-Secret-4711';
const settings = { statementTimeoutMs: 15000, maxRows: 1000, maxBytes: 4194304, poolMax: 4, connectTimeoutMs: 10000 };
const env = (e: Partial<EnvironmentConfig> & { options?: Record<string, unknown> }) => ({ name: 'wh', kind: 'postgres', tls: { verify: true }, options: {}, ...e }) as Parameters<typeof targetOf>[0];

describe('postgres environments: connection settings', () => {
  it('reads url, user, password and options, with defaults from the settings', () => {
    const t = targetOf(env({ url: 'postgres://reader@db.internal:6543/analytics', password: SECRET, options: { pool: { max: 2 }, statementTimeoutMs: 500 } }), settings);
    expect(t).toMatchObject({ host: 'db.internal', port: 6543, database: 'analytics', user: 'reader', password: SECRET, ssl: 'verify-full', poolMax: 2, statementTimeoutMs: 500, maxRows: 1000, connectTimeoutMs: 10000 });
    expect(targetOf(env({ url: 'postgresql://u:p%40ss@127.0.0.1/db?sslmode=require' }), settings)).toMatchObject({ port: 5432, user: 'u', password: 'p@ss', ssl: 'require' });
    expect(targetOf(env({ url: 'postgres://localhost/db' }), settings).ssl).toBe('disable');
    expect(targetOf(env({ url: 'postgres://localhost/db', timeoutMs: 2000, options: { ssl: 'verify-full' } }), settings)).toMatchObject({ ssl: 'verify-full', connectTimeoutMs: 2000 });
    const a = targetOf(env({ url: 'postgres://h/db', password: 'a' }), settings);
    expect(targetOf(env({ url: 'postgres://h/db', password: 'b' }), settings).fingerprint).not.toBe(a.fingerprint);
  });

  it.each([
    [{ url: undefined }, 'environment "wh": has no url (set environments.wh.url: postgres://user@host:5432/database)'],
    [{ url: 'https://db.internal/x' }, 'url must start with postgres:// or postgresql:// (it starts with https://)'],
    [{ url: 'postgres://db.internal' }, 'url names no database'],
    [{ url: 'postgres://h/db?sslmode=prefer' }, 'url sslmode=prefer is not supported: use disable, require or verify-full (or options.ssl)'],
    [{ url: 'postgres://h/db', options: { ssl: 'prefer' } }, 'environments.wh.options.ssl: must be one of disable, require, verify-full'],
    [{ url: 'postgres://h/db', options: { statementTimeout: 5 } }, 'environments.wh.options: unknown key "statementTimeout" (known: ssl, pool, statementTimeoutMs, maxRows, maxBytes)'],
    [{ url: 'postgres://h/db', options: { pool: { max: 0 } } }, 'environments.wh.options.pool.max: must be >= 1'],
    [{ url: 'postgres://h/db', tls: { verify: true, caFile: '/nonexistent/ca.pem' } }, 'tls.caFile /nonexistent/ca.pem cannot be read: ENOENT'],
    [{ url: 'postgres://h/db', tls: { verify: false }, options: { ssl: 'verify-full' } }, 'tls.verify is false but ssl is verify-full'],
  ])('refuses %j: PG_CONFIG_INVALID naming the key', (e, message) => {
    expect(() => targetOf(env(e as Partial<EnvironmentConfig>), settings)).toThrow(expect.objectContaining({ code: 'PG_CONFIG_INVALID', message: expect.stringContaining(message) }));
  });
});

describe('postgres environments: servers that cannot be used', () => {
  let host: TestHost;
  let closed: number;
  let silent: Server;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    closed = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    // Accepts connections and never answers: a server that hangs.
    silent = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as AddressInfo).port;
    host = await createTestHost({
      environments: {
        down: { kind: 'postgres', url: `postgres://reader@127.0.0.1:${closed}/shop`, password: SECRET },
        hung: { kind: 'postgres', url: `postgres://reader@127.0.0.1:${port}/shop`, password: SECRET, timeoutMs: 300 },
        broken: { kind: 'postgres', url: `postgres://reader@127.0.0.1:${port}/shop`, options: { ssl: 'sometimes' } },
      } as Record<string, EnvironmentConfig>,
    });
  });
  afterAll(async () => {
    await host?.catalogue.dispose();
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  });

  it('an unreachable server is PG_UNREACHABLE naming host, port and database, never the password', async () => {
    const r = await host.invoker.invoke('postgres.schema.schemas', {}, { environments: { target: 'down' } });
    expect(r).toMatchObject({ ok: false, error: { code: 'PG_UNREACHABLE', message: expect.stringContaining(`cannot reach PostgreSQL at 127.0.0.1:${closed}/shop (environment "down"): `) } });
    expect(JSON.stringify(r)).not.toContain(SECRET);
  });

  it('a server that never answers is PG_UNREACHABLE after the connect timeout', async () => {
    const started = Date.now();
    const r = await host.invoker.invoke('postgres.query.sql', { sql: 'SELECT 1' }, { environments: { target: 'hung' } });
    expect(r).toMatchObject({ ok: false, error: { code: 'PG_UNREACHABLE' } });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(JSON.stringify(r) + JSON.stringify(host.logs)).not.toContain(SECRET);
  });

  it('a wrong environment option is PG_CONFIG_INVALID before any connection', async () => {
    const r = await host.invoker.invoke('postgres.schema.tables', {}, { environments: { target: 'broken' } });
    expect(r).toMatchObject({ ok: false, error: { code: 'PG_CONFIG_INVALID', message: 'environment "broken": environments.broken.options.ssl: must be one of disable, require, verify-full' } });
  });
});
