import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { asArray } from '../../shared/errors.js';
import { arrayOf, objectOut } from '../../shared/schemas.js';
import type { SisenseGroup, SisenseUser } from '../../shared/sisense.models.js';

interface TenantRow {
  id: string;
  name: string;
  system: boolean;
  default: boolean;
  users: number;
  groups: number;
}

const tenantOf = (o: Record<string, unknown>) => (typeof o.tenantId === 'string' ? o.tenantId : typeof (o.tenant as { _id?: unknown })?._id === 'string' ? (o.tenant as { _id: string })._id : undefined);

/** The tenants of a multi-tenant deployment, with how many users and groups each has. */
export const tenants = (deps: SisenseDeps) =>
  defineTool<Record<string, never>, { count: number; tenants: TenantRow[] }>({
    id: 'sisense.access.tenants',
    title: 'List tenants',
    description:
      'Lists the tenants of the deployment (GET /api/v1/tenants): id, name, whether it is the system tenant (name "system", where migrations read users and groups from) and the default, ' +
      'and how many of the users and groups the token sees belong to each. A deployment without multi-tenancy has only the system tenant. Needs a system administrator token.',
    inputSchema: { type: 'object', additionalProperties: false, properties: {} },
    outputSchema: objectOut({
      count: { type: 'integer' },
      tenants: arrayOf(objectOut({ id: { type: 'string' }, name: { type: 'string' }, system: { type: 'boolean' }, default: { type: 'boolean' }, users: { type: 'integer' }, groups: { type: 'integer' } })),
    }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'Every tenant', input: {} }],
    handler: (_input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const [list, users, groups] = await Promise.all([
          client.get('/api/v1/tenants').then((r) => asArray<Record<string, unknown>>(r, 'tenants')),
          deps.listAll<SisenseUser>(client, '/api/v1/users'),
          deps.listAll<SisenseGroup>(client, '/api/v1/groups'),
        ]);
        const count = (xs: Array<Record<string, unknown>>, id: string) => xs.filter((x) => tenantOf(x) === id).length;
        const rows = list
          .map((t) => {
            const id = String(t._id ?? t.id ?? '');
            return { id, name: String(t.name ?? ''), system: t.name === 'system', default: t.default === true, users: count(users, id), groups: count(groups, id) };
          })
          .sort((a, b) => Number(b.system) - Number(a.system) || a.name.localeCompare(b.name));
        return { count: rows.length, tenants: rows };
      }),
  });
