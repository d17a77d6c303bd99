import { defineTool } from '../../../../src/plugins/plugin-api.js';
import { entryIdIn, parseId, recordsOf, type StoredEntry } from './catalog.entries.js';

interface Version {
  version: number;
  deleted: boolean;
  updatedAt: string;
  runId: string | null;
  stepKey: string | null;
  entry: StoredEntry | null;
}

export const history = () =>
  defineTool<{ id: string; limit: number }, { versions: Version[] }>({
    id: 'postgres.catalog.history',
    title: 'History of a catalog entry',
    description: 'Every version of one catalog entry, newest first: its fields then, when, and the run and step that wrote it; deleted marks a deletion (entry null), also by a merge into another entry.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['id'],
      properties: { id: entryIdIn, limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
    },
    outputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['versions'],
      properties: {
        versions: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['version', 'deleted', 'updatedAt', 'runId', 'stepKey', 'entry'],
            properties: { version: { type: 'integer' }, deleted: { type: 'boolean' }, updatedAt: { type: 'string' }, runId: { type: ['string', 'null'] }, stepKey: { type: ['string', 'null'] }, entry: { type: ['object', 'null'] } },
          },
        },
      },
    },
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'How a table\'s description changed', input: { id: 'table:shop.orders', limit: 20 } }],
    handler: async (input, ctx) => {
      const p = parseId(input.id);
      const versions = await recordsOf(ctx).history(p.kind, p.key, input.limit);
      return { versions: versions.map((v) => ({ version: v.version, deleted: v.deleted, updatedAt: v.updatedAt, runId: v.runId, stepKey: v.stepKey, entry: v.deleted ? null : (v.value as StoredEntry) })) };
    },
  });
