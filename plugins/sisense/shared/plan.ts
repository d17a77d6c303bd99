import { ToolError, type Plan, type PlanAction, type PlannedChange, type PlannedField, type ResolvedEnvironment, type ToolContext } from '../../../src/plugins/plugin-api.js';
import type { SisenseClient } from '../client/sisense.client.js';
import type { SisenseDeps } from './deps.js';

/** How plans and messages name assets: `dashboard 5f1c… "Sales"`. */
export const label = {
  dashboard: (d: { oid: string; title: string }) => `dashboard ${d.oid} "${d.title}"`,
  datamodel: (m: { oid: string; title: string }) => `data model ${m.oid} "${m.title}"`,
  folder: (f: { oid: string; path?: string; name: string }) => `folder ${f.oid} "${f.path ?? f.name}"`,
  user: (u: { email: string }) => `user ${u.email}`,
  group: (g: { name: string }) => `group "${g.name}"`,
};

/** The kind of asset a label names (`dashboard 5f1c… "Sales"` → `dashboard`), from the words `label` starts with. */
export function kindOfLabel(target: string): string | undefined {
  const m = /^(dashboard|data model|folder|user|group)\b/.exec(target);
  return m ? (m[1] === 'data model' ? 'datamodel' : m[1]) : undefined;
}

/** What a change may say beside its action, target and detail. */
export type ChangeExtra = Pick<PlannedChange, 'kind' | 'reason' | 'fields'>;

/**
 * One planned change. Its kind is the label's unless given; a `skip` or `fail` carries its detail as the reason
 * unless a reason is given; an `update` lists the fields it changes (before → after) when the caller knows them.
 */
export function change(action: PlanAction, target: string, detail?: string, extra: ChangeExtra = {}): PlannedChange {
  const kind = extra.kind ?? kindOfLabel(target);
  const reason = extra.reason ?? (action === 'skip' || action === 'fail' ? detail : undefined);
  return {
    action,
    target,
    ...(detail !== undefined && { detail }),
    ...(kind !== undefined && { kind }),
    ...(reason !== undefined && { reason }),
    ...(extra.fields?.length ? { fields: extra.fields } : {}),
  };
}

/** A change to a share (of a dashboard or a data model). */
export const SHARE: ChangeExtra = { kind: 'share' };

/** One field of an update: `field('owner', 'a@x', 'b@x')`. */
export const field = (name: string, before: unknown, after: unknown): PlannedField => ({ field: name, ...(before !== undefined && { before }), ...(after !== undefined && { after }) });

/** A plan whose summary counts its changes by action: `rename: 1 update` or `share-add: 2 create, 1 skip`. */
export function plan(what: string, changes: PlannedChange[]): Plan {
  const counts = new Map<PlanAction, number>();
  for (const c of changes) counts.set(c.action, (counts.get(c.action) ?? 0) + 1);
  const parts = [...counts].map(([a, n]) => `${n} ${a}`);
  return { summary: `${what}: ${parts.join(', ') || 'nothing to do'}`, changes };
}

/**
 * A dry run: reads through a client; a ToolError that says the action itself would not succeed (NOT_FOUND,
 * AMBIGUOUS, a refused precondition) becomes a single `fail` change. Failures to read the server at all
 * (SISENSE_*) stay errors, since nothing can be said about the outcome.
 */
export async function dryRun(deps: SisenseDeps, ctx: ToolContext, what: string, target: string, fn: (client: SisenseClient, env: ResolvedEnvironment) => Promise<Plan>): Promise<Plan> {
  try {
    return await deps.withClient(ctx, fn);
  } catch (e) {
    if (ToolError.is(e) && !e.code.startsWith('SISENSE_')) return { summary: `${what} would fail: ${e.message}`, changes: [change('fail', target, `${e.code}: ${e.message}`)] };
    throw e;
  }
}

/** The handler's counterpart of a `fail` change: refuses with the reasons of every failed change. */
export function refuseFailures(changes: PlannedChange[], code: string): void {
  const failed = changes.filter((c) => c.action === 'fail');
  if (failed.length) throw new ToolError(code, failed.map((c) => `${c.target}: ${c.reason ?? c.detail ?? 'would fail'}`).join('; '), { failed });
}
