import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { arrayOf, objectOut } from '../../shared/schemas.js';
import { SYSTEM_GROUPS } from './groups.tool.js';

interface Row {
  id: string;
  name: string;
  system: boolean;
  count: number;
  members: string[];
}

/** Every group with the emails of its explicit members (pysisense users_per_group_all). */
export const usersPerGroup = (deps: SisenseDeps) =>
  defineTool<{ includeSystem: boolean; includeEmpty: boolean }, { count: number; groups: Row[]; usersWithoutGroup: string[] }>({
    id: 'sisense.access.users-per-group',
    title: 'List every group with its members',
    description:
      'Lists every group with the emails of its explicit members (sorted), read once from the group and user listings (GET /api/v1/groups, GET /api/v1/users), ' +
      'and the users in no group. System groups (Everyone, All users in system, Admins) have implicit members and are left out unless includeSystem; empty groups are left out unless includeEmpty.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        includeSystem: { type: 'boolean', default: false, description: 'Also list the system groups.' },
        includeEmpty: { type: 'boolean', default: true, description: 'Also list groups with no explicit member.' },
      },
    },
    outputSchema: objectOut({
      count: { type: 'integer' },
      groups: arrayOf(objectOut({ id: { type: 'string' }, name: { type: 'string' }, system: { type: 'boolean' }, count: { type: 'integer' }, members: arrayOf({ type: 'string' }) })),
      usersWithoutGroup: arrayOf({ type: 'string' }),
    }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'Every group and its members', input: { includeSystem: false, includeEmpty: true } }],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const dir = await deps.loadDirectory(client);
        const members = new Map<string, string[]>();
        const lonely: string[] = [];
        for (const u of dir.users) {
          const ids = (Array.isArray(u.groups) ? u.groups : []).map((g) => (typeof g === 'string' ? g : (g as { _id?: string })?._id)).filter((g): g is string => !!g && !SYSTEM_GROUPS.has(dir.groupById.get(g)?.name ?? ''));
          if (!ids.length) lonely.push(u.email);
          for (const g of ids) members.set(g, [...(members.get(g) ?? []), u.email]);
        }
        const rows = dir.groups
          .map((g) => ({ id: g._id, name: g.name, system: SYSTEM_GROUPS.has(g.name), members: (members.get(g._id) ?? []).sort() }))
          .filter((g) => (input.includeSystem || !g.system) && (input.includeEmpty || g.members.length))
          .map((g) => ({ ...g, count: g.members.length }))
          .sort((a, b) => a.name.localeCompare(b.name));
        return { count: rows.length, groups: rows, usersWithoutGroup: lonely.sort() };
      }),
  });
