import { defineTool, type PlannedChange, ToolError } from '../../../../src/plugins/plugin-api.js';
import type { SisenseClient } from '../../client/sisense.client.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { resolveParty } from '../../shared/party.js';
import { change, field, SHARE, dryRun, label, plan, refuseFailures } from '../../shared/plan.js';
import { dashboardRef, objectOut } from '../../shared/schemas.js';
import { access } from '../../shared/views.js';
import { droppedAfterWrite, postable, readShares } from './dashboard.shares.js';

interface Input {
  dashboard: string;
  users?: string[];
  groups?: string[];
}

/** At least one of users and groups (the schema cannot say so: hosts refuse a top-level anyOf). */
function requireParties(input: Input): void {
  if (input.users === undefined && input.groups === undefined) throw new ToolError('TOOL_INPUT_INVALID', 'give users (emails), groups (names), or both');
}

/** The share list without the named parties, and a change per party. Reads only. */
async function without(deps: SisenseDeps, client: SisenseClient, input: Input) {
  requireParties(input);
  const d = await deps.resolveDashboard(client, input.dashboard);
  const current = await readShares(client, d);
  const drop = new Set<string>();
  const changes: PlannedChange[] = [];
  const parties = [...(input.users ?? []).map((ref) => ({ ref, type: 'user' as const })), ...(input.groups ?? []).map((ref) => ({ ref, type: 'group' as const }))];
  for (const p of parties) {
    let id: string;
    let name: string;
    try {
      ({ id, name } = await resolveParty(deps, client, p.type === 'user' ? { user: p.ref } : { group: p.ref }));
    } catch (e) {
      changes.push(change('fail', `${label.dashboard(d)} share with ${p.type} ${p.ref}`, (e as Error).message, SHARE));
      continue;
    }
    const target = `${label.dashboard(d)} share with ${name}`;
    const s = current.find((x) => x.shareId === id);
    if (!s) changes.push(change('skip', target, 'not shared', SHARE));
    else if (!s.rule) changes.push(change('fail', target, 'is the owner: change the owner first (sisense.dashboard.change-owner)', SHARE));
    else {
      drop.add(id);
      changes.push(change('delete', target, s.rule, { ...SHARE, fields: [field('rule', s.rule, undefined)] }));
    }
  }
  return { d, next: current.filter((s) => !drop.has(s.shareId)).map(postable), changes };
}

/** Removes users and groups from a dashboard's shares, keeping every other share. */
export const shareRemove = (deps: SisenseDeps) =>
  defineTool<Input, { dashboard: { oid: string; title: string }; removed: number; unchanged: number; total: number; dropped: string[] }>({
    id: 'sisense.dashboard.share-remove',
    title: 'Unshare a dashboard (remove from its shares)',
    description:
      'Removes users (by email) and groups (by name) from a dashboard\'s shares. The tool reads the whole share list and writes it back without them (Sisense replaces the list on every write), ' +
      'so every other share stays. Removing the owner is refused (change the owner first); a party that does not exist fails the call before anything is written; a party not on the list is skipped. ' +
      'The list is read back: shares Sisense did not keep (it silently drops shares to inactive users when the list is written) are returned in dropped. ' +
      'Republish (sisense.dashboard.publish) so the removal reaches recipients\' copies.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['dashboard'],
      // users and/or groups, checked by the handler and plan: a top-level anyOf is refused by some hosts' tool APIs.
      properties: {
        dashboard: dashboardRef,
        users: { type: 'array', minItems: 1, maxItems: 200, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 320 }, description: 'User emails.' },
        groups: { type: 'array', minItems: 1, maxItems: 200, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 200 }, description: 'Group names.' },
      },
    },
    outputSchema: objectOut({ dashboard: objectOut({ oid: { type: 'string' }, title: { type: 'string' } }), removed: { type: 'integer' }, unchanged: { type: 'integer' }, total: { type: 'integer' }, dropped: { type: 'array', items: { type: 'string' } } }),
    effect: 'write',
    idempotent: true,
    examples: [{ title: 'Unshare a group', input: { dashboard: 'ECommerce Overview', groups: ['Finance'] } }],
    plan: (input, ctx) => dryRun(deps, ctx, 'share-remove', `dashboard ${input.dashboard}`, async (client) => plan('share-remove', (await without(deps, client, input)).changes)),
    handler: (input, ctx) => {
      requireParties(input);
      return deps.withClient(ctx, async (client) => {
        const { d, next, changes } = await without(deps, client, input);
        refuseFailures(changes, 'SHARE_FAILED');
        const removed = changes.filter((c) => c.action === 'delete').length;
        let dropped: string[] = [];
        if (removed) {
          await client.post(`/api/shares/dashboard/${d.oid}`, { sharesTo: next }, { query: access(d), idempotent: true });
          dropped = await droppedAfterWrite(client, d, next);
        }
        return { dashboard: { oid: d.oid, title: d.title }, removed, unchanged: changes.length - removed, total: next.filter((s) => s.rule).length - dropped.length, dropped };
      });
    },
  });
