import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { arrayOf, dashboardView as dashboardSchema, objectOut } from '../../shared/schemas.js';
import { dashboardView, foldersByOid, listDashboards, userEmails, type DashboardView } from '../../shared/views.js';

interface Input {
  scope?: 'all' | 'visible';
  search?: string;
  owner?: string;
  folder?: string;
  datasource?: string;
}

const FIELDS = 'oid,title,owner,userId,parentFolder,datasource,lastUpdated';

/** Dashboards with owner email, folder path and data source, filtered locally. */
export const list = (deps: SisenseDeps) =>
  defineTool<Input, { scope: 'all' | 'visible'; count: number; dashboards: DashboardView[] }>({
    id: 'sisense.dashboard.list',
    title: 'List dashboards',
    description:
      'Lists dashboards with owner email, folder path, data source (data model title) and last update, sorted by title. ' +
      'scope "all" (default) lists every dashboard of the deployment through the admin API; with a token that is not an administrator\'s it falls back to "visible" ' +
      '(owned by or shared with the token\'s user) and says so in scope. Filters: search (part of the title), owner (email), folder (path or name, subfolders excluded), datasource (data model title).',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        scope: { enum: ['all', 'visible'], default: 'all', description: 'all: every dashboard (administrators); visible: those the token\'s user can open.' },
        search: { type: 'string', minLength: 1, maxLength: 200, description: 'Case-insensitive part of the title.' },
        owner: { type: 'string', minLength: 1, maxLength: 320, description: 'Owner email (case-insensitive).' },
        folder: { type: 'string', minLength: 1, maxLength: 500, description: 'Folder path like "Sales/Deep Dives" or folder name; "/" for dashboards in no folder.' },
        datasource: { type: 'string', minLength: 1, maxLength: 200, description: 'Data model title the dashboard uses (case-insensitive).' },
      },
    },
    outputSchema: objectOut({ scope: { enum: ['all', 'visible'] }, count: { type: 'integer' }, dashboards: arrayOf(dashboardSchema) }),
    effect: 'read',
    idempotent: true,
    examples: [
      { title: 'Every dashboard', input: {} },
      { title: 'Dashboards on Sample ECommerce', input: { datasource: 'Sample ECommerce' } },
      { title: 'My dashboards in Sales', input: { scope: 'visible', folder: 'Sales' } },
    ],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const { scope, dashboards } = await listDashboards(deps, client, input.scope ?? 'all', { fields: FIELDS });
        const [emails, folders] = await Promise.all([userEmails(deps, client), foldersByOid(deps, client)]);
        const eq = (a: string | null, b: string) => a?.toLowerCase() === b.toLowerCase();
        const wantFolder = input.folder?.replace(/^\/+|\/+$/g, '');
        const views = dashboards
          .map((d) => dashboardView(d, emails, folders))
          .filter((d) => !input.search || d.title.toLowerCase().includes(input.search.toLowerCase()))
          .filter((d) => !input.owner || eq(d.ownerEmail, input.owner))
          .filter((d) => !input.datasource || eq(d.datasource, input.datasource))
          .filter((d) => wantFolder === undefined || (wantFolder === '' ? !d.folderId : eq(d.folderPath, wantFolder) || eq(d.folderPath?.split('/').pop() ?? null, wantFolder) || d.folderId === wantFolder))
          .sort((a, b) => a.title.localeCompare(b.title) || a.oid.localeCompare(b.oid));
        return { scope, count: views.length, dashboards: views };
      }),
  });
