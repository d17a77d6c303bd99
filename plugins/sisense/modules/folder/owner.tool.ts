import { defineTool, ToolError, type PlannedChange } from '../../../../src/plugins/plugin-api.js';
import type { SisenseClient } from '../../client/sisense.client.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { folderPath } from '../../shared/lookup.js';
import { change, field, dryRun, label, plan, refuseFailures } from '../../shared/plan.js';
import { arrayOf, folderRef, objectOut, userRef } from '../../shared/schemas.js';
import type { SisenseFolder } from '../../shared/sisense.models.js';
import { userEmails } from '../../shared/views.js';

interface Input {
  folder: string;
  owner: string;
  subfolders: boolean;
}

async function read(deps: SisenseDeps, client: SisenseClient, input: Input) {
  const [folder, user, { folders, byOid }] = await Promise.all([deps.resolveFolder(client, input.folder), deps.resolveUser(client, input.owner), deps.listFolders(client)]);
  const scope: SisenseFolder[] = [folder];
  if (input.subfolders) for (let i = 0; i < scope.length; i++) scope.push(...folders.filter((f) => f.parentId === scope[i].oid));
  // The current owners by email, read only when some folder changes hands.
  const emails = scope.some((f) => f.owner && f.owner !== user._id) ? await userEmails(deps, client) : new Map<string, string>();
  const changes: PlannedChange[] = scope.map((f) => {
    const target = label.folder({ ...f, path: folderPath(f, byOid) });
    if (user.active === false) return change('fail', target, `${user.email} is inactive and cannot own folders`);
    return f.owner === user._id ? change('skip', target, `already owned by ${user.email}`) : change('update', target, `owner → ${user.email}`, { fields: [field('owner', f.owner ? (emails.get(f.owner) ?? f.owner) : undefined, user.email)] });
  });
  return { user, scope, changes, byOid };
}

/** Gives a folder (and optionally its subfolders) a new owner. */
export const owner = (deps: SisenseDeps) =>
  defineTool<Input, { owner: { id: string; email: string }; changed: number; unchanged: number; folders: Array<{ oid: string; path: string }> }>({
    id: 'sisense.folder.owner',
    title: 'Change the owner of a folder',
    description:
      'Makes a user (email or id) the owner of a folder (path, oid or unique name) - and, with subfolders, of every folder below it - through PATCH /api/v1/folders/{oid} {owner}. ' +
      'The dashboards inside keep their owners (change those with sisense.dashboard.change-owner). An inactive user is refused. Each folder is read back; one whose owner did not change fails with OWNER_NOT_CHANGED.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['folder', 'owner'],
      properties: { folder: folderRef, owner: userRef, subfolders: { type: 'boolean', default: false, description: 'Also every folder below it.' } },
    },
    outputSchema: objectOut({ owner: objectOut({ id: { type: 'string' }, email: { type: 'string' } }), changed: { type: 'integer' }, unchanged: { type: 'integer' }, folders: arrayOf(objectOut({ oid: { type: 'string' }, path: { type: 'string' } })) }),
    effect: 'write',
    idempotent: true,
    examples: [{ title: 'Hand a folder tree to Dana', input: { folder: 'Sales', owner: 'dana.designer@acme.test', subfolders: true } }],
    plan: (input, ctx) => dryRun(deps, ctx, 'folder owner', `folder ${input.folder}`, async (client) => plan('folder owner', (await read(deps, client, input)).changes)),
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const { user, scope, changes, byOid } = await read(deps, client, input);
        refuseFailures(changes, 'OWNER_REFUSED');
        const todo = scope.filter((_, i) => changes[i].action === 'update');
        for (const f of todo) await client.patch(`/api/v1/folders/${f.oid}`, { owner: user._id }, { idempotent: true });
        const after = todo.length ? (await deps.listFolders(client)).byOid : byOid;
        const stuck = todo.filter((f) => after.get(f.oid)?.owner !== user._id);
        if (stuck.length) throw new ToolError('OWNER_NOT_CHANGED', `the owner of ${stuck.map((f) => `"${folderPath(f, after)}"`).join(', ')} is not ${user.email} after the change`);
        return { owner: { id: user._id, email: user.email }, changed: todo.length, unchanged: scope.length - todo.length, folders: scope.map((f) => ({ oid: f.oid, path: folderPath(f, after) })) };
      }),
  });
