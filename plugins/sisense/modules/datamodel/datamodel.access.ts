import { ToolError } from '../../../../src/plugins/plugin-api.js';
import type { SisenseClient } from '../../client/sisense.client.js';
import { asArray, asObject, isStatus } from '../../shared/errors.js';
import type { DatamodelSummary } from '../../shared/sisense.models.js';
import { cubePaths } from './datamodel.schema.js';

/** Data model share entries are keyed `partyId` (api.md §1.6: a `party` key is silently discarded). */
export interface ModelShare {
  partyId: string;
  type: 'user' | 'group';
  /** r = use (query in dashboards), w = edit, a = read. */
  permission: 'r' | 'w' | 'a';
}

/** Data security rule shares are keyed `party` (api.md §1.12), or `{type: "default"}` for everyone else. */
export interface RuleShare {
  party?: string;
  type: 'user' | 'group' | 'default';
}

export const PERMISSION_CODES = { use: 'r', edit: 'w', read: 'a' } as const;
export const PERMISSION_NAMES: Record<string, string> = { r: 'use', w: 'edit', a: 'read' };

/** A live model has shares and data security only once published: its elasticube paths answer 404 until then. */
export function notPublished(model: DatamodelSummary): ToolError {
  return new ToolError('MODEL_NOT_PUBLISHED', `live data model "${model.title}" has not been published: publish it first (sisense.datamodel.build with buildType publish), then write its shares or data security`, { datamodel: model.title });
}

async function onModel<T>(model: DatamodelSummary, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (model.type === 'live' && isStatus(e, 404)) throw notPublished(model);
    throw e;
  }
}

/** The shares of a model: extract `{shares: [...]}`, live a bare array. */
export async function readModelShares(client: SisenseClient, model: DatamodelSummary): Promise<ModelShare[]> {
  return onModel(model, async () => {
    const answer = await client.get<unknown>(cubePaths(model).permissions);
    const list = Array.isArray(answer) ? answer : asObject<{ shares?: unknown }>(answer, 'data model shares').shares;
    return asArray<Record<string, unknown>>(list ?? [], 'data model shares')
      .filter((s) => typeof (s.partyId ?? s.party) === 'string')
      .map((s) => ({ partyId: String(s.partyId ?? s.party), type: s.type === 'group' ? 'group' : 'user', permission: (['r', 'w', 'a'].includes(String(s.permission)) ? s.permission : 'r') as ModelShare['permission'] }));
  });
}

/** Replaces the shares of a model: extract `PUT`, live `PATCH` (published models only). */
export async function writeModelShares(client: SisenseClient, model: DatamodelSummary, shares: ModelShare[]): Promise<void> {
  const body = shares.map((s) => ({ partyId: s.partyId, type: s.type, permission: s.permission }));
  await onModel(model, () => (model.type === 'live' ? client.patch(cubePaths(model).permissions, body, { idempotent: true }) : client.put(cubePaths(model).permissions, body)));
}

export async function readRules(client: SisenseClient, model: DatamodelSummary): Promise<Array<Record<string, unknown>>> {
  return onModel(model, async () => asArray<Record<string, unknown>>(await client.get(cubePaths(model).dataSecurity), 'data security rules'));
}
