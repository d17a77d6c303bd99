import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { isStatus } from '../../shared/errors.js';
import { objectOut, userRef, userView as userSchema } from '../../shared/schemas.js';
import { ownedBy, userView, type UserView } from '../../shared/views.js';

interface Output {
  user: UserView;
  /** Null when the token may not list every dashboard (not an administrator). */
  ownedDashboards: Array<{ oid: string; title: string }> | null;
}

/** One user by email (or id), with the dashboards they own. */
export const user = (deps: SisenseDeps) =>
  defineTool<{ user: string }, Output>({
    id: 'sisense.access.user',
    title: 'Get a user',
    description:
      'Gets one user by email (or id or user name): role and group names, active flag, last login, and the dashboards the user owns ' +
      '(those would be deleted with the user; null when the token is not an administrator\'s). Fails with NOT_FOUND when no user matches.',
    inputSchema: { type: 'object', additionalProperties: false, required: ['user'], properties: { user: userRef } },
    outputSchema: objectOut({
      user: userSchema,
      ownedDashboards: { type: ['array', 'null'], items: objectOut({ oid: { type: 'string' }, title: { type: 'string' } }) },
    }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'A user by email', input: { user: 'dana.designer@acme.test' } }],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const found = await deps.resolveUser(client, input.user);
        const dir = await deps.loadDirectory(client);
        let owned: Output['ownedDashboards'] = null;
        try {
          owned = (await ownedBy(deps, client, found._id)).map((d) => ({ oid: d.oid, title: d.title }));
        } catch (e) {
          if (!isStatus(e, 403)) throw e;
        }
        return { user: userView(found, dir.roleById, dir.groupById), ownedDashboards: owned };
      }),
  });
