import { reasonOf, type Side } from '../migration/migration.session.js';
import type { JoinPair, Schema } from './datamodel.checks.js';
import { finding, type Finding } from './wellcheck.types.js';

/** `[name]` for an ElastiCube, `"name"` for a live model (its SQL goes to the source database). */
const quote = (name: string, live: boolean) => (live ? `"${name.replace(/"/g, '""')}"` : `[${name.replace(/]/g, ']]')}]`);

/** Key values of `columns` that occur more than once in `table`. */
export function duplicateKeysSql(table: string, columns: readonly string[], live: boolean): string {
  const cols = columns.map((c) => quote(c, live)).join(', ');
  return `SELECT COUNT(*) FROM (SELECT ${cols} FROM ${quote(table, live)} GROUP BY ${cols} HAVING COUNT(*) > 1) t`;
}

/** The first cell of a `{headers, values}` answer as a number. */
function firstNumber(answer: unknown): number {
  const cell = (answer as { values?: unknown[][] } | undefined)?.values?.[0]?.[0];
  const raw = cell && typeof cell === 'object' ? (cell as { data?: unknown }).data : cell;
  const n = typeof raw === 'string' ? Number(raw) : raw;
  if (typeof n !== 'number' || Number.isNaN(n)) throw new Error(`the query answered no count (${JSON.stringify(answer)?.slice(0, 100)})`);
  return n;
}

/**
 * A join is many-to-many when its key is duplicated on both sides, which is how Sisense classifies a relationship.
 * Each side is counted with one aggregate query through `GET /api/datasources/{title}/sql`; a model that cannot be
 * queried (never built, an engine error) gives one `info` finding saying what was not checked.
 */
export async function manyToMany(side: Side, s: Schema, pairs: readonly JoinPair[]): Promise<Finding[]> {
  if (!pairs.length) return [];
  const about = { datamodel: s.title, datamodelOid: s.oid };
  const live = s.type === 'live';
  if (!live && !s.lastBuildTime) return [finding('datamodel.many-to-many-unchecked', 'info', s.title, `joins of "${s.title}" were not checked for many-to-many: the model has never been built`, about)];
  const counts = new Map<string, Promise<number>>();
  const duplicates = (table: string, columns: string[]) => {
    const sql = duplicateKeysSql(table, columns, live);
    let p = counts.get(sql);
    if (!p) {
      p = side.get<unknown>(`/api/datasources/${encodeURIComponent(s.title)}/sql`, { query: sql }).then(firstNumber);
      counts.set(sql, p);
    }
    return p;
  };
  const out: Finding[] = [];
  const failed: string[] = [];
  await Promise.all(
    pairs.map(async ({ left, right }) => {
      const join = `${left.table}.[${left.columns.join(', ')}] = ${right.table}.[${right.columns.join(', ')}]`;
      try {
        const [l, r] = await Promise.all([duplicates(left.table, left.columns), duplicates(right.table, right.columns)]);
        if (l > 0 && r > 0) {
          const asset = `${s.title}/${left.table}-${right.table}`;
          out.push(finding('datamodel.many-to-many', 'error', asset, `the join ${join} in "${s.title}" is many-to-many (duplicate keys on both sides: ${l} and ${r}): totals across it double count`, { ...about, left, right, leftDuplicateKeys: l, rightDuplicateKeys: r }));
        }
      } catch (e) {
        failed.push(`${join}: ${reasonOf(e)}`);
      }
    }),
  );
  if (failed.length) out.push(finding('datamodel.many-to-many-unchecked', 'info', s.title, `${failed.length} join(s) of "${s.title}" could not be checked for many-to-many: ${failed.sort()[0]}`, { ...about, joins: failed.sort() }));
  return out;
}
