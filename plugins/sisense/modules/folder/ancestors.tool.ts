import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { folderPath } from '../../shared/lookup.js';
import { arrayOf, folderRef, objectOut } from '../../shared/schemas.js';
import type { SisenseFolder } from '../../shared/sisense.models.js';

/** A folder's parents up to the root. */
export const ancestors = (deps: SisenseDeps) =>
  defineTool<{ folder: string }, { folder: { oid: string; name: string; path: string }; depth: number; ancestors: Array<{ oid: string; name: string; path: string }> }>({
    id: 'sisense.folder.ancestors',
    title: 'List the parents of a folder',
    description:
      'Lists the folders above a folder (path, oid or unique name), from the root down to its parent, each with its path, read from the flat folder listing (GET /api/v1/folders). ' +
      'depth is 0 for a root folder. Read-only.',
    inputSchema: { type: 'object', additionalProperties: false, required: ['folder'], properties: { folder: folderRef } },
    outputSchema: objectOut({
      folder: objectOut({ oid: { type: 'string' }, name: { type: 'string' }, path: { type: 'string' } }),
      depth: { type: 'integer' },
      ancestors: arrayOf(objectOut({ oid: { type: 'string' }, name: { type: 'string' }, path: { type: 'string' } })),
    }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'Parents of a folder', input: { folder: 'Sales/Deep Dives' } }],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const folder = await deps.resolveFolder(client, input.folder);
        const { byOid } = await deps.listFolders(client);
        const chain: SisenseFolder[] = [];
        const seen = new Set([folder.oid]);
        for (let p = folder.parentId ? byOid.get(folder.parentId) : undefined; p && !seen.has(p.oid); p = p.parentId ? byOid.get(p.parentId) : undefined) {
          seen.add(p.oid);
          chain.unshift(p);
        }
        const view = (f: SisenseFolder) => ({ oid: f.oid, name: f.name, path: folderPath(f, byOid) });
        return { folder: view(folder), depth: chain.length, ancestors: chain.map(view) };
      }),
  });
