import { defineTool } from '../../../../src/plugins/plugin-api.js';
import { entryOut, KINDS, recordsOf, toEntry, type EntryOut, type Kind } from './catalog.entries.js';

interface Input {
  text: string;
  kinds: Kind[];
  limit: number;
}

export const search = () =>
  defineTool<Input, { entries: EntryOut[]; truncated: boolean }>({
    id: 'postgres.catalog.search',
    title: 'Search the catalog',
    description:
      'Finds entries of the database\'s catalog whose id, description, tags or any other field contains the text (case-insensitive), by kind and then name. truncated says there were more than limit.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['text'],
      properties: {
        text: { type: 'string', minLength: 1, maxLength: 200, description: 'Text to look for (taken literally).' },
        kinds: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: [...KINDS] }, default: [...KINDS], description: 'Kinds to search (default all).' },
        limit: { type: 'integer', minimum: 1, maximum: 200, default: 20 },
      },
    },
    outputSchema: { type: 'object', additionalProperties: false, required: ['entries', 'truncated'], properties: { entries: { type: 'array', items: entryOut }, truncated: { type: 'boolean' } } },
    effect: 'read',
    idempotent: true,
    examples: [
      { title: 'Everything about customers', input: { text: 'customer', kinds: [...KINDS], limit: 20 } },
      { title: 'Columns tagged pii', input: { text: '"pii"', kinds: ['column'], limit: 50 } },
    ],
    handler: async (input, ctx) => {
      const records = recordsOf(ctx);
      const found: EntryOut[] = [];
      for (const kind of KINDS.filter((k) => input.kinds.includes(k))) {
        if (found.length > input.limit) break;
        found.push(...(await records.list(kind, { search: input.text, limit: input.limit + 1 - found.length })).map(toEntry));
      }
      return { entries: found.slice(0, input.limit), truncated: found.length > input.limit };
    },
  });
