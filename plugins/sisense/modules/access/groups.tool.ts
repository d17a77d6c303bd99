import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { arrayOf, objectOut } from '../../shared/schemas.js';

/** Built-in groups: every deployment has them, migrations leave them out. */
export const SYSTEM_GROUPS = new Set(['Everyone', 'All users in system', 'Admins']);

interface GroupRow {
  id: string;
  name: string;
  system: boolean;
  members: number;
}

/** Groups with their member counts (from the users' group lists). */
export const groups = (deps: SisenseDeps) =>
  defineTool<{ search?: string }, { count: number; groups: GroupRow[] }>({
    id: 'sisense.access.groups',
    title: 'List groups',
    description:
      'Lists the groups of the deployment, sorted by name, each with its id, its number of explicit members and whether it is a built-in system group ' +
      '(Everyone, All users in system, Admins - implicit membership, never migrated). Optional search on the name.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { search: { type: 'string', minLength: 1, maxLength: 200, description: 'Case-insensitive part of the group name.' } },
    },
    outputSchema: objectOut({
      count: { type: 'integer' },
      groups: arrayOf(objectOut({ id: { type: 'string' }, name: { type: 'string' }, system: { type: 'boolean' }, members: { type: 'integer' } })),
    }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'Every group', input: {} }],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const dir = await deps.loadDirectory(client);
        const counts = new Map<string, number>();
        for (const u of dir.users) for (const g of Array.isArray(u.groups) ? u.groups : []) {
          const id = typeof g === 'string' ? g : (g as { _id?: string })?._id;
          if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
        }
        const needle = input.search?.toLowerCase();
        const rows = dir.groups
          .filter((g) => !needle || g.name.toLowerCase().includes(needle))
          .map((g) => ({ id: g._id, name: g.name, system: SYSTEM_GROUPS.has(g.name), members: counts.get(g._id) ?? 0 }))
          .sort((a, b) => a.name.localeCompare(b.name));
        return { count: rows.length, groups: rows };
      }),
  });
