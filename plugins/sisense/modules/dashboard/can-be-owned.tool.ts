import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { asObject } from '../../shared/errors.js';
import { dashboardRef, nullableString, objectOut, userRef } from '../../shared/schemas.js';
import { access } from '../../shared/views.js';

/** Whether a user may own a dashboard (before a change of owner). */
export const canBeOwned = (deps: SisenseDeps) =>
  defineTool<{ dashboard: string; user: string }, { dashboard: { oid: string; title: string }; user: { id: string; email: string }; canBeOwned: boolean; reason: string | null }>({
    id: 'sisense.dashboard.can-be-owned',
    title: 'Check whether a user can own a dashboard',
    description:
      'Asks Sisense whether a user (email or id) can become the owner of a dashboard (oid or title): GET /api/v1/dashboards/{oid}/can_be_owned?email=, ' +
      'the check the Sisense merge tool makes before change_owner (viewers and inactive users cannot own). Returns canBeOwned and Sisense\'s reason. Read-only.',
    inputSchema: { type: 'object', additionalProperties: false, required: ['dashboard', 'user'], properties: { dashboard: dashboardRef, user: userRef } },
    outputSchema: objectOut({
      dashboard: objectOut({ oid: { type: 'string' }, title: { type: 'string' } }),
      user: objectOut({ id: { type: 'string' }, email: { type: 'string' } }),
      canBeOwned: { type: 'boolean' },
      reason: nullableString,
    }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'Can Dana own it?', input: { dashboard: 'Orphaned Report', user: 'dana.designer@acme.test' } }],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const [d, u] = await Promise.all([deps.resolveDashboard(client, input.dashboard), deps.resolveUser(client, input.user)]);
        const answer = asObject<{ canBeOwned?: unknown; reasonMessage?: unknown }>(await client.get(`/api/v1/dashboards/${d.oid}/can_be_owned`, { query: { email: u.email, ...access(d) } }), 'can_be_owned');
        const reason = typeof answer.reasonMessage === 'string' && answer.reasonMessage ? answer.reasonMessage : null;
        return { dashboard: { oid: d.oid, title: d.title }, user: { id: u._id, email: u.email }, canBeOwned: answer.canBeOwned === true, reason };
      }),
  });
