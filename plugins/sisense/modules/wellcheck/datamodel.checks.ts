import type { SecurityRule } from '../migration/datamodel.access.js';
import { finding, type Finding } from './wellcheck.types.js';

export const DATAMODEL_CHECKS = ['custom-tables', 'island-tables', 'import-queries', 'rls-datatypes', 'many-to-many', 'unused-columns', 'builds'] as const;
export type DatamodelCheck = (typeof DATAMODEL_CHECKS)[number];

export interface Column {
  oid: string;
  name: string;
  hidden?: boolean;
}

export interface Table {
  oid: string;
  name: string;
  type?: string;
  hidden?: boolean;
  expression?: { expression?: unknown } | null;
  configOptions?: { importQuery?: unknown } | null;
  columns?: Column[];
}

/** A data model as `GET /api/v2/datamodels/{oid}/schema` answers it. */
export interface Schema {
  oid: string;
  title: string;
  type?: string;
  lastBuildTime?: string | null;
  datasets?: Array<{ oid: string; schema?: { tables?: Table[] } }>;
  relations?: Array<{ oid?: string; columns?: Array<{ dataset?: string; table?: string; column?: string }> }>;
}

/** Two tables a model joins, on one or more columns each (several relations between them form one composite key). */
export interface JoinPair {
  left: { table: string; columns: string[] };
  right: { table: string; columns: string[] };
}

export const tablesOf = (s: Schema): Table[] => (s.datasets ?? []).flatMap((d) => d.schema?.tables ?? []);
const colKey = (table: string, column: string) => `${table}\u0000${column}`;

/** The model's joins by table pair, with table and column names resolved from their oids. */
export function joinPairs(s: Schema): JoinPair[] {
  const tables = new Map(tablesOf(s).map((t) => [t.oid, t]));
  const pairs = new Map<string, JoinPair>();
  for (const r of s.relations ?? []) {
    const ends = (r.columns ?? []).map((c) => {
      const t = tables.get(c.table ?? '');
      const col = t?.columns?.find((x) => x.oid === c.column);
      return t && col ? { table: t.name, column: col.name } : undefined;
    });
    for (let i = 0; i < ends.length; i++) {
      for (let j = i + 1; j < ends.length; j++) {
        const [a, b] = [ends[i], ends[j]];
        if (!a || !b || a.table === b.table) continue;
        const [l, rr] = a.table < b.table ? [a, b] : [b, a];
        const key = `${l.table}\u0000${rr.table}`;
        const pair = pairs.get(key) ?? { left: { table: l.table, columns: [] }, right: { table: rr.table, columns: [] } };
        if (!pair.left.columns.includes(l.column) || !pair.right.columns.includes(rr.column)) {
          pair.left.columns.push(l.column);
          pair.right.columns.push(rr.column);
        }
        pairs.set(key, pair);
      }
    }
  }
  return [...pairs.values()];
}

/** The schema-only findings of one model (many-to-many needs queries: see manyToMany). */
/** What the unused-column check rests on: the dashboards read, those using the model, those that could not be read. */
export interface UsageBasis {
  used: ReadonlySet<string>;
  /** Dashboards read (exported). */
  read: number;
  /** Of those, the ones that use this model. */
  usingModel: number;
  /** Dashboards that could not be read: a column may be used there. */
  unreadable: number;
}

export function checkSchema(s: Schema, rules: readonly SecurityRule[], usage: UsageBasis | undefined, checks: ReadonlySet<DatamodelCheck>): Finding[] {
  const out: Finding[] = [];
  const model = s.title;
  const about = { datamodel: model, datamodelOid: s.oid };
  const tables = tablesOf(s);
  const joined = new Set<string>();
  const keys = new Set<string>();
  const names = new Map(tables.map((t) => [t.oid, t]));
  for (const r of s.relations ?? []) {
    for (const c of r.columns ?? []) {
      const t = names.get(c.table ?? '');
      if (!t) continue;
      joined.add(t.oid);
      const col = t.columns?.find((x) => x.oid === c.column);
      if (col) keys.add(colKey(t.name, col.name));
    }
  }
  if (checks.has('builds') && s.type !== 'live' && !s.lastBuildTime) out.push(finding('datamodel.never-built', 'warning', model, `data model "${model}" has never been built: its dashboards show no data`, about));
  for (const t of tables) {
    const at = `${model}/${t.name}`;
    const where = { ...about, table: t.name };
    if (checks.has('custom-tables') && t.type === 'custom') {
      const sql = typeof t.expression?.expression === 'string' ? t.expression.expression : '';
      if (/\bunion\b/i.test(sql)) out.push(finding('datamodel.custom-table-union', 'warning', at, `custom table "${t.name}" in "${model}" uses UNION: it is rebuilt in full every build and often hides a modelling problem`, { ...where, sql }));
      else out.push(finding('datamodel.custom-table', 'info', at, `"${t.name}" in "${model}" is a custom (SQL) table`, { ...where, sql }));
    }
    if (checks.has('island-tables') && tables.length > 1 && !joined.has(t.oid)) out.push(finding('datamodel.island-table', 'warning', at, `table "${t.name}" in "${model}" has no relation to any other table`, where));
    const importQuery = t.configOptions?.importQuery;
    if (checks.has('import-queries') && typeof importQuery === 'string' && importQuery.trim()) out.push(finding('datamodel.import-query', 'warning', at, `table "${t.name}" in "${model}" is imported through a custom query`, { ...where, importQuery }));
  }
  const secured = new Set<string>();
  for (const r of rules) {
    secured.add(colKey(r.table, r.column));
    const key = `${r.table}.${r.column}`;
    if (checks.has('rls-datatypes') && r.datatype !== 'numeric' && !out.some((f) => f.check === 'datamodel.rls-datatype' && f.asset === `${model}/${key}`)) {
      out.push(finding('datamodel.rls-datatype', 'warning', `${model}/${key}`, `row-level security of "${model}" filters on ${key}, a ${r.datatype} column: numeric columns filter faster`, { ...about, table: r.table, column: r.column, datatype: r.datatype }));
    }
  }
  if (checks.has('unused-columns') && usage) {
    const basis = { dashboardsRead: usage.read, dashboardsUsingModel: usage.usingModel, dashboardsUnreadable: usage.unreadable };
    const rests = `${usage.read} dashboard${usage.read === 1 ? '' : 's'} read (${usage.usingModel} using "${model}")${usage.unreadable ? `; ${usage.unreadable} could not be read and may use it` : ''}`;
    let unused = 0;
    for (const t of tables) {
      for (const c of t.columns ?? []) {
        const k = colKey(t.name, c.name);
        if (c.hidden || t.hidden || usage.used.has(k) || keys.has(k) || secured.has(k)) continue;
        unused++;
        out.push(finding('datamodel.unused-column', 'info', `${model}/${t.name}.${c.name}`, `column ${t.name}.${c.name} of "${model}" is used by no widget, filter or formula of the ${rests}`, { ...about, table: t.name, column: c.name, ...basis }));
      }
    }
    if (usage.unreadable && unused) {
      out.push(finding('datamodel.unused-columns-incomplete', 'warning', model, `the ${unused} unused column(s) of "${model}" rest on ${usage.read} of ${usage.read + usage.unreadable} dashboards: ${usage.unreadable} could not be read`, { ...about, ...basis }));
    }
  }
  return out;
}
