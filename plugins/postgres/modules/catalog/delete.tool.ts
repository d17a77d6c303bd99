import { defineTool } from '../../../../src/plugins/plugin-api.js';
import { entryIdIn, parseId, readEntry, recordsOf } from './catalog.entries.js';

export const remove = () =>
  defineTool<{ id: string }, { deleted: boolean }>({
    id: 'postgres.catalog.delete',
    title: 'Delete a catalog entry',
    description: 'Deletes one entry of the database\'s catalog (its history is kept: postgres.catalog.history shows every version). deleted is false when there was none. The dry run says delete or skip.',
    inputSchema: { type: 'object', additionalProperties: false, required: ['id'], properties: { id: entryIdIn } },
    outputSchema: { type: 'object', additionalProperties: false, required: ['deleted'], properties: { deleted: { type: 'boolean' } } },
    effect: 'destructive',
    idempotent: true,
    examples: [{ title: 'Drop a wrong inferred join', input: { id: 'relation:shop.events.id->shop.orders.id' } }],
    plan: async (input, ctx) => {
      const p = parseId(input.id);
      const current = await readEntry(recordsOf(ctx), p);
      return current
        ? { summary: `catalog: delete ${p.id}`, changes: [{ action: 'delete', target: p.id, kind: `catalog ${p.kind}` }] }
        : { summary: `catalog: no ${p.id}`, changes: [{ action: 'skip', target: p.id, kind: `catalog ${p.kind}`, reason: 'no such entry' }] };
    },
    handler: async (input, ctx) => {
      const p = parseId(input.id);
      return { deleted: await recordsOf(ctx).delete(p.kind, p.key) };
    },
  });
