import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseClient } from '../../client/sisense.client.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { change, field, dryRun, label, plan } from '../../shared/plan.js';
import { dashboardRef, nullableString, objectOut, ROOT_FOLDER } from '../../shared/schemas.js';
import { access } from '../../shared/views.js';
import { folderPath } from '../../shared/lookup.js';

interface Input {
  dashboard: string;
  /** A folder, or ROOT_FOLDER. */
  folder: string;
}

async function read(deps: SisenseDeps, client: SisenseClient, input: Input) {
  const d = await deps.resolveDashboard(client, input.dashboard);
  const { byOid } = await deps.listFolders(client);
  const to = input.folder === ROOT_FOLDER ? null : await deps.resolveFolder(client, input.folder);
  const from = d.parentFolder ? byOid.get(d.parentFolder) : undefined;
  const fromName = from ? folderPath(from, byOid) : d.parentFolder ? `folder ${d.parentFolder}` : '(no folder)';
  const toName = to ? to.path : '(no folder)';
  const same = (to?.oid ?? null) === (d.parentFolder ?? null);
  return { d, to, c: same ? change('skip', label.dashboard(d), `already in ${toName}`) : change('update', label.dashboard(d), `${fromName} → ${toName}`, { fields: [field('folder', fromName, toName)] }) };
}

/** Moves a dashboard into a folder, or out of every folder. */
export const move = (deps: SisenseDeps) =>
  defineTool<Input, { dashboard: { oid: string; title: string }; folderId: string | null; folderPath: string | null; changed: boolean }>({
    id: 'sisense.dashboard.move',
    title: 'Move a dashboard to a folder',
    description:
      'Moves a dashboard (oid or title) into a folder given by path ("Sales/Deep Dives"), oid, or unique name; folder "/" moves it to the root (no folder). ' +
      'Only the owner\'s copy moves; viewers keep their own folder placement.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['dashboard', 'folder'],
      properties: { dashboard: dashboardRef, folder: { type: 'string', minLength: 1, maxLength: 500, description: 'Target folder (path, oid or unique name); "/" for the root (no folder).' } },
    },
    outputSchema: objectOut({ dashboard: objectOut({ oid: { type: 'string' }, title: { type: 'string' } }), folderId: nullableString, folderPath: nullableString, changed: { type: 'boolean' } }),
    effect: 'write',
    idempotent: true,
    examples: [
      { title: 'Into a subfolder', input: { dashboard: 'Empty Dashboard', folder: 'Sales/Deep Dives' } },
      { title: 'Out of every folder', input: { dashboard: 'Sales Deep Dive', folder: ROOT_FOLDER } },
    ],
    plan: (input, ctx) => dryRun(deps, ctx, 'move', `dashboard ${input.dashboard}`, async (client) => plan('move', [(await read(deps, client, input)).c])),
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const { d, to, c } = await read(deps, client, input);
        if (c.action === 'update') await client.patch(`/api/v1/dashboards/${d.oid}`, { parentFolder: to?.oid ?? null }, { query: access(d), idempotent: true });
        return { dashboard: { oid: d.oid, title: d.title }, folderId: to?.oid ?? null, folderPath: to?.path ?? null, changed: c.action === 'update' };
      }),
  });
