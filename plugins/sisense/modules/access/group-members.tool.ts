import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { arrayOf, groupRef, objectOut, userView as userSchema } from '../../shared/schemas.js';
import { userView, type UserView } from '../../shared/views.js';
import type { SisenseGroup, SisenseRole, SisenseUser } from '../../shared/sisense.models.js';
import { asArray } from '../../shared/errors.js';

interface Output {
  group: { id: string; name: string };
  count: number;
  members: UserView[];
}

/** The explicit members of one group. */
export const groupMembers = (deps: SisenseDeps) =>
  defineTool<{ group: string }, Output>({
    id: 'sisense.access.group-members',
    title: 'List the members of a group',
    description:
      'Lists the users who are explicit members of one group (by name or id; GET /api/v1/users?groupId=), with their role and group names, sorted by email. ' +
      'System groups like Everyone have implicit members and list none here. NOT_FOUND / AMBIGUOUS when the name matches no or several groups.',
    inputSchema: { type: 'object', additionalProperties: false, required: ['group'], properties: { group: groupRef } },
    outputSchema: objectOut({ group: objectOut({ id: { type: 'string' }, name: { type: 'string' } }), count: { type: 'integer' }, members: arrayOf(userSchema) }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'Members of Sales', input: { group: 'Sales' } }],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const group = await deps.resolveGroup(client, input.group);
        const [members, roles, groups] = await Promise.all([
          // The documented member listing (api.md §1.8, pysisense users_per_group); kept to users that name the group,
          // should a server ignore the filter.
          deps.listAll<SisenseUser>(client, '/api/v1/users', { groupId: group._id }).then((us) => us.filter((u) => !Array.isArray(u.groups) || u.groups.some((g) => (typeof g === 'string' ? g : (g as { _id?: unknown })?._id) === group._id))),
          client.get('/api/roles').then((r) => asArray<SisenseRole>(r, 'roles')),
          deps.listAll<SisenseGroup>(client, '/api/v1/groups'),
        ]);
        const views = members.map((u) => userView(u, new Map(roles.map((r) => [r._id, r])), new Map(groups.map((g) => [g._id, g]))));
        views.sort((a, b) => a.email.localeCompare(b.email));
        return { group: { id: group._id, name: group.name }, count: views.length, members: views };
      }),
  });
