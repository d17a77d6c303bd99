import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { asArray } from '../../shared/errors.js';
import { arrayOf, nullableString, objectOut } from '../../shared/schemas.js';
import type { SisenseRole } from '../../shared/sisense.models.js';

interface RoleRow {
  id: string;
  name: string;
  displayName: string | null;
}

/** The roles a user can have. */
export const roles = (deps: SisenseDeps) =>
  defineTool<Record<string, never>, { roles: RoleRow[] }>({
    id: 'sisense.access.roles',
    title: 'List roles',
    description:
      'Lists the roles of the deployment: the name the API uses (super, admin, contributor, consumer, dataDesigner, dataAdmin) and the name the UI shows ' +
      '(e.g. contributor is "Designer", consumer is "Viewer"). Either name works wherever a tool takes a role.',
    inputSchema: { type: 'object', additionalProperties: false, properties: {} },
    outputSchema: objectOut({ roles: arrayOf(objectOut({ id: { type: 'string' }, name: { type: 'string' }, displayName: nullableString })) }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'Every role', input: {} }],
    handler: (_input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const list = asArray<SisenseRole>(await client.get('/api/roles'), 'roles');
        return { roles: list.map((r) => ({ id: r._id, name: r.name, displayName: typeof r.displayName === 'string' ? r.displayName : null })) };
      }),
  });
