/**
 * Backends for the store contract suite, and small helpers. Each leg hands out fresh, empty databases:
 * - pglite: directories under one temp dir (copies of a template made by one initdb, which takes seconds);
 * - postgres: databases `steward_test_<run>_<n>` created through STEWARD_TEST_PG_URL (an admin URL), dropped after.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { pino, type Logger } from 'pino';
import type { StoreConfig } from '../../src/config/config.types.js';

export interface Target {
  config: StoreConfig;
  baseDir: string;
}

export interface Leg {
  name: string;
  kind: 'pglite' | 'postgres';
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** A fresh, empty database. */
  fresh(): Promise<Target>;
}

export const CONNECT = { retries: 0, initialDelayMs: 50, maxDelayMs: 200, timeoutMs: 5000 };

export const PG_URL = process.env.STEWARD_TEST_PG_URL;

export function pgliteLeg(): Leg {
  let root = '';
  let template = '';
  let n = 0;
  return {
    name: 'pglite',
    kind: 'pglite',
    async setup() {
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'steward-store-test-'));
      template = path.join(root, 'template');
      const db = new PGlite(template);
      await db.waitReady;
      await db.close();
    },
    async teardown() {
      if (root) fs.rmSync(root, { recursive: true, force: true });
    },
    async fresh() {
      const name = `db-${++n}`;
      fs.cpSync(template, path.join(root, name), { recursive: true });
      return { baseDir: root, config: { path: name, poolSize: 1, connect: CONNECT } };
    },
  };
}

export function postgresLeg(adminUrl: string | undefined): Leg {
  const run = randomBytes(4).toString('hex');
  const created: string[] = [];
  let admin: pg.Client | undefined;
  let n = 0;
  return {
    name: 'postgres',
    kind: 'postgres',
    async setup() {
      if (!adminUrl) throw new Error('STEWARD_TEST_PG_URL is not set');
      admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
    },
    async teardown() {
      if (!admin) return;
      for (const db of created) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await admin.end();
    },
    async fresh() {
      if (!admin || !adminUrl) throw new Error('postgres leg not set up');
      const db = `steward_test_${run}_${++n}`;
      await admin.query(`CREATE DATABASE ${db}`);
      created.push(db);
      return { baseDir: os.tmpdir(), config: { url: databaseUrl(adminUrl, db), poolSize: 4, connect: CONNECT } };
    },
  };
}

export function databaseUrl(adminUrl: string, db: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${db}`;
  return u.toString();
}

/** Runs SQL as the admin (e.g. pg_terminate_backend). */
export async function adminQuery(sql: string, params?: unknown[]): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return await c.query(sql, params);
  } finally {
    await c.end();
  }
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A pino logger whose lines are kept, parsed, in `lines` (and a `text` of all of them for "never contains" checks). */
export function captureLogger(): { logger: Logger; lines: LogLine[]; text: () => string } {
  const raw: string[] = [];
  const lines: LogLine[] = [];
  const logger = pino(
    { level: 'trace' },
    {
      write(s: string) {
        raw.push(s);
        lines.push(JSON.parse(s) as LogLine);
      },
    },
  );
  return { logger, lines, text: () => raw.join('') };
}

export const WARN = 40;
export const ERROR = 50;

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') return reject(new Error('no port'));
      srv.close(() => resolve(addr.port));
    });
  });
}
