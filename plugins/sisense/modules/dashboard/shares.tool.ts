import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { arrayOf, dashboardRef, objectOut } from '../../shared/schemas.js';
import { readShares, shareSchema, shareViews, type ShareView } from './dashboard.shares.js';

/** Who a dashboard is shared with. */
export const shares = (deps: SisenseDeps) =>
  defineTool<{ dashboard: string }, { dashboard: { oid: string; title: string }; shares: ShareView[] }>({
    id: 'sisense.dashboard.shares',
    title: 'Get the shares of a dashboard',
    description:
      'Lists who a dashboard (oid or title) is shared with: each user (by email) or group (by name) with its rule - view, edit, or owner for the owner\'s own entry - and whether they get email subscriptions.',
    inputSchema: { type: 'object', additionalProperties: false, required: ['dashboard'], properties: { dashboard: dashboardRef } },
    outputSchema: objectOut({ dashboard: objectOut({ oid: { type: 'string' }, title: { type: 'string' } }), shares: arrayOf(shareSchema) }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'Shares of a dashboard', input: { dashboard: 'Sales Deep Dive' } }],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const d = await deps.resolveDashboard(client, input.dashboard);
        return { dashboard: { oid: d.oid, title: d.title }, shares: await shareViews(deps, client, await readShares(client, d)) };
      }),
  });
