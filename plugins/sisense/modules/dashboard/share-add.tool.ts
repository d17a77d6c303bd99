import { defineTool, ToolError, type PlannedChange } from '../../../../src/plugins/plugin-api.js';
import type { SisenseClient } from '../../client/sisense.client.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { resolveParty, type Party } from '../../shared/party.js';
import { change, field, SHARE, dryRun, label, plan, refuseFailures } from '../../shared/plan.js';
import { dashboardRef, objectOut } from '../../shared/schemas.js';
import type { SisenseShare } from '../../shared/sisense.models.js';
import { access } from '../../shared/views.js';
import { droppedAfterWrite, postable, readShares } from './dashboard.shares.js';

interface Wanted {
  user?: string;
  group?: string;
  rule?: 'view' | 'edit';
  subscribe?: boolean;
}

interface Input {
  dashboard: string;
  shares: Wanted[];
}

/** The merged share list and a change per requested share. Reads only. */
async function merge(deps: SisenseDeps, client: SisenseClient, input: Input) {
  const d = await deps.resolveDashboard(client, input.dashboard);
  const current = await readShares(client, d);
  const next: SisenseShare[] = current.map(postable);
  const changes: PlannedChange[] = [];
  for (const w of input.shares) {
    const rule = w.rule ?? 'view';
    const what = w.user !== undefined ? `user ${w.user}` : `group "${w.group}"`;
    let party: Party;
    try {
      party = await resolveParty(deps, client, w, (email) => `${email} is inactive: Sisense silently drops shares to inactive users`);
    } catch (e) {
      changes.push(change('fail', `${label.dashboard(d)} share with ${what}`, (e as Error).message, SHARE));
      continue;
    }
    const target = `${label.dashboard(d)} share with ${party.name}`;
    const existing = next.find((s) => s.shareId === party.id);
    if (existing && !existing.rule) changes.push(change('skip', target, 'is the owner', SHARE));
    else if (existing && existing.rule === rule && (w.subscribe === undefined || !!existing.subscribe === w.subscribe)) changes.push(change('skip', target, `already ${rule}`, SHARE));
    else if (existing) {
      changes.push(change('update', target, `${existing.rule} → ${rule}`, { ...SHARE, fields: [field('rule', existing.rule, rule)] }));
      Object.assign(existing, { rule, ...(w.subscribe !== undefined && { subscribe: w.subscribe }) });
    } else {
      changes.push(change('create', target, rule, { ...SHARE, fields: [field('rule', undefined, rule)] }));
      next.push({ shareId: party.id, type: party.type, rule, subscribe: w.subscribe ?? false });
    }
  }
  return { d, current, next, changes };
}

/** Adds shares to a dashboard, keeping every existing one (a share POST replaces the whole list). */
export const shareAdd = (deps: SisenseDeps) =>
  defineTool<Input, { dashboard: { oid: string; title: string }; created: number; updated: number; unchanged: number; total: number; dropped: string[] }>({
    id: 'sisense.dashboard.share-add',
    title: 'Share a dashboard (add to its shares)',
    description:
      'Shares a dashboard with users (by email) and groups (by name), rule view (default) or edit. Existing shares are kept: the tool reads the whole list, merges the new entries ' +
      '(changing the rule of a party already on it) and writes the merged list back, because Sisense replaces the whole list on every share write. ' +
      'A party that does not exist, or an inactive user, fails the whole call before anything is written. The list is read back: a requested share the server did not keep fails with SHARES_DROPPED, ' +
      'and existing shares it dropped (inactive users) are returned in dropped. Republish (sisense.dashboard.publish) so recipients see the latest version.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['dashboard', 'shares'],
      properties: {
        dashboard: dashboardRef,
        shares: {
          type: 'array',
          minItems: 1,
          maxItems: 200,
          items: {
            type: 'object',
            additionalProperties: false,
            oneOf: [{ required: ['user'] }, { required: ['group'] }],
            properties: {
              user: { type: 'string', minLength: 1, maxLength: 320, description: 'User email.' },
              group: { type: 'string', minLength: 1, maxLength: 200, description: 'Group name.' },
              rule: { enum: ['view', 'edit'], description: 'view (default) or edit.' },
              subscribe: { type: 'boolean', description: 'Send the dashboard by email on its schedule.' },
            },
          },
        },
      },
    },
    outputSchema: objectOut({ dashboard: objectOut({ oid: { type: 'string' }, title: { type: 'string' } }), created: { type: 'integer' }, updated: { type: 'integer' }, unchanged: { type: 'integer' }, total: { type: 'integer' }, dropped: { type: 'array', items: { type: 'string' } } }),
    effect: 'write',
    idempotent: true,
    examples: [{ title: 'Share with a group and a designer', input: { dashboard: 'ECommerce Overview', shares: [{ group: 'Finance' }, { user: 'dana.designer@acme.test', rule: 'edit' }] } }],
    plan: (input, ctx) => dryRun(deps, ctx, 'share-add', `dashboard ${input.dashboard}`, async (client) => plan('share-add', (await merge(deps, client, input)).changes)),
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const { d, current, next, changes } = await merge(deps, client, input);
        refuseFailures(changes, 'SHARE_FAILED');
        const count = (a: string) => changes.filter((c) => c.action === a).length;
        let dropped: string[] = [];
        if (changes.some((c) => c.action === 'create' || c.action === 'update')) {
          await client.post(`/api/shares/dashboard/${d.oid}`, { sharesTo: next }, { query: access(d), idempotent: true });
          dropped = await droppedAfterWrite(client, d, next);
          const before = new Set(current.map((s) => s.shareId));
          const lost = dropped.filter((x) => !before.has(x.split(' ')[1]));
          if (lost.length) throw new ToolError('SHARES_DROPPED', `${label.dashboard(d)}: the server did not keep the new share(s) ${lost.join(', ')}`, { dropped });
        }
        return { dashboard: { oid: d.oid, title: d.title }, created: count('create'), updated: count('update'), unchanged: count('skip'), total: next.filter((s) => s.rule).length - dropped.length, dropped };
      }),
  });
