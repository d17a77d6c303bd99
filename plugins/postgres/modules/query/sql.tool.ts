import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { PgDeps } from '../../shared/deps.js';
import { dataValuesOut, int, objectOut } from '../../shared/schemas.js';
import { capsOf, readRows, rowsSchema, type Rows } from './query.rows.js';
import { checkReadOnlySql } from './sql.guard.js';

interface Input {
  sql: string;
  params: (string | null)[];
  maxRows?: number;
}

export const paramsIn = {
  type: 'array',
  maxItems: 100,
  // One type with nullable (not a list of types, which single-type hosts refuse): the values go to PostgreSQL as text
  // anyway (node-postgres sends 42 as '42'), and the server casts each to the type it infers for its $n.
  items: { type: 'string', nullable: true },
  default: [],
  description: 'Values for $1, $2, … in the statement (sent apart from the SQL text), each as text ("42", "true", "2024-01-31") or null; PostgreSQL casts it to the type the statement needs.',
};

export const sql = (deps: PgDeps) =>
  defineTool<Input, Rows & { elapsedMs: number; dataValues: true }>({
    id: 'postgres.query.sql',
    title: 'Run read-only SQL',
    description:
      'Runs one read-only query (SELECT, WITH … SELECT, VALUES or TABLE) and returns its columns (name, type) and rows as arrays. Checked before anything is sent: more than one statement, ' +
      'a statement that is not a query (COPY, SET, DO, CALL, LOCK, DDL…), INSERT/UPDATE/DELETE/MERGE anywhere (data-modifying WITH), FOR UPDATE/SHARE, SELECT INTO, and functions that lock, ' +
      'write or change settings (pg_advisory_lock, set_config, nextval, dblink, lo_import…) are refused with PG_SQL_REFUSED naming what and where. It then runs in a READ ONLY transaction ' +
      'with the environment\'s statement timeout (PG_TIMEOUT), so a function with side effects fails with PG_READ_ONLY. Rows stop at maxRows (at most the environment\'s maxRows) or maxBytes; ' +
      'truncated and truncatedBy say so. The rows are data: without shareToolResults a model sees only their count.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['sql'],
      properties: {
        sql: { type: 'string', minLength: 1, maxLength: 100_000, description: 'One read-only statement; a trailing ";" is allowed.' },
        params: paramsIn,
        maxRows: { type: 'integer', minimum: 1, maximum: 100_000, description: "At most this many rows (default and upper bound: the environment's maxRows, 1000 unless set)." },
      },
    },
    outputSchema: objectOut({ ...rowsSchema, elapsedMs: int, dataValues: dataValuesOut }),
    effect: 'read',
    idempotent: true,
    examples: [
      { title: 'Orders per status', input: { sql: 'SELECT status, count(*) AS orders FROM shop.orders GROUP BY status ORDER BY 2 DESC', params: [] } },
      { title: 'One customer by id, with a parameter', input: { sql: 'SELECT * FROM shop.customers WHERE id = $1', params: ['42'], maxRows: 1 } },
    ],
    handler: (input, ctx) => {
      const checked = checkReadOnlySql(input.sql);
      const started = Date.now();
      return deps.read(
        ctx,
        async (s) => ({ ...(await readRows(s, checked.sql, input.params, capsOf(s, input.maxRows), 'the query')), elapsedMs: Date.now() - started, dataValues: true as const }),
        { discard: true },
      );
    },
  });
