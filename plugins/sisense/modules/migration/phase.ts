import type { PlannedChange } from '../../../../src/plugins/plugin-api.js';
import { pickOne } from '../../shared/lookup.js';
import type { MigrationReport, PlannedItem } from './migration.report.js';

/**
 * One kind of asset prepared for migration: what would happen to each (read only), and the run that makes it so.
 * `execute` writes only the items that need it and records a result for every item.
 */
export interface Prepared<T extends PlannedItem = PlannedItem> {
  items: T[];
  /** Further changes a plan shows (folders a dashboard migration creates). */
  extra: PlannedChange[];
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
