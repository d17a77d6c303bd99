import { defineTool, ToolError } from '../../../../src/plugins/plugin-api.js';
import { NOTE_KEY, NOTE_TEXT, type Notebook } from '../../notebook.js';

interface WriteInput {
  key: string;
  text: string;
}

interface WriteOutput {
  key: string;
  revision: number;
  created: boolean;
}

/** Creates or replaces a note. Not idempotent: every write makes a new revision. */
export const writeNote = (notebook: Notebook) =>
  defineTool<WriteInput, WriteOutput>({
    id: 'demo.notes.write',
    title: 'Write a note',
    description: "Creates the note, or replaces its text with a new revision, in the target environment's notebook.",
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['key', 'text'],
      properties: { key: NOTE_KEY, text: NOTE_TEXT },
    },
    outputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['key', 'revision', 'created'],
      properties: { key: { type: 'string' }, revision: { type: 'integer', minimum: 1 }, created: { type: 'boolean' } },
    },
    effect: 'write',
    idempotent: false,
    examples: [{ title: 'Write a greeting', input: { key: 'greeting', text: 'hello' } }],
    plan: ({ key }, ctx) => {
      const env = ctx.environments.target.name;
      const old = notebook.get(env, key);
      const change = old
        ? { action: 'update' as const, target: `note ${key}`, detail: `revision ${old.revision} → ${old.revision + 1}` }
        : notebook.isFull(env)
          ? { action: 'fail' as const, target: `note ${key}`, detail: `the notebook holds its maximum of ${notebook.maxNotes} notes` }
          : { action: 'create' as const, target: `note ${key}` };
      return { summary: `${change.action} note ${key} in ${env}`, changes: [change] };
    },
    handler: ({ key, text }, ctx) => {
      const env = ctx.environments.target.name;
      const created = !notebook.get(env, key);
      const note = notebook.put(env, key, text);
      if (!note) throw new ToolError('NOTEBOOK_FULL', `the notebook of ${env} holds its maximum of ${notebook.maxNotes} notes`, { maxNotes: notebook.maxNotes });
      ctx.logger.info({ key, revision: note.revision }, 'note written');
      return { key, revision: note.revision, created };
    },
  });
