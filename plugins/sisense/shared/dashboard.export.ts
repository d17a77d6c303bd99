import { ToolError } from '../../../src/plugins/plugin-api.js';
import type { SisenseClient } from '../client/sisense.client.js';
import type { Query } from '../client/sisense.types.js';
import { asArray } from './errors.js';

/** An exported dashboard (with its widgets inline) as `GET /api/v1/dashboards/export` answers it. */
export type DashboardDoc = Record<string, unknown> & { oid: string; title: string };

/** What an export needs: a GET with a query (a migration `Side`, or `readerOf(client)`). */
export interface SisenseReader {
  get<T>(path: string, query?: Query): Promise<T>;
}

/** A SisenseClient as a reader. */
export function readerOf(client: SisenseClient): SisenseReader {
  return { get: <T>(path: string, query?: Query) => client.get<T>(path, { query }) };
}

export interface DashboardExports {
  /** The exported documents, by the oid asked for. */
  docs: Map<string, DashboardDoc>;
  /** The oids that could not be exported, each with its reason (404, 403, a dropped dashboard, …). */
  failed: Map<string, string>;
}

export interface ExportOptions {
  /** Dashboards per request (default 25: 25 oids make a query of ~650 characters). */
  batchSize?: number;
  /** Send `adminAccess=true` (default true: an admin token reading dashboards it does not own). */
  adminAccess?: boolean;
}

export const EXPORT_BATCH = 25;

/** Answers that concern one dashboard of a batch rather than the request: the batch is split to find it. */
const PER_DASHBOARD = new Set([400, 403, 404, 422]);

/**
 * Exports dashboards in the documented request form (api.md §1.3, H): `GET /api/v1/dashboards/export
 * ?dashboardIds=<oid>,<oid>…&adminAccess=true`, one comma-separated `dashboardIds` value per request (never the
 * parameter repeated), `batchSize` oids a request, batches in parallel (the reader bounds requests in flight).
 * A batch refused with 400/403/404/422 is split in halves until the dashboard at fault is alone, so one unreadable
 * dashboard costs only itself; a lone dashboard refused with 422 is asked once more without `adminAccess` (versions
 * that reject the flag). A dashboard the answer leaves out is failed with that reason. 401 (the token) throws;
 * other failures (5xx after the client's retries, no answer) fail the batch's dashboards with their reason.
 */
export async function exportDashboards(side: SisenseReader, oids: readonly string[], options: ExportOptions = {}): Promise<DashboardExports> {
  const size = Math.max(1, options.batchSize ?? EXPORT_BATCH);
  const admin = options.adminAccess ?? true;
  const docs = new Map<string, DashboardDoc>();
  const failed = new Map<string, string>();
  const wanted = [...new Set(oids)];

  const one = async (batch: string[], adminAccess: boolean): Promise<void> => {
    try {
      const query: Query = { dashboardIds: batch.join(','), ...(adminAccess && { adminAccess: true }) };
      const answer = asArray<DashboardDoc>(await side.get('/api/v1/dashboards/export', query), 'exported dashboards');
      const byOid = new Map(answer.filter((d) => typeof d?.oid === 'string').map((d) => [d.oid, d]));
      for (const oid of batch) {
        const doc = byOid.get(oid);
        if (doc) docs.set(oid, doc);
        else failed.set(oid, 'the export answer does not include it');
      }
    } catch (e) {
      const status = statusOf(e);
      if (status === 401) throw e;
      if (status !== undefined && PER_DASHBOARD.has(status)) {
        if (batch.length > 1) {
          const half = Math.ceil(batch.length / 2);
          await Promise.all([one(batch.slice(0, half), adminAccess), one(batch.slice(half), adminAccess)]);
          return;
        }
        if (status === 422 && adminAccess) return one(batch, false);
      }
      for (const oid of batch) failed.set(oid, `cannot export it: ${reasonOf(e)}`);
    }
  };

  const batches: string[][] = [];
  for (let i = 0; i < wanted.length; i += size) batches.push(wanted.slice(i, i + size));
  await Promise.all(batches.map((b) => one(b, admin)));
  return { docs, failed };
}

function statusOf(e: unknown): number | undefined {
  const status = ToolError.is(e) ? (e.detail as { status?: unknown } | undefined)?.status : (e as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && status > 0 ? status : undefined;
}

function reasonOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
