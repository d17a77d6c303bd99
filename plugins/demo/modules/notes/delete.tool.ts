import { defineTool } from '../../../../src/plugins/plugin-api.js';
import { NOTE_KEY, type Notebook } from '../../notebook.js';

/** Deletes a note. Destructive (the text is gone) but idempotent: deleting a missing note changes nothing. */
export const deleteNote = (notebook: Notebook) =>
  defineTool<{ key: string }, { key: string; deleted: boolean }>({
    id: 'demo.notes.delete',
    title: 'Delete a note',
    description: "Deletes the note from the target environment's notebook; a missing note is left as it is (deleted: false).",
    inputSchema: { type: 'object', additionalProperties: false, required: ['key'], properties: { key: NOTE_KEY } },
    outputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['key', 'deleted'],
      properties: { key: { type: 'string' }, deleted: { type: 'boolean' } },
    },
    effect: 'destructive',
    idempotent: true,
    examples: [{ title: 'Delete the greeting', input: { key: 'greeting' } }],
    plan: ({ key }, ctx) => {
      const env = ctx.environments.target.name;
      const note = notebook.get(env, key);
      return note
        ? { summary: `delete note ${key} in ${env}`, changes: [{ action: 'delete', target: `note ${key}`, detail: `revision ${note.revision}` }] }
        : { summary: `note ${key} does not exist in ${env}`, changes: [{ action: 'skip', target: `note ${key}`, detail: 'not found' }] };
    },
    handler: ({ key }, ctx) => ({ key, deleted: notebook.delete(ctx.environments.target.name, key) }),
  });
