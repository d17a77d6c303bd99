import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { asArray, asObject, whereOf } from '../../shared/errors.js';
import { objectOut, userView as userSchema } from '../../shared/schemas.js';
import type { SisenseGroup, SisenseRole, SisenseUser } from '../../shared/sisense.models.js';
import { userView, type UserView } from '../../shared/views.js';

/** The user the environment's API token belongs to: the first call to check a token and its rights. */
export const whoami = (deps: SisenseDeps) =>
  defineTool<Record<string, never>, { environment: string; url: string; user: UserView; admin: boolean }>({
    id: 'sisense.access.whoami',
    title: "Show the token's user",
    description:
      "Shows the user the environment's API token belongs to (email, role, groups) and whether that role is an administrator's (super or admin). " +
      'A cheap way to check that the URL and token work: SISENSE_UNAUTHORIZED means the token is wrong or expired, SISENSE_UNREACHABLE or SISENSE_TLS point at the URL or certificates.',
    inputSchema: { type: 'object', additionalProperties: false, properties: {} },
    outputSchema: objectOut({ environment: { type: 'string' }, url: { type: 'string' }, user: userSchema, admin: { type: 'boolean' } }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'Check the token', input: {} }],
    handler: (_input, ctx) =>
      deps.withClient(ctx, async (client, env) => {
        const me = asObject<SisenseUser>(await client.get('/api/users/loggedin'), 'the logged-in user');
        const [roles, groups] = await Promise.all([client.get('/api/roles').then((r) => asArray<SisenseRole>(r, 'roles')), deps.listAll<SisenseGroup>(client, '/api/v1/groups')]);
        const view = userView(me, new Map(roles.map((r) => [r._id, r])), new Map(groups.map((g) => [g._id, g])));
        return { environment: env.name, url: whereOf(env), user: view, admin: view.role === 'super' || view.role === 'admin' };
      }),
  });
