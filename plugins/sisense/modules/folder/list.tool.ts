import { defineTool, type JsonSchema } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { folderPath } from '../../shared/lookup.js';
import { arrayOf, nullableString, objectOut } from '../../shared/schemas.js';
import { listDashboards } from '../../shared/views.js';

interface FlatFolder {
  oid: string;
  name: string;
  path: string;
  parentId: string | null;
  ownerId: string | null;
  dashboards: number;
}

interface TreeNode {
  oid: string;
  name: string;
  path: string;
  dashboards: Array<{ oid: string; title: string }>;
  folders: TreeNode[];
}

const node: JsonSchema = {
  type: 'object',
  required: ['oid', 'name', 'path', 'dashboards', 'folders'],
  properties: { oid: { type: 'string' }, name: { type: 'string' }, path: { type: 'string' }, dashboards: arrayOf(objectOut({ oid: { type: 'string' }, title: { type: 'string' } })), folders: { type: 'array', items: { $ref: '#/$defs/node' } } },
};

/** Folders as a flat list with paths, or as a tree with their dashboards. */
export const list = (deps: SisenseDeps) =>
  defineTool<{ structure?: 'flat' | 'tree' }, { structure: 'flat' | 'tree'; count: number; folders?: FlatFolder[]; tree?: TreeNode[]; rootDashboards?: Array<{ oid: string; title: string }> }>({
    id: 'sisense.folder.list',
    title: 'List folders',
    description:
      'Lists the dashboard folders. structure "flat" (default): every folder with its path ("Sales/Deep Dives"), parent, owner and number of dashboards, sorted by path. ' +
      'structure "tree": nested folders, each with the dashboards it holds (oid, title), plus rootDashboards (in no folder). An administrator\'s token sees every folder and dashboard.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { structure: { enum: ['flat', 'tree'], default: 'flat', description: 'flat: one row per folder; tree: nested, with dashboards.' } },
    },
    outputSchema: {
      $defs: { node },
      type: 'object',
      additionalProperties: false,
      required: ['structure', 'count'],
      properties: {
        structure: { enum: ['flat', 'tree'] },
        count: { type: 'integer' },
        folders: arrayOf(objectOut({ oid: { type: 'string' }, name: { type: 'string' }, path: { type: 'string' }, parentId: nullableString, ownerId: nullableString, dashboards: { type: 'integer' } })),
        tree: { type: 'array', items: { $ref: '#/$defs/node' } },
        rootDashboards: arrayOf(objectOut({ oid: { type: 'string' }, title: { type: 'string' } })),
      },
    },
    effect: 'read',
    idempotent: true,
    examples: [
      { title: 'Every folder with its path', input: {} },
      { title: 'The folder tree with dashboards', input: { structure: 'tree' } },
    ],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const { folders, byOid } = await deps.listFolders(client);
        const { dashboards } = await listDashboards(deps, client, 'all', { fields: 'oid,title,parentFolder' });
        const inFolder = new Map<string | null, Array<{ oid: string; title: string }>>();
        for (const d of dashboards) {
          const key = d.parentFolder && byOid.has(d.parentFolder) ? d.parentFolder : null;
          inFolder.set(key, [...(inFolder.get(key) ?? []), { oid: d.oid, title: d.title }]);
        }
        const sortedOf = (parent: string | null) => folders.filter((f) => (f.parentId && byOid.has(f.parentId) ? f.parentId : null) === parent).sort((a, b) => a.name.localeCompare(b.name));
        if (input.structure === 'tree') {
          const build = (parent: string | null): TreeNode[] => sortedOf(parent).map((f) => ({ oid: f.oid, name: f.name, path: folderPath(f, byOid), dashboards: inFolder.get(f.oid) ?? [], folders: build(f.oid) }));
          return { structure: 'tree', count: folders.length, tree: build(null), rootDashboards: inFolder.get(null) ?? [] };
        }
        const flat = folders
          .map((f) => ({ oid: f.oid, name: f.name, path: folderPath(f, byOid), parentId: f.parentId ?? null, ownerId: typeof f.owner === 'string' ? f.owner : null, dashboards: inFolder.get(f.oid)?.length ?? 0 }))
          .sort((a, b) => a.path.localeCompare(b.path));
        return { structure: 'flat', count: flat.length, folders: flat };
      }),
  });
