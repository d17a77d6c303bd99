import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { Note, Notebook } from '../../notebook.js';

/** Lists notes, sorted by key, optionally those whose key starts with a prefix. */
export const listNotes = (notebook: Notebook) =>
  defineTool<{ prefix?: string }, { notes: Note[] }>({
    id: 'demo.notes.list',
    title: 'List notes',
    description: "Lists the notes in the target environment's notebook, sorted by key.",
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { prefix: { type: 'string', maxLength: 64, description: 'Only keys starting with this.' } },
    },
    outputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['notes'],
      properties: {
        notes: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['key', 'text', 'revision'],
            properties: { key: { type: 'string' }, text: { type: 'string' }, revision: { type: 'integer' } },
          },
        },
      },
    },
    effect: 'read',
    idempotent: true,
    examples: [
      { title: 'Every note', input: {} },
      { title: 'Notes about releases', input: { prefix: 'release-' } },
    ],
    handler: ({ prefix = '' }, ctx) => {
      const notes = [...notebook.notes(ctx.environments.target.name).values()].filter((n) => n.key.startsWith(prefix));
      return { notes: notes.sort((a, b) => (a.key < b.key ? -1 : 1)).map((n) => ({ ...n })) };
    },
  });
