import type { SisenseClient } from '../client/sisense.client.js';
import type { SisenseDeps } from './deps.js';
import { label } from './plan.js';

/** A user or group a share or a data security rule is for. */
export interface Party {
  id: string;
  type: 'user' | 'group';
  name: string;
}

/**
 * Resolves the user (email) or else the group (name) a share or rule names, to its id and label.
 * With `inactive`, an inactive user is refused with the reason it gives (Sisense drops shares to inactive users).
 */
export async function resolveParty(deps: SisenseDeps, client: SisenseClient, ref: { user?: string; group?: string }, inactive?: (email: string) => string): Promise<Party> {
  if (ref.user !== undefined) {
    const u = await deps.resolveUser(client, ref.user);
    if (inactive && u.active === false) throw new Error(inactive(u.email));
    return { id: u._id, type: 'user', name: label.user(u) };
  }
  const g = await deps.resolveGroup(client, ref.group ?? '');
  return { id: g._id, type: 'group', name: label.group(g) };
}
