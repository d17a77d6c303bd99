import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PGlite } from '@electric-sql/pglite';
import { pino } from 'pino';
import { StewardError } from '../common/errors.js';
import { extractTemplate, isEmptyDataDir, templateFile, writeTemplate } from './pglite-template.js';
import { PgliteStore } from './pglite.store.js';
import { PgliteWire } from './pglite-wire.js';

const silent = pino({ level: 'silent' });
let root: string;
let template: string;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'steward-wire-'));
  // The build's template when there is one, else one made here (initdb: a few seconds).
  template = templateFile();
  if (!fs.existsSync(template)) {
    template = path.join(root, 'template.tar.gz');
    await writeTemplate(template);
  }
}, 60_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const freshDir = (name: string): string => {
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  extractTemplate(dir, template);
  return dir;
};

describe('pglite template', () => {
  it('unpacks into an empty directory, PG_VERSION included, and PGlite starts on it', async () => {
    const dir = path.join(root, 'unpacked');
    fs.mkdirSync(dir);
    expect(isEmptyDataDir(dir)).toBe(true);
    expect(extractTemplate(dir, template)).toBe(true);
    expect(isEmptyDataDir(dir)).toBe(false);
    const db = new PGlite(dir);
    try {
      expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
    }
  }, 60_000);

  it('says so when there is no template (PGlite then runs initdb)', () => {
    expect(extractTemplate(path.join(root, 'none'), path.join(root, 'no-such-template.tar.gz'))).toBe(false);
  });
});

