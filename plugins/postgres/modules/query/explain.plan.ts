import type { JsonSchema } from '../../../../src/plugins/plugin-api.js';
import type { ReadSession } from '../../client/pg.session.js';
import { arrayOf, int, nullable, objectOut, str } from '../../shared/schemas.js';

/** One node of a plan, flattened depth-first: what a reader scans for (seq scans, sorts, estimates vs actuals). */
export interface PlanNode {
  depth: number;
  nodeType: string;
  relation: string | null;
  index: string | null;
  startupCost: number;
  totalCost: number;
  planRows: number;
  actualRows: number | null;
  actualTotalMs: number | null;
  loops: number | null;
}

export const planNodeSchema: JsonSchema = objectOut({
  depth: int,
  nodeType: str,
  relation: nullable('string'),
  index: nullable('string'),
  startupCost: { type: 'number' },
  totalCost: { type: 'number' },
  planRows: { type: 'number' },
  actualRows: nullable('number'),
  actualTotalMs: nullable('number'),
  loops: nullable('number'),
});

export const explainSchema: Record<string, JsonSchema> = {
  totalCost: { type: 'number' },
  planRows: { type: 'number' },
  nodes: arrayOf(planNodeSchema),
  plan: { type: 'object', description: 'The plan as EXPLAIN (FORMAT JSON) returns it.' },
};

type Raw = Record<string, unknown> & { Plans?: Raw[] };

function flatten(node: Raw, depth: number, out: PlanNode[]): PlanNode[] {
  const n = (k: string) => (typeof node[k] === 'number' ? (node[k] as number) : null);
  const s = (k: string) => (typeof node[k] === 'string' ? (node[k] as string) : null);
  const relation = s('Relation Name');
  out.push({
    depth,
    nodeType: s('Node Type') ?? 'unknown',
    relation: relation ? `${s('Schema') ? `${s('Schema')}.` : ''}${relation}` : null,
    index: s('Index Name'),
    startupCost: n('Startup Cost') ?? 0,
    totalCost: n('Total Cost') ?? 0,
    planRows: n('Plan Rows') ?? 0,
    actualRows: n('Actual Rows'),
    actualTotalMs: n('Actual Total Time'),
    loops: n('Actual Loops'),
  });
  for (const child of node.Plans ?? []) flatten(child, depth + 1, out);
  return out;
}

/** EXPLAIN (FORMAT JSON) of a checked query, with the options given; its root, totals and flattened nodes. */
export async function explain(s: ReadSession, sql: string, params: unknown[], options: string[], what: string) {
  const r = await s.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (${['FORMAT JSON', ...options].join(', ')}) ${sql}`, params, what);
  const raw = r.rows[0]!['QUERY PLAN'];
  const doc = (Array.isArray(raw) ? raw[0] : typeof raw === 'string' ? (JSON.parse(raw) as unknown[])[0] : raw) as Raw & { Plan: Raw };
  return { totalCost: (doc.Plan['Total Cost'] as number) ?? 0, planRows: (doc.Plan['Plan Rows'] as number) ?? 0, nodes: flatten(doc.Plan, 0, []), plan: doc as Record<string, unknown> };
}
