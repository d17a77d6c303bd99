import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { change, field, dryRun, label, plan } from '../../shared/plan.js';
import { dashboardRef, objectOut } from '../../shared/schemas.js';
import { access } from '../../shared/views.js';
import { readShares } from './dashboard.shares.js';

/** Republishes a dashboard so everyone it is shared with sees the owner's current version. */
export const publish = (deps: SisenseDeps) =>
  defineTool<{ dashboard: string }, { dashboard: { oid: string; title: string }; recipients: number }>({
    id: 'sisense.dashboard.publish',
    title: 'Publish a dashboard',
    description:
      'Publishes (republishes) a dashboard so the users and groups it is shared with see the owner\'s current version instead of their older copy. ' +
      'Needed after changing widgets, filters or shares. Publishing an unchanged dashboard again changes nothing for its viewers.',
    inputSchema: { type: 'object', additionalProperties: false, required: ['dashboard'], properties: { dashboard: dashboardRef } },
    outputSchema: objectOut({ dashboard: objectOut({ oid: { type: 'string' }, title: { type: 'string' } }), recipients: { type: 'integer' } }),
    effect: 'write',
    idempotent: true,
    examples: [{ title: 'Publish after an edit', input: { dashboard: 'ECommerce Overview' } }],
    plan: (input, ctx) =>
      dryRun(deps, ctx, 'publish', `dashboard ${input.dashboard}`, async (client) => {
        const d = await deps.resolveDashboard(client, input.dashboard);
        const recipients = (await readShares(client, d)).filter((s) => s.rule).length;
        return plan('publish', [change('update', label.dashboard(d), `publish to ${recipients} share recipient(s)`, { fields: [field('published to', undefined, `${recipients} share recipient(s)`)] })]);
      }),
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const d = await deps.resolveDashboard(client, input.dashboard);
        const recipients = (await readShares(client, d)).filter((s) => s.rule).length;
        await client.post(`/api/v1/dashboards/${d.oid}/publish`, undefined, { query: { force: true, ...access(d) }, idempotent: true });
        return { dashboard: { oid: d.oid, title: d.title }, recipients };
      }),
  });
