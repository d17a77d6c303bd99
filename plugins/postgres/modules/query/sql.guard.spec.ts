import { describe, expect, it } from '@jest/globals';
import { checkReadOnlySql, SqlRefused, tokenize, type GuardRule } from './sql.guard.js';

const refusal = (sql: string): { rule: GuardRule; message: string } => {
  try {
    checkReadOnlySql(sql);
  } catch (e) {
    if (e instanceof SqlRefused) return { rule: e.rule, message: e.message };
    throw e;
  }
  throw new Error(`not refused: ${sql}`);
};

describe('the read-only SQL guard', () => {
  it.each([
    ['SELECT 1', 'SELECT 1'],
    ['  select * from shop.orders;  ', 'select * from shop.orders'],
    ['SELECT 1;;\n-- done\n', 'SELECT 1'],
    ["WITH t AS (SELECT 1 AS x) SELECT x FROM t", "WITH t AS (SELECT 1 AS x) SELECT x FROM t"],
    ['VALUES (1), (2)', 'VALUES (1), (2)'],
    ['TABLE shop.orders', 'TABLE shop.orders'],
    ['(SELECT 1) UNION (SELECT 2)', '(SELECT 1) UNION (SELECT 2)'],
    ["SELECT 'a;b' AS s, 'it''s; DELETE' AS t", "SELECT 'a;b' AS s, 'it''s; DELETE' AS t"],
    ['SELECT "weird;name", "update" FROM t', 'SELECT "weird;name", "update" FROM t'],
    ['SELECT $$; DELETE FROM t$$, $x$ ; $x$', 'SELECT $$; DELETE FROM t$$, $x$ ; $x$'],
    ["SELECT E'\\'; DROP TABLE t; --'", "SELECT E'\\'; DROP TABLE t; --'"],
    ['SELECT 1 /* ; DELETE /* nested */ still ; */ + 1', 'SELECT 1 /* ; DELETE /* nested */ still ; */ + 1'],
    ['SELECT * FROM t WHERE id = $1', 'SELECT * FROM t WHERE id = $1'],
    ['SELECT substring(name FOR 3), overlay(x PLACING y FROM 1 FOR 2) FROM t', 'SELECT substring(name FOR 3), overlay(x PLACING y FROM 1 FOR 2) FROM t'],
    ["SELECT U&'d\\0061t\\+000061' AS u, x'1F' AS b", "SELECT U&'d\\0061t\\+000061' AS u, x'1F' AS b"],
  ])('accepts %j', (sql, kept) => {
    expect(checkReadOnlySql(sql).sql).toBe(kept);
  });

  it.each<[string, GuardRule, string]>([
    ['', 'empty', 'the statement is empty'],
    [' ; -- nothing', 'empty', 'the statement is empty'],
    ['SELECT 1; DROP TABLE shop.orders', 'multiple-statements', 'only one statement can be run: remove the ";" and what follows it (at character 9)'],
    ['SELECT 1; SELECT 2', 'multiple-statements', 'only one statement'],
    ['WITH d AS (DELETE FROM shop.orders RETURNING *) SELECT * FROM d', 'writes', 'DELETE changes data (a data-modifying WITH); read tools only read (quote it, "delete", if it is a column name) (at character 12)'],
    ['WITH u AS (UPDATE t SET a = 1 RETURNING a) SELECT * FROM u', 'writes', 'UPDATE changes data (a data-modifying WITH)'],
    ['WITH i AS (INSERT INTO t VALUES (1) RETURNING *) SELECT 1', 'writes', 'INSERT changes data'],
    ['SELECT * FROM shop.orders FOR UPDATE', 'locks', 'FOR UPDATE takes row locks'],
    ['SELECT * FROM t FOR NO KEY UPDATE SKIP LOCKED', 'locks', 'FOR NO … takes row locks'],
    ['SELECT * FROM t FOR SHARE', 'locks', 'FOR SHARE takes row locks'],
    ['COPY shop.orders TO STDOUT', 'not-a-query', 'this statement starts with COPY, which reads or writes files and tables (COPY)'],
    ["COPY (SELECT 1) TO '/tmp/x'", 'not-a-query', 'COPY'],
    ['SET statement_timeout = 0', 'not-a-query', 'starts with SET, which changes session settings'],
    ['DO $$ BEGIN DELETE FROM shop.orders; END $$', 'not-a-query', 'starts with DO, which runs procedural code (DO)'],
    ['CALL shop.cleanup()', 'not-a-query', 'starts with CALL, which calls a procedure (CALL)'],
    ['LOCK TABLE shop.orders', 'not-a-query', 'starts with LOCK, which takes table locks (LOCK)'],
    ['DELETE FROM shop.orders', 'not-a-query', 'starts with DELETE, which changes data'],
    ['TRUNCATE shop.orders', 'not-a-query', 'TRUNCATE'],
    ['DROP TABLE shop.orders', 'not-a-query', 'changes the schema, privileges or storage'],
    ['BEGIN', 'not-a-query', 'controls transactions'],
    ['EXPLAIN ANALYZE DELETE FROM t', 'not-a-query', 'use postgres.query.explain'],
    ['SHOW search_path', 'not-a-query', "current_setting('name')"],
    ['MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE', 'not-a-query', 'MERGE'],
    ['SELECT * INTO shop.copy FROM shop.orders', 'select-into', 'SELECT … INTO creates a table'],
    ["SELECT nextval('shop.orders_id_seq')", 'function', 'nextval() changes a sequence; read tools may not call it'],
    ['SELECT pg_advisory_lock(1)', 'function', 'pg_advisory_lock() takes advisory locks'],
    ['SELECT pg_catalog.pg_try_advisory_lock(1)', 'function', 'pg_try_advisory_lock()'],
    ["SELECT set_config('statement_timeout', '0', true), pg_sleep(60)", 'function', 'set_config() changes settings'],
    ['SELECT "set_config"(\'a.b\', \'c\', false)', 'function', 'set_config()'],
    ["SELECT query_to_xml('delete from t', true, true, '')", 'function', 'runs SQL given as text'],
    ["SELECT * FROM dblink('host=x', 'delete from t') AS t(a int)", 'function', 'dblink'],
    ["SELECT lo_import('/etc/passwd')", 'function', 'large objects'],
    ["SELECT pg_read_file('/etc/passwd')", 'function', 'server files'],
    ['SELECT pg_terminate_backend(42)', 'function', 'stops other sessions'],
    ["SELECT 'open", 'unterminated', 'a string opened here is never closed (at character 8)'],
    ['SELECT 1 /* open', 'unterminated', 'a /* comment'],
    ['SELECT $x$ open', 'unterminated', 'dollar-quoted string $x$'],
    ['SELECT "open', 'unterminated', 'quoted identifier'],
  ])('refuses %j (%s)', (sql, rule, message) => {
    const r = refusal(sql);
    expect(r.rule).toBe(rule);
    expect(r.message).toContain(message);
    expect(r.message).toMatch(/^refused before it reached the server: /);
  });

  it('carries the rule and position as detail, with code PG_SQL_REFUSED', () => {
    try {
      checkReadOnlySql('SELECT 1;DELETE FROM t');
      throw new Error('not refused');
    } catch (e) {
      expect(e).toMatchObject({ code: 'PG_SQL_REFUSED', detail: { rule: 'multiple-statements', position: 9 } });
    }
  });

  it('tokenizes words, quoted identifiers, strings, parameters and operators with positions', () => {
    expect(tokenize(`SELECT "A""b", 'x''y', $1::int >= 2 -- c`).map((t) => [t.kind, t.text, t.pos])).toEqual([
      ['word', 'select', 1],
      ['ident', 'A"b', 8],
      ['punct', ',', 14],
      ['string', "x'y", 16],
      ['punct', ',', 22],
      ['param', '$1', 24],
      ['op', '::', 26],
      ['word', 'int', 28],
      ['op', '>=', 32],
      ['number', '2', 35],
    ]);
  });
});
