import { defineTool, ToolError } from '../../../../src/plugins/plugin-api.js';
import type { SisenseClient } from '../../client/sisense.client.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { change, dryRun, label, plan } from '../../shared/plan.js';
import { dashboardRef, objectOut } from '../../shared/schemas.js';
import { readShares } from './dashboard.shares.js';

/** The dashboard and who would lose it; undefined when it does not exist. */
async function read(deps: SisenseDeps, client: SisenseClient, ref: string) {
  try {
    const d = await deps.resolveDashboard(client, ref);
    const recipients = (await readShares(client, d)).filter((s) => s.rule).length;
    return { d, recipients };
  } catch (e) {
    if (ToolError.is(e) && e.code === 'NOT_FOUND') return undefined;
    throw e;
  }
}

/** Deletes one dashboard. */
export const remove = (deps: SisenseDeps) =>
  defineTool<{ dashboard: string }, { deleted: boolean; dashboard: { oid: string; title: string } | null; recipients: number }>({
    id: 'sisense.dashboard.delete',
    title: 'Delete a dashboard',
    description:
      'Deletes one dashboard (oid or exact title) for its owner and every recipient: DELETE /api/v1/dashboards/{oid} when the token\'s user owns it, ' +
      'DELETE /api/dashboards/{oid}?adminAccess=true when an administrator deletes someone else\'s (api.md §1.5). The dry run names the owner and how many users and groups it is shared with. ' +
      'Export it first (sisense.dashboard.export) to keep a copy. A dashboard that does not exist is skipped (deleted: false).',
    inputSchema: { type: 'object', additionalProperties: false, required: ['dashboard'], properties: { dashboard: dashboardRef } },
    outputSchema: objectOut({ deleted: { type: 'boolean' }, dashboard: { type: ['object', 'null'] }, recipients: { type: 'integer' } }),
    effect: 'destructive',
    idempotent: true,
    examples: [{ title: 'Delete an empty dashboard', input: { dashboard: 'Empty Dashboard' } }],
    plan: (input, ctx) =>
      dryRun(deps, ctx, 'dashboard delete', `dashboard ${input.dashboard}`, async (client) => {
        const t = await read(deps, client, input.dashboard);
        if (!t) return plan('dashboard delete', [change('skip', `dashboard ${input.dashboard}`, 'no such dashboard')]);
        return plan('dashboard delete', [change('delete', label.dashboard(t.d), `owner ${t.d.owner ?? 'unknown'}; shared with ${t.recipients} user(s) or group(s), who lose it too`)]);
      }),
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const t = await read(deps, client, input.dashboard);
        if (!t) return { deleted: false, dashboard: null, recipients: 0 };
        if (t.d.adminAccess) await client.delete(`/api/dashboards/${t.d.oid}`, { query: { adminAccess: true }, idempotent: true });
        else await client.delete(`/api/v1/dashboards/${t.d.oid}`, { idempotent: true });
        return { deleted: true, dashboard: { oid: t.d.oid, title: t.d.title }, recipients: t.recipients };
      }),
  });
