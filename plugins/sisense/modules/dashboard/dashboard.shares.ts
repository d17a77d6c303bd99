import type { SisenseClient } from '../../client/sisense.client.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { asArray, asObject } from '../../shared/errors.js';
import type { SisenseShare } from '../../shared/sisense.models.js';
import { access } from '../../shared/views.js';

/** A share as the tools show it: the party by name (group) or email (user); the owner's entry has rule "owner". */
export interface ShareView {
  type: 'user' | 'group';
  id: string;
  name: string | null;
  rule: 'owner' | 'view' | 'edit';
  subscribe: boolean;
}

export const shareSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'id', 'name', 'rule', 'subscribe'],
  properties: { type: { enum: ['user', 'group'] }, id: { type: 'string' }, name: { type: ['string', 'null'] }, rule: { enum: ['owner', 'view', 'edit'] }, subscribe: { type: 'boolean' } },
};

/** The whole share list of a dashboard (`GET /api/shares/dashboard/{oid}`), as the API holds it. */
export async function readShares(client: SisenseClient, d: { oid: string; adminAccess?: boolean }): Promise<Array<SisenseShare & Record<string, unknown>>> {
  const answer = asObject<{ sharesTo?: unknown }>(await client.get(`/api/shares/dashboard/${d.oid}`, { query: access(d) }), 'dashboard shares');
  return asArray<SisenseShare & Record<string, unknown>>(answer.sharesTo, 'sharesTo').filter((s) => typeof s?.shareId === 'string');
}

/** Names the parties, from the answer when it carries them, else from the users and groups listings. */
export async function shareViews(deps: SisenseDeps, client: SisenseClient, shares: Array<SisenseShare & Record<string, unknown>>): Promise<ShareView[]> {
  const named = (s: Record<string, unknown>) => (s.type === 'group' ? s.name : s.email);
  const dir = shares.every((s) => typeof named(s) === 'string') ? undefined : await deps.loadDirectory(client);
  return shares.map((s) => {
    const fromDir = s.type === 'group' ? dir?.groupById.get(s.shareId)?.name : dir?.userById.get(s.shareId)?.email;
    const name = named(s);
    return { type: s.type, id: s.shareId, name: typeof name === 'string' ? name : (fromDir ?? null), rule: s.rule ?? 'owner', subscribe: s.subscribe === true };
  });
}

/** The entry a share POST carries: only the fields Sisense reads. */
export function postable(s: SisenseShare): SisenseShare {
  return { shareId: s.shareId, type: s.type, ...(s.rule && { rule: s.rule }), ...(s.subscribe !== undefined && { subscribe: s.subscribe }) };
}

/**
 * Reads the list back after a write: Sisense answers 200 and silently drops shares it will not keep (inactive users,
 * api.md §1.6), so the entries sent but not kept are returned (`type id`).
 */
export async function droppedAfterWrite(client: SisenseClient, d: { oid: string; adminAccess?: boolean }, sent: SisenseShare[]): Promise<string[]> {
  const kept = new Set((await readShares(client, d)).map((s) => s.shareId));
  return sent.filter((s) => !kept.has(s.shareId)).map((s) => `${s.type} ${s.shareId}`);
}
