import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { asArray } from '../../shared/errors.js';
import { arrayOf, datamodelRef, nullableString, objectOut } from '../../shared/schemas.js';
import { cubePaths } from './datamodel.schema.js';

const PERMISSIONS: Record<string, string> = { r: 'use', w: 'edit', a: 'read' };

interface ShareRow {
  type: string;
  id: string;
  name: string | null;
  permission: string;
  access: string;
}

/** Who may use or edit a data model. */
export const shares = (deps: SisenseDeps) =>
  defineTool<{ datamodel: string }, { datamodel: { oid: string; title: string; type: string }; shares: ShareRow[] }>({
    id: 'sisense.datamodel.shares',
    title: 'Get the shares of a data model',
    description:
      'Lists who a data model (oid or title) is shared with: users (email) and groups (name) with the permission code r / w / a and its meaning ' +
      '(r = use: query it in dashboards, w = edit: change the model, a = read; api.md §1.6). Needs an administrator or data admin token.',
    inputSchema: { type: 'object', additionalProperties: false, required: ['datamodel'], properties: { datamodel: datamodelRef } },
    outputSchema: objectOut({
      datamodel: objectOut({ oid: { type: 'string' }, title: { type: 'string' }, type: { type: 'string' } }),
      shares: arrayOf(objectOut({ type: { type: 'string' }, id: { type: 'string' }, name: nullableString, permission: { type: 'string' }, access: { type: 'string' } })),
    }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'Shares of a model', input: { datamodel: 'Retail Sales' } }],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const model = await deps.resolveDatamodel(client, input.datamodel);
        const answer = await client.get<unknown>(cubePaths(model).permissions);
        const list = asArray<{ partyId?: string; party?: string; type?: string; permission?: string }>(Array.isArray(answer) ? answer : (answer as { shares?: unknown })?.shares, 'data model shares');
        const dir = await deps.loadDirectory(client);
        const rows = list.map((s) => {
          const id = String(s.partyId ?? s.party ?? '');
          const name = s.type === 'group' ? dir.groupById.get(id)?.name : dir.userById.get(id)?.email;
          const permission = String(s.permission ?? '');
          return { type: String(s.type ?? 'unknown'), id, name: name ?? null, permission, access: PERMISSIONS[permission] ?? permission };
        });
        return { datamodel: { oid: model.oid, title: model.title, type: model.type ?? 'extract' }, shares: rows };
      }),
  });
