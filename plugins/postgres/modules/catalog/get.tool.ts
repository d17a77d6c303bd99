import { defineTool } from '../../../../src/plugins/plugin-api.js';
import { entryIdIn, entryOut, parseId, readEntry, recordsOf, toEntry, type EntryOut } from './catalog.entries.js';

export const get = () =>
  defineTool<{ id: string }, { entry: EntryOut | null }>({
    id: 'postgres.catalog.get',
    title: 'Read a catalog entry',
    description: 'Reads one entry of the database\'s catalog by id (<kind>:<name>, e.g. table:shop.orders): its fields, version, and the run and step that wrote it last. entry is null when there is none.',
    inputSchema: { type: 'object', additionalProperties: false, required: ['id'], properties: { id: entryIdIn } },
    outputSchema: { type: 'object', additionalProperties: false, required: ['entry'], properties: { entry: { anyOf: [entryOut, { type: 'null' }] } } },
    effect: 'read',
    idempotent: true,
    examples: [
      { title: 'A table', input: { id: 'table:shop.orders' } },
      { title: 'A glossary term', input: { id: 'glossary:net revenue' } },
    ],
    handler: async (input, ctx) => {
      const r = await readEntry(recordsOf(ctx), parseId(input.id));
      return { entry: r ? toEntry(r) : null };
    },
  });
