import type { SisenseFolder } from '../../shared/deps.js';
import { asObject } from '../../shared/errors.js';
import type { MigrationReport, PlannedItem } from './migration.report.js';
import { reasonOf, type Side } from './migration.session.js';

/** `Sales/Deep Dives` as ['Sales', 'Deep Dives']; '' or '/' is the root. */
export function parsePath(path: string): string[] {
  return path.split('/').map((p) => p.trim()).filter(Boolean);
}

/** The names from the root down to a folder, from a flat listing. */
export function pathOf(oid: string | undefined, byOid: ReadonlyMap<string, SisenseFolder>): string[] {
  const names: string[] = [];
  const seen = new Set<string>();
  for (let f = oid ? byOid.get(oid) : undefined; f && !seen.has(f.oid); f = f.parentId ? byOid.get(f.parentId) : undefined) {
    seen.add(f.oid);
    names.unshift(f.name);
  }
  return names;
}

const key = (path: readonly string[]) => path.join('/');

/** The target's folders by path; creates the missing ones once each, parents first. */
export class TargetFolders {
  private readonly byPath = new Map<string, string>();
  private readonly pending = new Map<string, Promise<string>>();

  constructor(folders: readonly SisenseFolder[]) {
    const byOid = new Map(folders.map((f) => [f.oid, f]));
    for (const f of folders) {
      const k = key(pathOf(f.oid, byOid));
      if (!this.byPath.has(k)) this.byPath.set(k, f.oid);
    }
  }

  /** The oid of the folder at `path` (undefined: the root), or null when the target lacks it. */
  known(path: readonly string[]): string | undefined | null {
    if (!path.length) return undefined;
    return this.byPath.get(key(path)) ?? null;
  }

  /** The folders a path needs that the target lacks, shortest first. */
  missing(path: readonly string[]): string[] {
    const out: string[] = [];
    for (let n = 1; n <= path.length; n++) if (!this.byPath.has(key(path.slice(0, n)))) out.push(key(path.slice(0, n)));
    return out;
  }

  /** The oid of the folder at `path` (undefined for the root), creating what is missing and recording it. */
  async ensure(target: Side, path: readonly string[], report: MigrationReport): Promise<string | undefined> {
    let parent: string | undefined;
    for (let n = 1; n <= path.length; n++) {
      const k = key(path.slice(0, n));
      const there = this.byPath.get(k);
      if (there) {
        parent = there;
        continue;
      }
      let p = this.pending.get(k);
      if (!p) {
        p = this.create(target, path[n - 1], parent, k, report);
        this.pending.set(k, p);
      }
      parent = await p;
    }
    return parent;
  }

  private async create(target: Side, name: string, parentId: string | undefined, path: string, report: MigrationReport): Promise<string> {
    const item: PlannedItem = { kind: 'folder', asset: path, label: `folder "${path}"`, action: 'create', missing: [] };
    report.expect(1);
    try {
      // A root folder is created without a parent field (api.md §1.10: the server refuses a null parentId).
      const f = asObject<SisenseFolder>(await target.post('/api/v1/folders', parentId ? { name, parentId } : { name }), 'a created folder');
      this.byPath.set(path, f.oid);
      report.succeed(item, { targetId: f.oid });
      return f.oid;
    } catch (e) {
      report.fail(item, `creating the folder failed: ${reasonOf(e)}`);
      throw new Error(`its folder "${path}" could not be created`, { cause: e });
    }
  }
}
