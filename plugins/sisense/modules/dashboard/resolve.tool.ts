import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { dashboardRef, nullableString, objectOut } from '../../shared/schemas.js';

interface Output {
  oid: string;
  title: string;
  ownerId: string | null;
  folderId: string | null;
  datasource: string | null;
  adminAccess: boolean;
}

/** A reference (oid or title) to exactly one dashboard, or NOT_FOUND / AMBIGUOUS with the candidates. */
export const resolve = (deps: SisenseDeps) =>
  defineTool<{ ref: string; scope?: 'all' | 'visible' }, Output>({
    id: 'sisense.dashboard.resolve',
    title: 'Resolve a dashboard reference',
    description:
      'Turns a dashboard reference (an oid, or a title - exact, else case-insensitive) into exactly one dashboard: its oid, title, owner id, folder id and data source. ' +
      'Fails with NOT_FOUND, or with AMBIGUOUS listing every candidate (oid, title, owner, folder) so the caller can pick one. ' +
      'adminAccess tells whether it was found through the admin API (every dashboard) rather than the token user\'s own view.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['ref'],
      properties: { ref: dashboardRef, scope: { enum: ['all', 'visible'], default: 'all', description: 'all: search every dashboard (administrators); visible: only those the token\'s user can open.' } },
    },
    outputSchema: objectOut({ oid: { type: 'string' }, title: { type: 'string' }, ownerId: nullableString, folderId: nullableString, datasource: nullableString, adminAccess: { type: 'boolean' } }),
    effect: 'read',
    idempotent: true,
    examples: [
      { title: 'By title', input: { ref: 'Sales Deep Dive' } },
      { title: 'Among the token user\'s own dashboards', input: { ref: 'Empty Dashboard', scope: 'visible' } },
    ],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const d = await deps.resolveDashboard(client, input.ref, { admin: input.scope !== 'visible' });
        return {
          oid: d.oid,
          title: d.title,
          ownerId: typeof d.owner === 'string' ? d.owner : null,
          folderId: typeof d.parentFolder === 'string' ? d.parentFolder : null,
          datasource: typeof d.datasource?.title === 'string' ? d.datasource.title : null,
          adminAccess: d.adminAccess,
        };
      }),
  });
