import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { asObject } from '../../shared/errors.js';
import { notFound, ownerCopy, widgetsOf } from '../../shared/lookup.js';
import { arrayOf, dashboardRef, dashboardView as dashboardSchema, nullableString, objectOut } from '../../shared/schemas.js';
import type { DashboardSummary } from '../../shared/sisense.models.js';
import { dashboardView, foldersByOid, userEmails, type DashboardView } from '../../shared/views.js';

interface Output {
  dashboard: DashboardView & { description: string | null; created: string | null; filters: number; shares: number };
  widgets: Array<{ oid: string; title: string; type: string | null }>;
}

/** One dashboard's facts and its widget list. */
export const get = (deps: SisenseDeps) =>
  defineTool<{ dashboard: string }, Output>({
    id: 'sisense.dashboard.get',
    title: 'Get a dashboard',
    description:
      'Gets one dashboard by oid or title: owner email, folder path, data source, description, created / last updated, number of dashboard filters and shares, and its widgets (oid, title, type). ' +
      'NOT_FOUND when nothing matches; AMBIGUOUS (with the candidates\' oids, owners and folders) when several dashboards have that title - then call again with the oid.',
    inputSchema: { type: 'object', additionalProperties: false, required: ['dashboard'], properties: { dashboard: dashboardRef } },
    outputSchema: objectOut({
      dashboard: { ...dashboardSchema, properties: { ...(dashboardSchema.properties as object), description: nullableString, created: nullableString, filters: { type: 'integer' }, shares: { type: 'integer' } } },
      widgets: arrayOf(objectOut({ oid: { type: 'string' }, title: { type: 'string' }, type: nullableString })),
    }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'A dashboard by title', input: { dashboard: 'ECommerce Overview' } }],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const ref = await deps.resolveDashboard(client, input.dashboard);
        // An administrator reads anyone's dashboard through the documented admin listing and export (shared/lookup.ts).
        const found = ref.adminAccess ? await ownerCopy(client, ref.oid) : await client.get(`/api/v1/dashboards/${ref.oid}`);
        if (found === undefined) throw notFound('dashboard', ref.oid);
        const full = asObject<DashboardSummary>(found, 'a dashboard');
        const widgets = (await widgetsOf(client, ref)) as Array<{ oid: string; title?: unknown; type?: unknown }>;
        const [emails, folders] = await Promise.all([userEmails(deps, client), foldersByOid(deps, client)]);
        return {
          dashboard: {
            ...dashboardView(full, emails, folders),
            description: typeof full.desc === 'string' && full.desc ? full.desc : null,
            created: typeof full.created === 'string' ? full.created : null,
            filters: Array.isArray(full.filters) ? full.filters.length : 0,
            shares: Array.isArray(full.shares) ? full.shares.filter((s) => s.rule).length : 0,
          },
          widgets: widgets.map((w) => ({ oid: w.oid, title: typeof w.title === 'string' ? w.title : '', type: typeof w.type === 'string' ? w.type : null })),
        };
      }),
  });
