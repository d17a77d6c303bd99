import { defineTool, ToolError } from '../../../../src/plugins/plugin-api.js';
import type { SisenseClient } from '../../client/sisense.client.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { asObject } from '../../shared/errors.js';
import { change, field, dryRun, label, plan } from '../../shared/plan.js';
import { arrayOf, objectOut, userRef } from '../../shared/schemas.js';
import type { DashboardSummary, SisenseUser } from '../../shared/sisense.models.js';
import { ownedBy } from '../../shared/views.js';

interface Input {
  user: string;
  transferTo: string;
}

interface Output {
  deleted: boolean;
  email: string;
  transferTo: string;
  transferred: Array<{ oid: string; title: string }>;
}

interface Target {
  user?: SisenseUser;
  heir: SisenseUser;
  owned: DashboardSummary[];
}

/** Reads who is deleted, who inherits, and what they own; refuses a self-delete or a transfer to the same user. */
async function read(deps: SisenseDeps, client: SisenseClient, input: Input): Promise<Target> {
  let user: SisenseUser | undefined;
  try {
    user = await deps.resolveUser(client, input.user);
  } catch (e) {
    if (!(ToolError.is(e) && e.code === 'NOT_FOUND')) throw e;
  }
  const heir = await deps.resolveUser(client, input.transferTo);
  if (!user) return { heir, owned: [] };
  if (heir._id === user._id) throw new ToolError('TRANSFER_TO_SELF', `transferTo is the user being deleted (${user.email})`);
  const me = asObject<SisenseUser>(await client.get('/api/users/loggedin'), 'the logged-in user');
  if (me._id === user._id) throw new ToolError('DELETE_SELF', `${user.email} is the token's own user and cannot be deleted with it`);
  return { user, heir, owned: await ownedBy(deps, client, user._id) };
}

/** Deletes a user after moving every dashboard they own to another user (Sisense deletes a user's dashboards with them). */
export const userDelete = (deps: SisenseDeps) =>
  defineTool<Input, Output>({
    id: 'sisense.access.user-delete',
    title: 'Delete a user (transferring their dashboards)',
    description:
      'Deletes a user. Sisense deletes every dashboard a user owns together with the user, so this tool requires transferTo (the email of the user who receives them) ' +
      'and first changes the owner of each owned dashboard to transferTo, checks that none is left, and only then deletes the user. ' +
      'The dry run lists every dashboard it would transfer. A user that does not exist is skipped (deleted: false). Needs an administrator token.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['user', 'transferTo'],
      properties: { user: userRef, transferTo: { type: 'string', minLength: 1, maxLength: 320, description: 'Email (or id) of the user who becomes the owner of the deleted user\'s dashboards.' } },
    },
    outputSchema: objectOut({ deleted: { type: 'boolean' }, email: { type: 'string' }, transferTo: { type: 'string' }, transferred: arrayOf(objectOut({ oid: { type: 'string' }, title: { type: 'string' } })) }),
    effect: 'destructive',
    idempotent: true,
    examples: [{ title: 'Delete a leaver, keeping her dashboards', input: { user: 'olga.orphan@acme.test', transferTo: 'admin@acme.test' } }],
    plan: (input, ctx) =>
      dryRun(deps, ctx, 'user-delete', `user ${input.user}`, async (client) => {
        const t = await read(deps, client, input);
        if (!t.user) return plan('user-delete', [change('skip', `user ${input.user}`, 'no such user')]);
        const moves = t.owned.map((d) => change('update', label.dashboard(d), `owner ${t.user?.email} → ${t.heir.email}`, { fields: [field('owner', t.user?.email, t.heir.email)] }));
        return plan('user-delete', [...moves, change('delete', label.user(t.user), `after transferring ${t.owned.length} dashboard(s) to ${t.heir.email}`)]);
      }),
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const t = await read(deps, client, input);
        if (!t.user) return { deleted: false, email: input.user, transferTo: t.heir.email, transferred: [] };
        const transferred: Output['transferred'] = [];
        for (const [i, d] of t.owned.entries()) {
          ctx.progress({ progress: i, total: t.owned.length + 1, message: `transferring ${label.dashboard(d)} to ${t.heir.email}` });
          await client.post(`/api/v1/dashboards/${d.oid}/change_owner`, { ownerId: t.heir._id, originalOwnerRule: 'edit' }, { query: { adminAccess: true }, idempotent: true });
          transferred.push({ oid: d.oid, title: d.title });
        }
        const left = await ownedBy(deps, client, t.user._id);
        if (left.length) throw new ToolError('TRANSFER_INCOMPLETE', `${left.length} dashboard(s) still owned by ${t.user.email}; the user was not deleted`, { left: left.map((d) => ({ oid: d.oid, title: d.title })), transferred });
        ctx.progress({ progress: t.owned.length, total: t.owned.length + 1, message: `deleting ${label.user(t.user)}` });
        await client.delete(`/api/v1/users/${t.user._id}`);
        return { deleted: true, email: t.user.email, transferTo: t.heir.email, transferred };
      }),
  });
