import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseClient } from '../../client/sisense.client.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { asObject } from '../../shared/errors.js';
import { change, dryRun, plan } from '../../shared/plan.js';
import { folderRef, objectOut } from '../../shared/schemas.js';
import type { SisenseFolder } from '../../shared/sisense.models.js';

interface Input {
  name: string;
  parent?: string;
}

async function read(deps: SisenseDeps, client: SisenseClient, input: Input) {
  const parent = input.parent === undefined ? undefined : await deps.resolveFolder(client, input.parent);
  const { folders } = await deps.listFolders(client);
  const path = parent ? `${parent.path}/${input.name}` : input.name;
  const existing = folders.find((f) => f.name === input.name && (f.parentId || null) === (parent?.oid ?? null));
  return { parent, path, existing, c: existing ? change('skip', `folder "${path}"`, `exists (${existing.oid})`) : change('create', `folder "${path}"`) };
}

/** Creates a folder unless one with that name already sits there. */
export const create = (deps: SisenseDeps) =>
  defineTool<Input, { created: boolean; folder: { oid: string; name: string; path: string } }>({
    id: 'sisense.folder.create',
    title: 'Create a folder',
    description:
      'Creates a dashboard folder named name at the root, or inside parent (path like "Sales", oid, or unique name). ' +
      'If a folder with that name already exists in the same place nothing is created and that folder is returned (created: false), so repeating the call is safe.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: { name: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[^/]*[^/\\s][^/]*$', description: 'The new folder\'s name (no "/").' }, parent: folderRef },
    },
    outputSchema: objectOut({ created: { type: 'boolean' }, folder: objectOut({ oid: { type: 'string' }, name: { type: 'string' }, path: { type: 'string' } }) }),
    effect: 'write',
    idempotent: true,
    examples: [
      { title: 'A top-level folder', input: { name: 'Operations' } },
      { title: 'A subfolder', input: { name: 'Quarterly', parent: 'Finance' } },
    ],
    plan: (input, ctx) => dryRun(deps, ctx, 'folder create', `folder "${input.name}"`, async (client) => plan('folder create', [(await read(deps, client, input)).c])),
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const { parent, path, existing } = await read(deps, client, input);
        if (existing) return { created: false, folder: { oid: existing.oid, name: existing.name, path } };
        const made = asObject<SisenseFolder>(await client.post('/api/v1/folders', { name: input.name, ...(parent && { parentId: parent.oid }) }), 'the created folder');
        return { created: true, folder: { oid: made.oid, name: made.name, path } };
      }),
  });
