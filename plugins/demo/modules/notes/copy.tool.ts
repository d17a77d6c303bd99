import { defineTool, ToolError, type PlanAction, type ToolContext } from '../../../../src/plugins/plugin-api.js';
import type { Note, Notebook } from '../../notebook.js';

interface CopyInput {
  prefix: string;
}

/** A migration in miniature: two environment roles, a plan per note, and unchanged notes skipped (idempotent). */
export const copyNotes = (notebook: Notebook) => {
  /** What copying would do to each matching note: read only, shared by plan and handler. */
  const diff = ({ prefix }: CopyInput, ctx: ToolContext): { note: Note; action: PlanAction }[] => {
    const [from, to] = [ctx.environments.source.name, ctx.environments.target.name];
    if (from === to) throw new ToolError('SAME_ENVIRONMENT', `source and target are both ${from}`);
    return [...notebook.notes(from).values()]
      .filter((note) => note.key.startsWith(prefix))
      .sort((a, b) => (a.key < b.key ? -1 : 1))
      .map((note) => {
        const there = notebook.get(to, note.key);
        return { note, action: !there ? 'create' : there.text === note.text ? 'skip' : 'update' };
      });
  };
  return defineTool<CopyInput, { created: number; updated: number; unchanged: number }>({
    id: 'demo.notes.copy',
    title: 'Copy notes between environments',
    description: 'Copies the notes whose key starts with prefix from the source notebook to the target; unchanged notes are skipped.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { prefix: { type: 'string', maxLength: 64, default: '' } },
    },
    outputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['created', 'updated', 'unchanged'],
      properties: { created: { type: 'integer' }, updated: { type: 'integer' }, unchanged: { type: 'integer' } },
    },
    effect: 'write',
    idempotent: true,
    environments: ['source', 'target'],
    examples: [{ title: 'Copy every note', input: { prefix: '' } }],
    plan: (input, ctx) => {
      const planned = diff(input, ctx);
      const changes = planned.map(({ note, action }) => ({ action, target: `note ${note.key}`, ...(action === 'skip' && { detail: 'unchanged' }) }));
      const count = planned.filter((c) => c.action !== 'skip').length;
      return { summary: `copy ${count} of ${planned.length} notes to ${ctx.environments.target.name}`, changes };
    },
    handler: (input, ctx) => {
      const counts = { created: 0, updated: 0, unchanged: 0 };
      for (const { note, action } of diff(input, ctx)) {
        if (action === 'skip') {
          counts.unchanged++;
          continue;
        }
        if (!notebook.put(ctx.environments.target.name, note.key, note.text)) {
          throw new ToolError('NOTEBOOK_FULL', `the notebook of ${ctx.environments.target.name} is full`, counts);
        }
        counts[action === 'create' ? 'created' : 'updated']++;
      }
      return counts;
    },
  });
};
