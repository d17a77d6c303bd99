import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { PgDeps } from '../../shared/deps.js';
import { objectOut } from '../../shared/schemas.js';
import { explain as runExplain, explainSchema, type PlanNode } from './explain.plan.js';
import { checkReadOnlySql } from './sql.guard.js';
import { paramsIn } from './sql.tool.js';

interface Input {
  sql: string;
  params: (string | null)[];
  verbose: boolean;
}

export const explain = (deps: PgDeps) =>
  defineTool<Input, { totalCost: number; planRows: number; nodes: PlanNode[]; plan: Record<string, unknown> }>({
    id: 'postgres.query.explain',
    title: 'EXPLAIN a query',
    description:
      'Shows how PostgreSQL would run one read-only query, without running it (EXPLAIN, FORMAT JSON, never ANALYZE): estimated total cost and rows, every plan node depth-first ' +
      '(node type, table, index, costs, estimated rows) and the plan document. The statement is checked like postgres.query.sql. To measure a real run use postgres.query.explain-analyze, which executes the query and so needs an approval.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['sql'],
      properties: {
        sql: { type: 'string', minLength: 1, maxLength: 100_000, description: 'One read-only query.' },
        params: paramsIn,
        verbose: { type: 'boolean', default: false, description: 'EXPLAIN VERBOSE: output columns and schema-qualified names in the plan document.' },
      },
    },
    outputSchema: objectOut(explainSchema),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'Plan of a join', input: { sql: 'SELECT c.country, sum(o.total) FROM shop.orders o JOIN shop.customers c ON c.id = o.customer_id GROUP BY 1', params: [], verbose: false } }],
    handler: (input, ctx) => {
      const checked = checkReadOnlySql(input.sql);
      return deps.read(ctx, (s) => runExplain(s, checked.sql, input.params, input.verbose ? ['VERBOSE'] : [], 'EXPLAIN'), { discard: true });
    },
  });
