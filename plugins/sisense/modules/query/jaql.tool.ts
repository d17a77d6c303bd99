import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { datamodelRef, objectOut } from '../../shared/schemas.js';
import { maxRowsSchema, rowsOf, rowsSchema, type Rows } from './query.rows.js';

interface Input {
  datamodel: string;
  metadata: Array<Record<string, unknown>>;
  maxRows: number;
}

/** A read-only JAQL query against one data model. */
export const jaql = (deps: SisenseDeps) =>
  defineTool<Input, Rows & { datamodel: { oid: string; title: string } }>({
    id: 'sisense.query.jaql',
    title: 'Query a data model (JAQL)',
    description:
      'Runs one JAQL query against a data model (oid or title) through POST /api/datasources/{title}/jaql and returns its headers and rows (each cell\'s value). ' +
      'metadata is the JAQL items, e.g. [{"jaql":{"dim":"[Orders.Region]"}},{"jaql":{"dim":"[Orders.Amount]","agg":"sum"}}]: items without agg group, items with one aggregate. ' +
      'JAQL only reads; the answer is capped at maxRows (the query asks for one row more to say whether it was truncated). An extract model that was never built has no data (400).',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['datamodel', 'metadata'],
      properties: {
        datamodel: datamodelRef,
        metadata: {
          type: 'array',
          minItems: 1,
          maxItems: 50,
          items: { type: 'object', required: ['jaql'], properties: { jaql: { type: 'object' } } },
          description: 'The JAQL items ({jaql: {dim, agg?, filter?, title?}} or {jaql: {formula, context}}).',
        },
        maxRows: maxRowsSchema,
      },
    },
    outputSchema: objectOut({ datamodel: objectOut({ oid: { type: 'string' }, title: { type: 'string' } }), ...rowsSchema }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'Revenue per region', input: { datamodel: 'Retail Sales', metadata: [{ jaql: { dim: '[Customers.Region]' } }, { jaql: { dim: '[Customers.CustomerId]', agg: 'count', title: 'Customers' } }], maxRows: 100 } }],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const model = await deps.resolveDatamodel(client, input.datamodel);
        const body = { datasource: { title: model.title, ...(model.type === 'live' && { live: true }) }, metadata: input.metadata, count: input.maxRows + 1, offset: 0 };
        const answer = await client.post<unknown>(`/api/datasources/${encodeURIComponent(model.title)}/jaql`, body, { idempotent: true });
        return { datamodel: { oid: model.oid, title: model.title }, ...rowsOf(answer, input.maxRows, 'a JAQL query') };
      }),
  });
