import { defineTool, ToolError, type PlannedField } from '../../../../src/plugins/plugin-api.js';
import type { SisenseClient } from '../../client/sisense.client.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { folderPath } from '../../shared/lookup.js';
import { change, field, dryRun, label, plan } from '../../shared/plan.js';
import { folderRef, objectOut, ROOT_FOLDER } from '../../shared/schemas.js';
import type { SisenseFolder } from '../../shared/sisense.models.js';

interface Input {
  folder: string;
  name?: string;
  /** A folder, or ROOT_FOLDER. */
  parent?: string;
}

/** At least one of name and parent (the schema cannot say so: hosts refuse a top-level anyOf). */
function requireChange(input: Input): void {
  if (input.name === undefined && input.parent === undefined) throw new ToolError('TOOL_INPUT_INVALID', 'give name (to rename), parent (to move; "/" for the root), or both');
}

async function read(deps: SisenseDeps, client: SisenseClient, input: Input) {
  requireChange(input);
  const folder = await deps.resolveFolder(client, input.folder);
  const { folders, byOid } = await deps.listFolders(client);
  const parent = input.parent === undefined ? undefined : input.parent === ROOT_FOLDER ? null : await deps.resolveFolder(client, input.parent);
  const body: Record<string, unknown> = {};
  const what: string[] = [];
  const fields: PlannedField[] = [];
  if (input.name !== undefined && input.name !== folder.name) {
    body.name = input.name;
    what.push(`rename "${folder.name}" → "${input.name}"`);
    fields.push(field('name', folder.name, input.name));
  }
  if (parent !== undefined && (parent?.oid ?? null) !== (folder.parentId || null)) {
    for (let p: SisenseFolder | undefined = parent ?? undefined; p; p = p.parentId ? byOid.get(p.parentId) : undefined) {
      if (p.oid === folder.oid) throw new ToolError('FOLDER_CYCLE', `cannot move ${label.folder(folder)} into itself or its own subfolder "${parent?.path}"`);
    }
    // A root folder has no parent: "" (Sisense refuses a JSON null in folder payloads, api.md §1.10).
    body.parentId = parent?.oid ?? '';
    what.push(`move to ${parent ? `"${parent.path}"` : 'the root'}`);
    const from = folder.parentId ? byOid.get(folder.parentId) : undefined;
    fields.push(field('parent', from ? (from.path ?? from.name) : folder.parentId ? `folder ${folder.parentId}` : '(root)', parent ? parent.path : '(root)'));
  }
  const newParent = 'parentId' in body ? (body.parentId as string) || null : (folder.parentId || null);
  const newName = (body.name as string | undefined) ?? folder.name;
  if (Object.keys(body).length && folders.some((f) => f.oid !== folder.oid && f.name === newName && (f.parentId || null) === newParent)) {
    throw new ToolError('FOLDER_EXISTS', `a folder "${newName}" already exists ${parent ? `in "${parent.path}"` : 'there'}`);
  }
  const c = Object.keys(body).length ? change('update', label.folder(folder), what.join('; '), { fields }) : change('skip', label.folder(folder), 'already as asked');
  return { folder, body, c, byOid };
}

/** Renames and/or moves a folder (with everything in it). */
export const update = (deps: SisenseDeps) =>
  defineTool<Input, { changed: boolean; folder: { oid: string; name: string; path: string } }>({
    id: 'sisense.folder.update',
    title: 'Rename or move a folder',
    description:
      'Renames a folder (name) and/or moves it with its subfolders and dashboards under another folder (parent: path, oid or unique name; "/" for the root). ' +
      'Refuses with FOLDER_CYCLE when moving a folder into itself or its own subfolder, and FOLDER_EXISTS when the destination already has a folder of that name.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['folder'],
      // name and/or parent, checked by the handler and plan: a top-level anyOf is refused by some hosts' tool APIs.
      properties: {
        folder: folderRef,
        name: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[^/]*[^/\\s][^/]*$', description: 'New name (no "/").' },
        parent: { type: 'string', minLength: 1, maxLength: 500, description: 'New parent folder (path, oid or unique name), or "/" for the root.' },
      },
    },
    outputSchema: objectOut({ changed: { type: 'boolean' }, folder: objectOut({ oid: { type: 'string' }, name: { type: 'string' }, path: { type: 'string' } }) }),
    effect: 'write',
    idempotent: true,
    examples: [
      { title: 'Rename', input: { folder: 'Archive', name: 'Old Reports' } },
      { title: 'Move under another folder', input: { folder: 'Sales/Deep Dives', parent: 'Finance' } },
      { title: 'Move to the root', input: { folder: 'Sales/Deep Dives', parent: ROOT_FOLDER } },
    ],
    plan: (input, ctx) => dryRun(deps, ctx, 'folder update', `folder ${input.folder}`, async (client) => plan('folder update', [(await read(deps, client, input)).c])),
    handler: (input, ctx) => {
      requireChange(input);
      return deps.withClient(ctx, async (client) => {
        const { folder, body, c } = await read(deps, client, input);
        if (c.action === 'update') await client.patch(`/api/v1/folders/${folder.oid}`, body, { idempotent: true });
        const { byOid } = await deps.listFolders(client);
        const now = byOid.get(folder.oid) ?? folder;
        return { changed: c.action === 'update', folder: { oid: now.oid, name: now.name, path: folderPath(now, byOid) } };
      });
    },
  });
