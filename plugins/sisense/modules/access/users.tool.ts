import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { arrayOf, objectOut, userView as userSchema } from '../../shared/schemas.js';
import { userView, type UserView } from '../../shared/views.js';

interface Input {
  search?: string;
  role?: string;
  group?: string;
  active?: boolean;
}

/** Every user with role and group names, filtered locally. */
export const users = (deps: SisenseDeps) =>
  defineTool<Input, { count: number; users: UserView[] }>({
    id: 'sisense.access.users',
    title: 'List users',
    description:
      'Lists the users of the Sisense deployment with their role name (super, admin, contributor, consumer, dataDesigner, dataAdmin) and group names, sorted by email. ' +
      'Optional filters: search (part of email, user name or full name), role (name or display name), group (name), active.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        search: { type: 'string', minLength: 1, maxLength: 200, description: 'Case-insensitive part of the email, user name, first or last name.' },
        role: { type: 'string', minLength: 1, maxLength: 100, description: 'Only users with this role (name like "contributor" or display name like "Designer").' },
        group: { type: 'string', minLength: 1, maxLength: 200, description: 'Only members of this group (name, case-insensitive).' },
        active: { type: 'boolean', description: 'Only active (true) or only inactive (false) users.' },
      },
    },
    outputSchema: objectOut({ count: { type: 'integer' }, users: arrayOf(userSchema) }),
    effect: 'read',
    idempotent: true,
    examples: [
      { title: 'Every user', input: {} },
      { title: 'Designers in the Sales group', input: { role: 'contributor', group: 'Sales' } },
    ],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const dir = await deps.loadDirectory(client);
        const role = input.role ? (await deps.resolveRole(client, input.role)).name : undefined;
        const needle = input.search?.toLowerCase();
        const list = dir.users
          .map((u) => userView(u, dir.roleById, dir.groupById))
          .filter((u) => !role || u.role === role)
          .filter((u) => !input.group || u.groups.some((g) => g.toLowerCase() === input.group?.toLowerCase()))
          .filter((u) => input.active === undefined || u.active === input.active)
          .filter((u) => !needle || [u.email, u.userName, u.firstName, u.lastName, `${u.firstName ?? ''} ${u.lastName ?? ''}`].some((s) => s?.toLowerCase().includes(needle)))
          .sort((a, b) => a.email.localeCompare(b.email));
        return { count: list.length, users: list };
      }),
  });
