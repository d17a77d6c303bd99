import { ToolError, type Plan, type PlanAction, type PlannedChange, type PlannedField, type ToolContext } from '../../../../src/plugins/plugin-api.js';
import { change, plan } from '../../shared/plan.js';
import type { AssetAction, AssetKind, AssetResult, MigrationOutput } from './migration.types.js';

/** One asset as a migration's dry run sees it, before anything is written. */
export interface PlannedItem {
  kind: AssetKind;
  asset: string;
  /** How a plan names it: `dashboard 5f1c… "Sales"`. */
  label: string;
  sourceId?: string;
  action: AssetAction;
  /** Why it is skipped, or anything worth knowing about it (shown in the plan and the result). */
  note?: string;
  /** What the target lacks for this asset (a role, a group, a user, a connection, a data model). */
  missing: string[];
  /** Why the asset cannot be migrated for another reason (the source would not export it, a title conflict). */
  failure?: string;
  /** Its id in the target when it is there already. */
  targetId?: string;
  targetTitle?: string;
  /** What an update (or overwrite) changes in the target, field by field, when the plan knows it. */
  fields?: PlannedField[];
}

const PLAN_ACTION: Record<AssetAction, PlanAction> = { create: 'create', duplicate: 'create', overwrite: 'update', update: 'update', skip: 'skip' };

/**
 * The plan's change for one item: `fail` when the target lacks what it needs; with `excludable`, the failure says how
 * to leave the asset out (the `exclude` input) so the rest can be approved.
 */
export function changeOf(item: PlannedItem, excludable = false): PlannedChange {
  const hint = excludable ? ` (to migrate the rest without it: exclude ${JSON.stringify(item.asset)})` : '';
  const kind = { kind: item.kind };
  if (item.failure) return change('fail', item.label, item.failure + hint, kind);
  if (item.missing.length) return change('fail', item.label, `the target lacks ${item.missing.join(', ')}${hint}`, kind);
  const detail = [item.action === 'duplicate' ? 'duplicate' : item.action === 'overwrite' ? 'overwrite' : undefined, item.note].filter(Boolean).join('; ');
  const action = PLAN_ACTION[item.action];
  return change(action, item.label, detail || undefined, { ...kind, ...(action === 'update' && item.fields?.length ? { fields: item.fields } : {}), ...(action === 'skip' && { reason: item.note ?? 'nothing to do' }) });
}

/** The plan's change for a folder a migration creates in the target. */
export const folderCreation = (path: string): PlannedChange => change('create', `folder "${path}"`, undefined, { kind: 'folder' });

export function planOf(what: string, items: readonly PlannedItem[], extra: readonly PlannedChange[] = [], excludable = false): Plan {
  const p = plan(what, [...extra, ...items.map((i) => changeOf(i, excludable))]);
  const failing = p.changes.filter((c) => c.action === 'fail').length;
  if (!excludable || !failing) return p;
  return { ...p, summary: `${p.summary} (${failing} would fail: fix them, or leave them out with the exclude input to migrate the rest)` };
}

/** The per-asset results of a migration, its progress, and the rule that a run with failures fails. */
export class MigrationReport {
  private readonly results: AssetResult[] = [];
  /** Results come back in the order the assets were planned, whatever order the requests finished in. */
  private readonly order = new Map<PlannedItem, number>();
  private readonly rank: number[] = [];

  constructor(
    private readonly ctx: ToolContext,
    private total = 0,
  ) {}

  /** Lists results in this order whatever order the phases settle them in (phases overlap). */
  register(items: readonly PlannedItem[]): void {
    for (const item of items) if (!this.order.has(item)) this.order.set(item, this.order.size);
  }

  expect(n: number): void {
    this.total += n;
  }

  succeed(item: PlannedItem, extra: Partial<AssetResult> = {}): void {
    this.add(item, 'succeeded', extra);
  }

  skip(item: PlannedItem, reason = item.note): void {
    this.add(item, 'skipped', { action: 'skip', ...(reason && { reason }) });
  }

  fail(item: PlannedItem, reason: string, extra: Partial<AssetResult> = {}): void {
    this.add(item, 'failed', { ...extra, reason });
  }

  /**
   * Settles the items that need no write (skips) and those that cannot be written (the target lacks something, as
   * found when a later phase of an "everything" migration re-reads it); returns the rest.
   */
  settle<T extends PlannedItem>(items: readonly T[]): T[] {
    const work: T[] = [];
    for (const item of items) if (!this.order.has(item)) this.order.set(item, this.order.size);
    for (const item of items) {
      if (item.failure) this.fail(item, item.failure);
      else if (item.missing.length) this.fail(item, `the target lacks ${item.missing.join(', ')}`);
      else if (item.action === 'skip') this.skip(item);
      else work.push(item);
    }
    return work;
  }

  progress(message: string): void {
    this.ctx.progress({ progress: this.results.length, total: Math.max(this.total, this.results.length), message });
  }

  get failed(): number {
    return this.results.filter((r) => r.status === 'failed').length;
  }

  output(): MigrationOutput {
    const count = (s: AssetResult['status']) => this.results.filter((r) => r.status === s).length;
    const results = this.results.map((r, i) => ({ r, rank: this.rank[i] })).sort((a, b) => a.rank - b.rank).map((x) => x.r);
    return { results, summary: { succeeded: count('succeeded'), skipped: count('skipped'), failed: count('failed') } };
  }

  /** The output, or MIGRATION_PARTIAL (carrying every result) when any asset failed: never success over failures. */
  finish(): MigrationOutput {
    const out = this.output();
    const failed = out.results.filter((r) => r.status === 'failed');
    this.ctx.logger[failed.length ? 'warn' : 'info']({ ...out.summary }, 'migration finished');
    if (!failed.length) return out;
    const every = failed.map((r) => `${r.kind} ${r.asset}: ${r.reason ?? 'failed'}`).join('; ');
    throw new ToolError('MIGRATION_PARTIAL', `${failed.length} of ${out.results.length} assets failed: ${every}`, out);
  }

  private add(item: PlannedItem, status: AssetResult['status'], extra: Partial<AssetResult>): void {
    const targetTitle = extra.targetTitle ?? item.targetTitle;
    if (!this.order.has(item)) this.order.set(item, this.order.size);
    this.rank.push(this.order.get(item)!);
    this.results.push({
      asset: item.asset,
      kind: item.kind,
      ...(item.sourceId && { sourceId: item.sourceId }),
      action: extra.action ?? item.action,
      status,
      ...(extra.reason ?? (status === 'succeeded' ? item.note : undefined) ? { reason: extra.reason ?? item.note } : {}),
      ...((extra.targetId ?? item.targetId) ? { targetId: extra.targetId ?? item.targetId } : {}),
      ...(targetTitle && targetTitle !== item.asset ? { targetTitle } : {}),
    });
  }
}
