import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseClient } from '../../client/sisense.client.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { change, field, dryRun, label, plan } from '../../shared/plan.js';
import { dashboardRef, objectOut } from '../../shared/schemas.js';
import type { DashboardSummary } from '../../shared/sisense.models.js';
import { access, listDashboards } from '../../shared/views.js';

interface Input {
  dashboard: string;
  title: string;
}

async function read(deps: SisenseDeps, client: SisenseClient, input: Input) {
  const d = await deps.resolveDashboard(client, input.dashboard);
  const { dashboards } = await listDashboards(deps, client, d.adminAccess ? 'all' : 'visible', { fields: 'oid,title' });
  const clashes = dashboards.filter((x: DashboardSummary) => x.oid !== d.oid && x.title === input.title);
  const detail = `"${d.title}" → "${input.title}"${clashes.length ? ` (${clashes.length} other dashboard(s) already have this title: references by title will be ambiguous)` : ''}`;
  return { d, change: d.title === input.title ? change('skip', label.dashboard(d), 'already has this title') : change('update', label.dashboard(d), detail, { fields: [field('title', d.title, input.title)] }) };
}

/** Renames a dashboard. */
export const rename = (deps: SisenseDeps) =>
  defineTool<Input, { dashboard: { oid: string; title: string }; previousTitle: string; changed: boolean }>({
    id: 'sisense.dashboard.rename',
    title: 'Rename a dashboard',
    description:
      'Changes the title of a dashboard (oid or current title). Sisense allows several dashboards with one title; the dry run warns when the new title is taken, ' +
      'since later references by title would be AMBIGUOUS. Viewers see the new title after the dashboard is published.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['dashboard', 'title'],
      properties: { dashboard: dashboardRef, title: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S', description: 'The new title.' } },
    },
    outputSchema: objectOut({ dashboard: objectOut({ oid: { type: 'string' }, title: { type: 'string' } }), previousTitle: { type: 'string' }, changed: { type: 'boolean' } }),
    effect: 'write',
    idempotent: true,
    examples: [{ title: 'Rename', input: { dashboard: 'Empty Dashboard', title: 'Placeholder' } }],
    plan: (input, ctx) => dryRun(deps, ctx, 'rename', `dashboard ${input.dashboard}`, async (client) => plan('rename', [(await read(deps, client, input)).change])),
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const { d, change: c } = await read(deps, client, input);
        if (c.action === 'update') await client.patch(`/api/v1/dashboards/${d.oid}`, { title: input.title }, { query: access(d), idempotent: true });
        return { dashboard: { oid: d.oid, title: input.title }, previousTitle: d.title, changed: c.action === 'update' };
      }),
  });
