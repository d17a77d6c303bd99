import { defineTool, ToolError } from '../../../../src/plugins/plugin-api.js';
import { encodeKey, entryOut, KINDS, parseId, recordsOf, toEntry, type EntryOut, type Kind } from './catalog.entries.js';

interface Input {
  kinds: Kind[];
  prefix?: string;
  limit: number;
  cursor?: string;
}

/** Lists entries by kind (in KINDS order) then name; the cursor is the last id listed. */
export const list = () =>
  defineTool<Input, { entries: EntryOut[]; nextCursor: string | null }>({
    id: 'postgres.catalog.list',
    title: 'List catalog entries',
    description:
      'Lists entries of the database\'s catalog page by page, by kind (table, column, relation, glossary, insight) and then name. Filter by kinds and by the start of the name (prefix "shop.orders" lists the table\'s columns among column entries). ' +
      'Pass nextCursor back as cursor for the next page (null on the last).',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        kinds: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: [...KINDS] }, default: [...KINDS], description: 'Kinds to list (default all).' },
        prefix: { type: 'string', minLength: 1, maxLength: 200, description: 'Only names that start with this (schema, schema.table…).' },
        limit: { type: 'integer', minimum: 1, maximum: 500, default: 100, description: 'Entries per page.' },
        cursor: { type: 'string', minLength: 3, maxLength: 300, description: 'nextCursor of the previous page.' },
      },
    },
    outputSchema: { type: 'object', additionalProperties: false, required: ['entries', 'nextCursor'], properties: { entries: { type: 'array', items: entryOut }, nextCursor: { type: ['string', 'null'] } } },
    effect: 'read',
    idempotent: true,
    examples: [
      { title: 'Everything, 100 at a time', input: { kinds: [...KINDS], limit: 100 } },
      { title: 'The column entries of one table', input: { kinds: ['column'], prefix: 'shop.orders.', limit: 100 } },
    ],
    handler: async (input, ctx) => {
      const records = recordsOf(ctx);
      let after: { kind: Kind; key: string } | undefined;
      if (input.cursor) {
        try {
          const p = parseId(input.cursor);
          after = { kind: p.kind, key: p.key };
        } catch {
          throw new ToolError('CATALOG_CURSOR_INVALID', 'cursor is not one this tool returned: pass nextCursor from the previous page as it is');
        }
      }
      const kinds = KINDS.filter((k) => input.kinds.includes(k) && (!after || KINDS.indexOf(k) >= KINDS.indexOf(after.kind)));
      const found: EntryOut[] = [];
      for (const kind of kinds) {
        const want = input.limit + 1 - found.length;
        if (want <= 0) break;
        const rows = await records.list(kind, { prefix: input.prefix && encodeKey(input.prefix), limit: want, after: after?.kind === kind ? after.key : undefined });
        found.push(...rows.map(toEntry));
      }
      const page = found.slice(0, input.limit);
      return { entries: page, nextCursor: found.length > input.limit ? page[page.length - 1]!.id : null };
    },
  });
