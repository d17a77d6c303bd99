import { reasonOf, type Side } from '../migration/migration.session.js';
import type { JoinPair, Schema } from './datamodel.checks.js';
import { finding, type Finding } from './wellcheck.types.js';

/** `[name]` as ElastiCube SQL quotes a table or column. */
const quote = (name: string) => `[${name.replace(/]/g, ']]')}]`;

/**
 * The key values of `columns` that occur more than once in `table`: the query pysisense's many-to-many check sends
 * (semantics.md §5: `select [col], count([col]) as key_count1 from [table] group by [col] having count([col]) > 1`),
 * one answer row per duplicated key; a composite key groups by each of its columns.
 */
export function duplicateKeysSql(table: string, columns: readonly string[]): string {
  const cols = columns.map(quote).join(', ');
  const first = quote(columns[0]);
  return `select ${cols}, count(${first}) as key_count1 from ${quote(table)} group by ${cols} having count(${first}) > 1`;
}

/** Rows of a `/sql` answer: `{headers, values}` JSON (values = rows), or CSV text (lines after the header). */
export function rowCount(answer: unknown): number {
  if (typeof answer === 'string') return Math.max(0, answer.split(/\r?\n/).filter((l) => l.trim()).length - 1);
  const values = (answer as { values?: unknown } | undefined)?.values;
  if (!Array.isArray(values)) throw new Error(`the query answered no rows (${JSON.stringify(answer)?.slice(0, 100)})`);
  return values.length;
}

/**
 * A join is many-to-many when its key is duplicated on both sides, which is how Sisense classifies a relationship.
 * Each side's duplicated keys are listed by the documented query form, `GET /api/datasources/{title}/sql?query=`
 * (semantics.md §5 and §6.3); any duplicated key on both sides makes it many-to-many (pysisense wants more than one,
 * which misses a join with a single duplicated key). A model that cannot be queried (never built, an engine error)
 * gives a `warning` saying which joins were not checked and why.
 */
export async function manyToMany(side: Side, s: Schema, pairs: readonly JoinPair[]): Promise<Finding[]> {
  if (!pairs.length) return [];
  const about = { datamodel: s.title, datamodelOid: s.oid };
  if (s.type !== 'live' && !s.lastBuildTime) return [finding('datamodel.many-to-many-unchecked', 'info', s.title, `joins of "${s.title}" were not checked for many-to-many: the model has never been built`, about)];
  const counts = new Map<string, Promise<number>>();
  const duplicates = (table: string, columns: string[]) => {
    const sql = duplicateKeysSql(table, columns);
    let p = counts.get(sql);
    if (!p) {
      p = side.get<unknown>(`/api/datasources/${encodeURIComponent(s.title)}/sql`, { query: sql }).then(rowCount);
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
  if (failed.length) out.push(finding('datamodel.many-to-many-unchecked', 'warning', s.title, `${failed.length} join(s) of "${s.title}" could not be checked for many-to-many: ${failed.sort()[0]}`, { ...about, joins: failed.sort() }));
  return out;
}
