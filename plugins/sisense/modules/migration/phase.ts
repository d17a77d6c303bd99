import { ToolError, type PlannedChange } from '../../../../src/plugins/plugin-api.js';
import { pickOne } from '../../shared/lookup.js';
import type { MigrationReport, PlannedItem } from './migration.report.js';
import type { AssetKind } from './migration.types.js';

/**
 * One kind of asset prepared for migration: what would happen to each (read only), and the run that makes it so.
 * `execute` writes only the items that need it and records a result for every item.
 */
export interface Prepared<T extends PlannedItem = PlannedItem> {
  items: T[];
  /** Further changes a plan shows (folders a dashboard migration creates). */
  extra: PlannedChange[];
  /** The tool takes `exclude`: a plan's failed asset says it can be left out that way. */
  excludable?: boolean;
  /** `gates`: what the phase waits for before parts of it (an "everything" migration overlaps its phases). */
  execute(report: MigrationReport, gates?: Gates): Promise<void>;
}

/**
 * When parts of a phase may start: `importReady` before assets are imported (dashboards wait for their data
 * models), `accessReady` before owners, shares and data security are written (they wait for users and groups).
 */
export interface Gates {
  importReady?: Promise<unknown>;
  accessReady?: Promise<unknown>;
  /** Called by a phase once its imports are done (data models: the dashboards may be imported). */
  onImported?: () => void;
}

/**
 * The assets `refs` name (by id, else by exact or case-insensitive name; NOT_FOUND / AMBIGUOUS otherwise), in the
 * order given; every asset when `refs` is omitted.
 */
export function select<T>(kind: string, all: readonly T[], refs: readonly string[] | undefined, id: (t: T) => string, name: (t: T) => string): T[] {
  if (refs === undefined) return [...all];
  const picked: T[] = [];
  for (const ref of refs) {
    const t = all.find((x) => id(x) === ref) ?? pickOne(kind, ref, [...all], name, (x) => ({ id: id(x), name: name(x) }));
    if (!picked.includes(t)) picked.push(t);
  }
  return picked;
}

/** A reference that names no asset, or several: it fails on its own (NOT_FOUND / AMBIGUOUS with the candidates). */
export interface Unresolved {
  ref: string;
  reason: string;
}

/**
 * Like `select`, but a reference that matches nothing or several assets does not stop the others: it is returned
 * in `unresolved` with the reason, to be reported as a failed asset of its own.
 */
export function selectEach<T>(kind: string, all: readonly T[], refs: readonly string[] | undefined, id: (t: T) => string, name: (t: T) => string): { chosen: T[]; unresolved: Unresolved[] } {
  if (refs === undefined) return { chosen: [...all], unresolved: [] };
  const chosen: T[] = [];
  const unresolved: Unresolved[] = [];
  for (const ref of refs) {
    try {
      for (const t of select(kind, all, [ref], id, name)) if (!chosen.includes(t)) chosen.push(t);
    } catch (e) {
      if (!ToolError.is(e) || (e.code !== 'NOT_FOUND' && e.code !== 'AMBIGUOUS')) throw e;
      unresolved.push({ ref, reason: `${e.code}: ${e.message}` });
    }
  }
  return { chosen, unresolved };
}

/** The failed item of an unresolved reference (a phase adds its own empty fields). */
export function unresolvedItem(kind: AssetKind, u: Unresolved): PlannedItem {
  return { kind, asset: u.ref, label: `${kind === 'datamodel' ? 'data model' : kind} "${u.ref}"`, action: 'create', missing: [], failure: u.reason };
}

/** The reason of an asset the `exclude` input names. */
export const EXCLUDED = 'excluded by input';
const KIND_PREFIX = /^(group|user|datamodel|dashboard):/i;

/**
 * Whether the `exclude` input names an asset: by its id, or its name (title, email, group name) without regard to
 * case; `dashboard:Sales` (group:, user:, datamodel:) names only an asset of that kind.
 */
export function excluded(exclude: readonly string[] | undefined, kind: AssetKind, id: string | undefined, ...names: Array<string | undefined>): boolean {
  for (const raw of exclude ?? []) {
    let ref = raw.trim();
    const prefix = KIND_PREFIX.exec(ref);
    if (prefix) {
      if (prefix[1].toLowerCase() !== kind) continue;
      ref = ref.slice(prefix[0].length).trim();
    }
    if (ref === id || names.some((n) => typeof n === 'string' && n.trim().toLowerCase() === ref.toLowerCase())) return true;
  }
  return false;
}

/** The input schema of `exclude`. */
export const excludeInput = {
  type: 'array',
  maxItems: 5000,
  uniqueItems: true,
  items: { type: 'string', minLength: 1, maxLength: 500 },
  description:
    'Assets to leave out, by title, oid, email or name (case-insensitive; prefix group:, user:, datamodel: or dashboard: to name one kind only). ' +
    'Each is reported skipped with the reason "excluded by input"; nothing is written for it. Use it to approve a migration whose plan fails for a few assets.',
} as const;
