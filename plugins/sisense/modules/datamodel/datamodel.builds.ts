import type { SisenseClient } from '../../client/sisense.client.js';
import { asArray, asObject } from '../../shared/errors.js';
import { nullableString, objectOut } from '../../shared/schemas.js';

export interface BuildView {
  oid: string;
  datamodelId: string;
  datamodelTitle: string | null;
  buildType: string | null;
  status: string;
  created: string | null;
  completed: string | null;
}

export const FINISHED = new Set(['done', 'failed', 'cancelled', 'succeeded', 'success', 'error', 'canceled']);
export const SUCCEEDED = new Set(['done', 'succeeded', 'success']);

export const buildSchema = objectOut({ oid: { type: 'string' }, datamodelId: { type: 'string' }, datamodelTitle: nullableString, buildType: nullableString, status: { type: 'string' }, created: nullableString, completed: nullableString });

export function buildView(raw: unknown): BuildView {
  const b = asObject(raw, 'a build');
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    oid: String(b.oid ?? b.id ?? ''),
    datamodelId: String(b.datamodelId ?? ''),
    datamodelTitle: str(b.datamodelTitle),
    buildType: str(b.buildType),
    status: String(b.status ?? 'unknown').toLowerCase(),
    created: str(b.created),
    completed: str(b.completed),
  };
}

/** Builds of one model, newest first (`GET /api/v2/builds?datamodelId=`: a listing that changes nothing). */
export async function buildsOf(client: SisenseClient, datamodelId: string): Promise<BuildView[]> {
  const list = asArray(await client.get('/api/v2/builds', { query: { datamodelId } }), 'builds').map(buildView);
  return list.sort((a, b) => (b.created ?? '').localeCompare(a.created ?? ''));
}
