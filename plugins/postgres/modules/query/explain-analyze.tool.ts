import { defineTool } from '../../../../src/plugins/plugin-api.js';
import { whereOf } from '../../client/pg.config.js';
import type { PgDeps } from '../../shared/deps.js';
import { objectOut } from '../../shared/schemas.js';
import { explain, explainSchema, type PlanNode } from './explain.plan.js';
import { checkReadOnlySql } from './sql.guard.js';
import { paramsIn } from './sql.tool.js';

interface Input {
  sql: string;
  params: (string | null)[];
  buffers: boolean;
}

/** EXPLAIN ANALYZE executes the query: write-class so that it is gated, although it runs READ ONLY and is rolled back. */
export const explainAnalyze = (deps: PgDeps) =>
  defineTool<Input, { totalCost: number; planRows: number; executionMs: number | null; planningMs: number | null; nodes: PlanNode[]; plan: Record<string, unknown> }>({
    id: 'postgres.query.explain-analyze',
    title: 'EXPLAIN ANALYZE a query (executes it)',
    description:
      'Runs one read-only query with EXPLAIN (ANALYZE, FORMAT JSON) and returns the measured plan: planning and execution time, every node with its estimated and actual rows and time. ' +
      'It executes the query - load on the server, bounded by the statement timeout - so it is a write-class action that waits for an approval; its dry run says what would run and its estimated cost. ' +
      'The statement is checked like postgres.query.sql and runs in a READ ONLY transaction that is rolled back.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['sql'],
      properties: {
        sql: { type: 'string', minLength: 1, maxLength: 100_000, description: 'One read-only query.' },
        params: paramsIn,
        buffers: { type: 'boolean', default: false, description: 'Also report buffer usage (EXPLAIN BUFFERS).' },
      },
    },
    outputSchema: objectOut({ ...explainSchema, executionMs: { type: ['number', 'null'] }, planningMs: { type: ['number', 'null'] } }),
    effect: 'write',
    idempotent: true,
    examples: [{ title: 'Measure a slow report query', input: { sql: 'SELECT status, count(*) FROM shop.orders GROUP BY status', params: [], buffers: true } }],
    handler: (input, ctx) => {
      const checked = checkReadOnlySql(input.sql);
      return deps.read(
        ctx,
        async (s) => {
          const r = await explain(s, checked.sql, input.params, ['ANALYZE', ...(input.buffers ? ['BUFFERS'] : [])], 'EXPLAIN ANALYZE');
          const ms = (k: string) => (typeof r.plan[k] === 'number' ? (r.plan[k] as number) : null);
          return { ...r, executionMs: ms('Execution Time'), planningMs: ms('Planning Time') };
        },
        { discard: true },
      );
    },
    plan: (input, ctx) => {
      const checked = checkReadOnlySql(input.sql);
      return deps.read(
        ctx,
        async (s) => {
          const est = await explain(s, checked.sql, input.params, [], 'EXPLAIN');
          const text = checked.sql.length > 200 ? `${checked.sql.slice(0, 200)}…` : checked.sql;
          return {
            summary: `EXPLAIN ANALYZE would execute one read-only query on ${whereOf(s.target)} (estimated cost ${est.totalCost}, ${est.planRows} rows; at most ${s.target.statementTimeoutMs} ms), in a READ ONLY transaction rolled back afterwards: no data changes`,
            changes: [{ action: 'skip' as const, kind: 'query', target: `query on environment "${s.target.environment}"`, detail: text, reason: 'executes the query to measure it; changes no data' }],
          };
        },
        { discard: true },
      );
    },
  });
