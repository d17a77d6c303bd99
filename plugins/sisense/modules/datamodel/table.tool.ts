import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { asObject } from '../../shared/errors.js';
import { pickOne } from '../../shared/lookup.js';
import { arrayOf, datamodelRef, nullableString, objectOut } from '../../shared/schemas.js';
import { columnType, readSchema } from './datamodel.schema.js';

type Obj = Record<string, unknown>;
const objs = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter((x): x is Obj => !!x && typeof x === 'object') : []);
const s = (v: unknown): string | null => (typeof v === 'string' ? v : null);

interface Output {
  datamodel: { oid: string; title: string };
  table: { oid: string; name: string; dataset: string; type: string; hidden: boolean; importQuery: string | null; expression: string | null; relatedTables: string[] };
  columns: Array<{ oid: string; name: string; type: string; hidden: boolean; size: number | null }>;
}

/** The schema of one table of a data model (`GET /api/v2/datamodels/{oid}/schema/datasets/{ds}/tables/{tbl}`). */
export const table = (deps: SisenseDeps) =>
  defineTool<{ datamodel: string; table: string }, Output>({
    id: 'sisense.datamodel.table',
    title: 'Get the schema of a table',
    description:
      'Returns one table of a data model (table name, case-insensitive when no exact match): its dataset, type (base or custom), hidden, its custom import query or custom-table SQL, ' +
      'the tables it is related to, and its columns (name, type, hidden, size), read from GET /api/v2/datamodels/{oid}/schema/datasets/{dataset}/tables/{table}. NOT_FOUND / AMBIGUOUS otherwise.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['datamodel', 'table'],
      properties: { datamodel: datamodelRef, table: { type: 'string', minLength: 1, maxLength: 200, description: 'The table name (or its oid).' } },
    },
    outputSchema: objectOut({
      datamodel: objectOut({ oid: { type: 'string' }, title: { type: 'string' } }),
      table: objectOut({ oid: { type: 'string' }, name: { type: 'string' }, dataset: { type: 'string' }, type: { type: 'string' }, hidden: { type: 'boolean' }, importQuery: nullableString, expression: nullableString, relatedTables: arrayOf({ type: 'string' }) }),
      columns: arrayOf(objectOut({ oid: { type: 'string' }, name: { type: 'string' }, type: { type: 'string' }, hidden: { type: 'boolean' }, size: { type: ['integer', 'null'] } })),
    }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'Columns of a table', input: { datamodel: 'Retail Sales', table: 'Orders' } }],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const model = await deps.resolveDatamodel(client, input.datamodel);
        const schema = await readSchema(client, model.oid);
        const all = objs(schema.datasets).flatMap((ds) => objs((ds.schema as Obj | undefined)?.tables).map((t) => ({ ds, t })));
        const hit = all.find((x) => x.t.oid === input.table) ?? pickOne('table', input.table, all, (x) => s(x.t.name) ?? undefined, (x) => ({ id: String(x.t.oid), name: String(x.t.name) }));
        const t = asObject<Obj>(await client.get(`/api/v2/datamodels/${model.oid}/schema/datasets/${String(hit.ds.oid)}/tables/${String(hit.t.oid)}`), 'a table');
        const names = new Map(all.map((x) => [x.t.oid, String(x.t.name)]));
        const related = new Set<string>();
        for (const r of objs(schema.relations)) {
          const tables = objs(r.columns).map((c) => c.table);
          if (tables.includes(t.oid)) for (const o of tables) if (o !== t.oid && names.has(o)) related.add(names.get(o)!);
        }
        const dataset = s((hit.ds.connection as Obj | undefined)?.name) ?? s(hit.ds.name) ?? String(hit.ds.oid);
        return {
          datamodel: { oid: model.oid, title: model.title },
          table: {
            oid: String(t.oid),
            name: String(t.name),
            dataset,
            type: s(t.type) ?? 'base',
            hidden: t.hidden === true,
            importQuery: s((t.configOptions as Obj | undefined)?.importQuery),
            expression: s((t.expression as Obj | undefined)?.expression),
            relatedTables: [...related].sort(),
          },
          columns: objs(t.columns).map((c) => ({ oid: String(c.oid), name: String(c.name), type: columnType(c.type), hidden: c.hidden === true, size: typeof c.size === 'number' ? c.size : null })),
        };
      }),
  });
