import { defineTool, type PlannedChange } from '../../../../src/plugins/plugin-api.js';
import type { SisenseClient } from '../../client/sisense.client.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { asArray, asObject } from '../../shared/errors.js';
import { change, field, dryRun, label, plan } from '../../shared/plan.js';
import { objectOut, userView as userSchema } from '../../shared/schemas.js';
import type { SisenseUser } from '../../shared/sisense.models.js';
import { userView, type UserView } from '../../shared/views.js';

interface Input {
  email: string;
  firstName?: string;
  lastName?: string;
  userName?: string;
  role?: string;
  groups?: string[];
  active?: boolean;
}

interface Diff {
  existing?: SisenseUser;
  body: Record<string, unknown>;
  change: PlannedChange;
}

const DEFAULT_ROLE = 'consumer';

/** What upserting would do: create, update the differing fields, or skip. Reads only. */
async function diff(deps: SisenseDeps, client: SisenseClient, input: Input): Promise<Diff> {
  const found = asArray<SisenseUser>(await client.get('/api/v1/users', { query: { email: input.email } }), 'users');
  const existing = found.find((u) => u.email.toLowerCase() === input.email.toLowerCase());
  const role = input.role ?? (existing ? undefined : DEFAULT_ROLE);
  const roleId = role === undefined ? undefined : (await deps.resolveRole(client, role))._id;
  const groups = input.groups === undefined ? undefined : await Promise.all(input.groups.map((g) => deps.resolveGroup(client, g)));
  const wanted: Record<string, unknown> = { firstName: input.firstName, lastName: input.lastName, userName: input.userName, active: input.active, roleId, groups: groups?.map((g) => g._id) };
  const target = label.user({ email: input.email });
  if (!existing) {
    const body = Object.fromEntries(Object.entries({ email: input.email, ...wanted, active: undefined }).filter(([, v]) => v !== undefined));
    return { body, change: change('create', target, `role ${role}${groups?.length ? `, groups ${groups.map((g) => g.name).join(', ')}` : ''}`) };
  }
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(wanted)) {
    if (value === undefined) continue;
    const now = key === 'groups' ? (existing.groups ?? []).map((g) => (typeof g === 'string' ? g : (g as { _id: string })._id)).sort() : existing[key];
    const next = key === 'groups' ? [...(value as string[])].sort() : value;
    if (JSON.stringify(now) !== JSON.stringify(next)) body[key] = value;
  }
  const fields = Object.keys(body).map((k) => (k === 'roleId' ? `role → ${role}` : k === 'groups' ? `groups → ${groups?.map((g) => g.name).join(', ') || 'none'}` : `${k} → ${String(body[k])}`));
  // Before → after in names people read: the role's name, group names where known (else their ids).
  const known = new Map((groups ?? []).map((g) => [g._id, g.name]));
  const groupName = (g: unknown) => (typeof g === 'string' ? (known.get(g) ?? g) : ((g as { name?: string; _id?: string }).name ?? (g as { _id?: string })._id));
  const roleBefore = 'roleId' in body && existing.roleId ? ((await deps.resolveRole(client, existing.roleId).catch(() => undefined))?.name ?? existing.roleId) : existing.roleId;
  const before = (k: string) => (k === 'roleId' ? roleBefore : k === 'groups' ? (existing.groups ?? []).map(groupName) : existing[k]);
  const after = (k: string) => (k === 'roleId' ? role : k === 'groups' ? (groups ?? []).map((g) => g.name) : body[k]);
  const changed = Object.keys(body).map((k) => field(k === 'roleId' ? 'role' : k, before(k), after(k)));
  return { existing, body, change: fields.length ? change('update', target, fields.join('; '), { fields: changed }) : change('skip', target, 'already as asked') };
}

/** Creates a user, or updates the fields given; roles and groups by name. */
export const userUpsert = (deps: SisenseDeps) =>
  defineTool<Input, { action: 'created' | 'updated' | 'unchanged'; user: UserView }>({
    id: 'sisense.access.user-upsert',
    title: 'Create or update a user',
    description:
      'Creates the user with this email if there is none, else updates only the fields given. role: a role name or display name (default for a new user: consumer / Viewer). ' +
      'groups: group names, the complete list of the user\'s groups (replaces the current list; [] removes every group). Unknown roles or groups fail with NOT_FOUND before anything is written. ' +
      'The dry run says create, update (which fields) or skip.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['email'],
      properties: {
        email: { type: 'string', minLength: 3, maxLength: 320, pattern: '^[^@\\s]+@[^@\\s]+$', description: 'The user\'s email: how users are matched.' },
        firstName: { type: 'string', maxLength: 200 },
        lastName: { type: 'string', maxLength: 200 },
        userName: { type: 'string', minLength: 1, maxLength: 320, description: 'Default for a new user: the email.' },
        role: { type: 'string', minLength: 1, maxLength: 100, description: 'Role name (contributor) or display name (Designer).' },
        groups: { type: 'array', maxItems: 200, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 200 }, description: 'Every group the user should be in, by name.' },
        active: { type: 'boolean', description: 'Activate or deactivate an existing user.' },
      },
    },
    outputSchema: objectOut({ action: { enum: ['created', 'updated', 'unchanged'] }, user: userSchema }),
    effect: 'write',
    idempotent: true,
    examples: [
      { title: 'Create a viewer in Sales', input: { email: 'new.viewer@acme.test', firstName: 'New', lastName: 'Viewer', role: 'consumer', groups: ['Sales'] } },
      { title: 'Promote a user to designer', input: { email: 'vic.viewer@acme.test', role: 'contributor' } },
    ],
    plan: (input, ctx) =>
      dryRun(deps, ctx, 'user-upsert', label.user(input), async (client) => {
        const d = await diff(deps, client, input);
        return plan('user-upsert', [d.change]);
      }),
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const d = await diff(deps, client, input);
        const action = d.change.action === 'create' ? 'created' : d.change.action === 'update' ? 'updated' : 'unchanged';
        let saved = d.existing;
        if (action === 'created') saved = asObject<SisenseUser>(await client.post('/api/v1/users', d.body), 'the created user');
        else if (action === 'updated' && d.existing) saved = asObject<SisenseUser>(await client.patch(`/api/v1/users/${d.existing._id}`, d.body), 'the updated user');
        const dir = await deps.loadDirectory(client);
        return { action, user: userView(saved ?? (d.existing as SisenseUser), dir.roleById, dir.groupById) };
      }),
  });
