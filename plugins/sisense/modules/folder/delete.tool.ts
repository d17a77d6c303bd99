import { defineTool, ToolError } from '../../../../src/plugins/plugin-api.js';
import type { SisenseClient } from '../../client/sisense.client.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { folderPath } from '../../shared/lookup.js';
import { change, dryRun, label, plan } from '../../shared/plan.js';
import { arrayOf, folderRef, objectOut } from '../../shared/schemas.js';
import type { DashboardSummary, SisenseFolder } from '../../shared/sisense.models.js';
import { listDashboards } from '../../shared/views.js';

interface Doomed {
  folder?: SisenseFolder & { path: string };
  folders: Array<SisenseFolder & { path: string }>;
  dashboards: DashboardSummary[];
}

/** The folder, every folder below it and every dashboard in them; nothing when it does not exist. */
async function read(deps: SisenseDeps, client: SisenseClient, ref: string): Promise<Doomed> {
  let folder: (SisenseFolder & { path: string }) | undefined;
  try {
    folder = await deps.resolveFolder(client, ref);
  } catch (e) {
    if (ToolError.is(e) && e.code === 'NOT_FOUND') return { folders: [], dashboards: [] };
    throw e;
  }
  const { folders, byOid } = await deps.listFolders(client);
  const below = [folder];
  for (let i = 0; i < below.length; i++) below.push(...folders.filter((f) => f.parentId === below[i].oid).map((f) => ({ ...f, path: folderPath(f, byOid) })));
  const oids = new Set(below.map((f) => f.oid));
  const { dashboards } = await listDashboards(deps, client, 'all', { fields: 'oid,title,parentFolder,owner' });
  return { folder, folders: below, dashboards: dashboards.filter((d) => d.parentFolder && oids.has(d.parentFolder)).sort((a, b) => a.title.localeCompare(b.title)) };
}

/** Deletes a folder with its subfolders and the dashboards in them. */
export const remove = (deps: SisenseDeps) =>
  defineTool<{ folder: string }, { deleted: boolean; folders: string[]; dashboards: Array<{ oid: string; title: string }> }>({
    id: 'sisense.folder.delete',
    title: 'Delete a folder and its contents',
    description:
      'Deletes a folder (path, oid or unique name) together with every subfolder and every dashboard inside them - Sisense deletes the contents, they are not moved out. ' +
      'Run the dry run first: it lists each folder and dashboard that would be deleted. Move dashboards you want to keep first (sisense.dashboard.move). ' +
      'A folder that does not exist is skipped (deleted: false).',
    inputSchema: { type: 'object', additionalProperties: false, required: ['folder'], properties: { folder: folderRef } },
    outputSchema: objectOut({ deleted: { type: 'boolean' }, folders: arrayOf({ type: 'string' }), dashboards: arrayOf(objectOut({ oid: { type: 'string' }, title: { type: 'string' } })) }),
    effect: 'destructive',
    idempotent: true,
    examples: [{ title: 'Delete an archive folder', input: { folder: 'Archive' } }],
    plan: (input, ctx) =>
      dryRun(deps, ctx, 'folder delete', `folder ${input.folder}`, async (client) => {
        const t = await read(deps, client, input.folder);
        if (!t.folder) return plan('folder delete', [change('skip', `folder ${input.folder}`, 'no such folder')]);
        const inside = t.dashboards.map((d) => change('delete', label.dashboard(d), `in folder being deleted`));
        return plan('folder delete', [...t.folders.map((f) => change('delete', label.folder(f))), ...inside]);
      }),
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const t = await read(deps, client, input.folder);
        if (!t.folder) return { deleted: false, folders: [], dashboards: [] };
        await client.delete(`/api/v1/folders/${t.folder.oid}`);
        return { deleted: true, folders: t.folders.map((f) => f.path), dashboards: t.dashboards.map((d) => ({ oid: d.oid, title: d.title })) };
      }),
  });
