import { ToolError } from '../../../../src/plugins/plugin-api.js';
import type { SisenseClient } from '../../client/sisense.client.js';
import { exportDashboards, readerOf, type DashboardDoc } from '../../shared/dashboard.export.js';

/** One dashboard's export (its widgets inline), the form pysisense reads scripts and columns from; EXPORT_FAILED with the reason otherwise. */
export async function exportOne(client: SisenseClient, d: { oid: string; title: string; adminAccess?: boolean }): Promise<DashboardDoc> {
  const { docs, failed } = await exportDashboards(readerOf(client), [d.oid], { adminAccess: d.adminAccess ?? false });
  const doc = docs.get(d.oid);
  if (!doc) throw new ToolError('EXPORT_FAILED', `dashboard "${d.title}" (${d.oid}) could not be read: ${failed.get(d.oid) ?? 'no export'}`, { oid: d.oid });
  return doc;
}
