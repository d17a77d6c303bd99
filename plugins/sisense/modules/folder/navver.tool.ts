import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { asObject } from '../../shared/errors.js';
import { arrayOf, objectOut } from '../../shared/schemas.js';

type Obj = Record<string, unknown>;

interface Entry {
  path: string;
  oid: string;
  folders: number;
  dashboards: Array<{ oid: string; title: string }>;
}

const objs = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter((x): x is Obj => !!x && typeof x === 'object') : []);
const dashboardsOf = (v: unknown) => objs(v).map((d) => ({ oid: String(d.oid ?? ''), title: String(d.title ?? '') }));

/** The navigation tree the token's user sees, flattened to one entry per folder. */
export const navver = (deps: SisenseDeps) =>
  defineTool<Record<string, never>, { folders: Entry[]; rootDashboards: Array<{ oid: string; title: string }>; dashboards: number }>({
    id: 'sisense.folder.navver',
    title: 'Show the navigation tree',
    description:
      'Reads the left-navigation tree the token\'s user sees (GET /api/v1/navver): every folder as a path with its subfolder count and its dashboards, depth first, and the dashboards at the root. ' +
      'Unlike sisense.folder.list (every folder, for administrators), this is what this user is shown. Read-only.',
    inputSchema: { type: 'object', additionalProperties: false, properties: {} },
    outputSchema: objectOut({
      folders: arrayOf(objectOut({ path: { type: 'string' }, oid: { type: 'string' }, folders: { type: 'integer' }, dashboards: arrayOf(objectOut({ oid: { type: 'string' }, title: { type: 'string' } })) })),
      rootDashboards: arrayOf(objectOut({ oid: { type: 'string' }, title: { type: 'string' } })),
      dashboards: { type: 'integer' },
    }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'The navigation tree', input: {} }],
    handler: (_input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const tree = asObject<Obj>(await client.get('/api/v1/navver'), 'the navigation tree');
        const out: Entry[] = [];
        const walk = (nodes: Obj[], prefix: string, depth: number) => {
          for (const n of nodes.sort((a, b) => String(a.name).localeCompare(String(b.name)))) {
            const path = `${prefix}${String(n.name ?? '')}`;
            const children = objs(n.folders);
            out.push({ path, oid: String(n.oid ?? ''), folders: children.length, dashboards: dashboardsOf(n.dashboards) });
            if (depth < 100) walk(children, `${path}/`, depth + 1);
          }
        };
        walk(objs(tree.folders), '', 0);
        const rootDashboards = dashboardsOf(tree.dashboards);
        return { folders: out, rootDashboards, dashboards: rootDashboards.length + out.reduce((n, f) => n + f.dashboards.length, 0) };
      }),
  });