describe('PgliteWire: the same answers as PGlite.query/exec', () => {
  let db: PGlite;
  let wire: PgliteWire;
  beforeAll(async () => {
    db = new PGlite(freshDir('parity'));
    await db.waitReady;
    wire = new PgliteWire(db, 3);
    wire.query('CREATE TABLE t (id serial PRIMARY KEY, name text UNIQUE, n int, j jsonb, at timestamptz)');
  }, 60_000);
  afterAll(() => db?.close());

  const both = async (sql: string, params?: unknown[]) => {
    const ours = wire.query<Record<string, unknown>>(sql, params);
    const theirs = params?.length ? await db.query<Record<string, unknown>>(sql, params) : (await db.exec(sql)).at(-1)!;
    return { ours: { rows: ours.rows, rowCount: ours.rowCount ?? ours.affectedRows }, theirs: { rows: theirs.rows, rowCount: theirs.rowCount ?? theirs.affectedRows } };
  };

  it('binds and parses values of several types, nulls, arrays and odd column names alike', async () => {
    const at = new Date('2024-05-06T07:08:09.123Z');
    const { ours, theirs } = await both(
      `SELECT $1::text AS t, $2::int AS i, $3::boolean AS b, $4::text AS nul, $5::jsonb AS j, $6::int[] AS arr, $7::timestamptz AS at,
              9007199254740993::bigint AS big, 1 AS dup, 2 AS dup, 3 AS "__proto__", 'ünï' || $1 AS u`,
      ["it's", 42, true, null, JSON.stringify({ a: [1, 'x'], b: null }), [1, 2, 3], at],
    );
    expect(ours).toEqual(theirs);
    expect(ours.rows[0]).toMatchObject({ t: "it's", i: 42, b: true, nul: null, j: { a: [1, 'x'], b: null }, arr: [1, 2, 3], at, big: 9007199254740993n, dup: 2 });
    expect(Object.getOwnPropertyDescriptor(ours.rows[0], '__proto__')?.value).toBe(3);
  });

  it('reports rowCount for writes and the last result of parameterless multi-statement SQL', async () => {
    expect(wire.query('INSERT INTO t (name, n) VALUES ($1, 1), ($2, 2), ($3, 3)', ['a', 'b', 'c']).rowCount).toBe(3);
    expect(await both('UPDATE t SET n = n + 10 WHERE n >= $1 AND name <> $2', [2, 'zzz'])).toMatchObject({ ours: { rowCount: 2 } });
    const { ours, theirs } = await both("UPDATE t SET n = 0 WHERE name = 'a'; SELECT name, n FROM t ORDER BY name");
    expect(ours).toEqual(theirs);
    expect(ours.rows).toEqual([{ name: 'a', n: 0 }, { name: 'b', n: 22 }, { name: 'c', n: 23 }]);
    expect(await both('BEGIN; ROLLBACK')).toMatchObject({ ours: { rowCount: 0 }, theirs: { rowCount: 0 } });
  });

  it('keeps only its most recently used statements prepared, and answers right after evicting', () => {
    for (let round = 0; round < 3; round++) {
      for (let k = 0; k < 6; k++) expect(wire.query<{ k: number }>(`SELECT $1::int + ${k} AS k`, [round]).rows).toEqual([{ k: round + k }]);
    }
    const prepared = wire.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE $1', ['steward_%']);
    expect(prepared.rows[0].n).toBeLessThanOrEqual(3);
  });

  it('re-prepares a statement whose columns changed under it, after DDL it saw or did not see', () => {
    const select = 'SELECT * FROM t WHERE name = $1';
    expect(Object.keys(wire.query<Record<string, unknown>>(select, ['a']).rows[0])).toEqual(['id', 'name', 'n', 'j', 'at']);
    wire.query('ALTER TABLE t ADD COLUMN extra text');
    expect(Object.keys(wire.query<Record<string, unknown>>(select, ['a']).rows[0])).toContain('extra');
    // DDL the wire cannot recognise: PostgreSQL refuses the stale plan, the wire prepares the statement again.
    wire.query(`DO $$ BEGIN EXECUTE 'ALTER TABLE t ADD COLUMN more text'; END $$`);
    expect(Object.keys(wire.query<Record<string, unknown>>(select, ['a']).rows[0])).toContain('more');
  });

  it('throws the database error with its code and the query, and keeps working', () => {
    let caught: unknown;
    try {
      wire.query('INSERT INTO t (name) VALUES ($1)', ['a']);
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({ code: '23505', constraint: 't_name_key', query: 'INSERT INTO t (name) VALUES ($1)' });
    expect((caught as Error).message).toMatch(/duplicate key/);
    expect(() => wire.query('SELEC nonsense')).toThrow(/syntax error/);
    expect(wire.query<{ one: number }>('SELECT $1::int AS one', [1]).rows).toEqual([{ one: 1 }]);
    expect(wire.status).toBe('I');
  });
});

describe('PgliteStore over the wire', () => {
  let store: PgliteStore;
  beforeAll(async () => {
    store = await PgliteStore.open(freshDir('store'), { baseDir: root, logger: silent });
    await store.query('CREATE TABLE w (name text PRIMARY KEY)');
  }, 60_000);
  afterAll(() => store?.close());

  it('fails COMMIT of a transaction in which a statement failed (the callback swallowed the error)', async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.query('INSERT INTO w (name) VALUES ($1)', ['kept?']);
        await tx.query('SELECT no_such_column FROM w').catch(() => undefined);
      }),
    ).rejects.toMatchObject({ code: '25P02' });
    expect((await store.query('SELECT 1 FROM w WHERE name = $1', ['kept?'])).rowCount).toBe(0);
  });

  it('refuses a transaction handle used after its transaction ended', async () => {
    let leaked: { query: (sql: string) => Promise<unknown> } | undefined;
    await store.transaction(async (tx) => {
      leaked = tx;
    });
    await expect(leaked!.query('SELECT 1')).rejects.toThrow(/Transaction is closed/);
  });

  it('lets work issued before close() finish, and refuses work after it', async () => {
    const other = await PgliteStore.open(freshDir('closing'), { baseDir: root, logger: silent });
    const inFlight = other.transaction(async (tx) => {
      await tx.query('CREATE TABLE c (x int)');
      await tx.query('INSERT INTO c VALUES ($1)', [1]);
      return (await tx.query<{ x: number }>('SELECT x FROM c')).rows;
    });
    const queued = other.query<{ one: number }>('SELECT 1 AS one');
    const closed = other.close();
    await expect(inFlight).resolves.toEqual([{ x: 1 }]);
    await expect(queued).resolves.toMatchObject({ rows: [{ one: 1 }] });
    await closed;
    const after = await other.query('SELECT 1').catch((e: unknown) => e);
    expect(after).toBeInstanceOf(StewardError);
    expect((after as StewardError).code).toBe('STORE_UNAVAILABLE');
  }, 60_000);
});
