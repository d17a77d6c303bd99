import { defineTool, ToolError } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { exportDashboards as exportDocs, readerOf } from '../../shared/dashboard.export.js';
import { arrayOf, objectOut } from '../../shared/schemas.js';

/** Dashboards as Sisense exports them (with widgets): what an import or a backup takes. */
export const exportDashboards = (deps: SisenseDeps) =>
  defineTool<{ dashboards: string[] }, { count: number; bytes: number; dashboards: unknown[] }>({
    id: 'sisense.dashboard.export',
    title: 'Export dashboards',
    description:
      'Exports dashboards (oids or titles) in Sisense\'s export format - the dashboard with its widgets, filters and layout, without its id in the deployment, shares or folder - ' +
      'as used by a dashboard import or a backup. Fails with EXPORT_TOO_LARGE past the plugin\'s maxExportBytes setting; export fewer dashboards at a time then.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['dashboards'],
      properties: { dashboards: { type: 'array', minItems: 1, maxItems: 100, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 500 }, description: 'Dashboard oids or titles.' } },
    },
    outputSchema: objectOut({ count: { type: 'integer' }, bytes: { type: 'integer' }, dashboards: arrayOf({ type: 'object', required: ['oid', 'title'] }) }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'Export two dashboards', input: { dashboards: ['ECommerce Overview', 'Sales Deep Dive'] } }],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const found = [];
        for (const ref of input.dashboards) found.push(await deps.resolveDashboard(client, ref));
        const ids = [...new Set(found.map((d) => d.oid))];
        const { docs, failed } = await exportDocs(readerOf(client), ids, { adminAccess: found.every((d) => d.adminAccess) });
        if (failed.size) throw new ToolError('EXPORT_FAILED', `${failed.size} of ${ids.length} dashboard(s) could not be exported: ${[...failed].map(([oid, why]) => `${oid}: ${why}`).join('; ')}`, { failed: Object.fromEntries(failed) });
        const list = ids.map((oid) => docs.get(oid)!);
        const bytes = Buffer.byteLength(JSON.stringify(list));
        if (bytes > deps.settings.maxExportBytes) throw new ToolError('EXPORT_TOO_LARGE', `the export of ${ids.length} dashboard(s) is ${bytes} bytes; the limit (maxExportBytes) is ${deps.settings.maxExportBytes}`, { bytes, limit: deps.settings.maxExportBytes, dashboards: ids.length });
        return { count: list.length, bytes, dashboards: list };
      }),
  });
