import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { dimsIn } from '../../shared/dashboard.reading.js';
import { arrayOf, dashboardRef, nullableString, objectOut } from '../../shared/schemas.js';
import { widgetsOf } from '../../shared/lookup.js';

interface WidgetRow {
  oid: string;
  title: string;
  type: string | null;
  subtype: string | null;
  datasource: string | null;
  panels: Array<{ name: string; items: string[] }>;
}

/** The widgets of one dashboard with what each panel shows. */
export const widgets = (deps: SisenseDeps) =>
  defineTool<{ dashboard: string; raw?: boolean }, { dashboard: { oid: string; title: string }; count: number; widgets: WidgetRow[]; raw?: unknown[] }>({
    id: 'sisense.dashboard.widgets',
    title: 'List the widgets of a dashboard',
    description:
      'Lists the widgets of one dashboard (oid or title): type and subtype (e.g. chart/column, pivot2, indicator), data source, and per panel (categories, values, rows, ...) ' +
      'the items it shows as "[Table.Column]" or formulas. raw: true also returns the widgets as the API answers them (large).',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['dashboard'],
      properties: { dashboard: dashboardRef, raw: { type: 'boolean', default: false, description: 'Also return the full widget objects.' } },
    },
    outputSchema: {
      ...objectOut(
        {
          dashboard: objectOut({ oid: { type: 'string' }, title: { type: 'string' } }),
          count: { type: 'integer' },
          widgets: arrayOf(objectOut({ oid: { type: 'string' }, title: { type: 'string' }, type: nullableString, subtype: nullableString, datasource: nullableString, panels: arrayOf(objectOut({ name: { type: 'string' }, items: arrayOf({ type: 'string' }) })) })),
          raw: arrayOf({ type: 'object' }),
        },
        ['dashboard', 'count', 'widgets'],
      ),
    },
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'Widgets of a dashboard', input: { dashboard: 'ECommerce Overview' } }],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const d = await deps.resolveDashboard(client, input.dashboard);
        const list = await widgetsOf(client, d);
        const str = (v: unknown) => (typeof v === 'string' && v ? v : null);
        const rows = list.map((w) => {
          const panels = ((w.metadata as { panels?: unknown })?.panels ?? []) as Array<{ name?: unknown; items?: unknown }>;
          return {
            oid: String(w.oid),
            title: typeof w.title === 'string' ? w.title : '',
            type: str(w.type),
            subtype: str(w.subtype),
            datasource: str((w.datasource as { title?: unknown })?.title),
            panels: (Array.isArray(panels) ? panels : []).map((p) => ({
              name: typeof p.name === 'string' ? p.name : '',
              items: (Array.isArray(p.items) ? p.items : []).map((item: { jaql?: { formula?: unknown; title?: unknown } }) => (typeof item?.jaql?.formula === 'string' ? `${String(item.jaql.title ?? 'formula')} = ${item.jaql.formula}` : (dimsIn(item)[0] ?? String(item?.jaql?.title ?? '?')))),
            })),
          };
        });
        return { dashboard: { oid: d.oid, title: d.title }, count: rows.length, widgets: rows, ...(input.raw && { raw: list }) };
      }),
  });
