import { jsonAfter, type Conversation, type ToolResult } from './conversation.js';

/**
 * The demo model's part in discover-database (playbooks/postgres/discover-database.yaml), decided from the request
 * alone. The planner lists the catalog and, in round 1, hands the tables without a description to the experts (the
 * one without a primary key to the structural expert, the largest other one to the statistical expert, the rest to
 * the semantic expert); from round 2, or when every table is described, it says done. Each expert calls its tools
 * on its targets in one turn (the statistical expert then profiles the low-cardinality columns it found), and
 * reflects into {catalog, insights, questions} built from names, types, counts and ratios the tools returned - never
 * a sampled value. Only the structural expert asks, once: whether the joins it inferred are real references.
 */

export type Decision = { text: string } | { calls: { name: string; args: Record<string, unknown> }[] };

export type Expert = 'structural' | 'statistical' | 'semantic' | 'query';

export const SOURCE = (who: string) => `${who} (steward-demo, the sandbox's scripted demo model)`;

const PLANNER_MARK = /plan the discovery/i;
const TASKS_LABEL = "The planner's tasks:";
const MAX_PAGES = 5;

/** Which discover-database agent this request is for, by its instruction and the tools it was offered. */
export function discoveryRole(c: Conversation): 'planner' | Expert | undefined {
  const has = (prefix: string) => [...c.tools.keys()].some((n) => n.startsWith(prefix));
  if (PLANNER_MARK.test(c.instruction) && c.tools.has('postgres__catalog__list')) return 'planner';
  if (!c.instruction.includes(TASKS_LABEL)) return undefined;
  if (has('postgres__profile__')) return 'statistical';
  if (has('postgres__query__')) return 'query';
  if (has('postgres__catalog__') && has('postgres__schema__')) return 'semantic';
  if (has('postgres__schema__') || has('postgres__relations__')) return 'structural';
  return undefined;
}

interface CatalogEntry {
  id: string;
  kind: string;
  name: string;
  description?: string;
  evidence?: string[];
}

interface Task {
  expert: Expert;
  target: string;
  why: string;
}

const json = (v: unknown): Decision => ({ text: JSON.stringify(v) });

export function planner(c: Conversation): Decision {
  const lists = c.results.filter((r) => r.name === 'postgres__catalog__list');
  const lastPage = lists[lists.length - 1];
  if (!lastPage) return { calls: [{ name: 'postgres__catalog__list', args: { kinds: ['table'], limit: 100 } }] };
  const next = (lastPage.result as { nextCursor?: unknown } | undefined)?.nextCursor;
  if (lastPage.ok && lastPage.shared && typeof next === 'string' && lists.length < MAX_PAGES) return { calls: [{ name: 'postgres__catalog__list', args: { kinds: ['table'], limit: 100, cursor: next } }] };
  // Privacy mode (the catalog is not shown) or a failed listing: nothing to plan from.
  if (lists.some((r) => !r.ok || !r.shared)) return json({ tasks: [], done: true });
  const tables = lists.flatMap((r) => ((r.result as { entries?: CatalogEntry[] }).entries ?? []).filter((e) => e.kind === 'table'));
  const round = Number(/round (\d+) of at most/i.exec(c.instruction)?.[1] ?? 1);
  const todo = tables.filter((t) => !t.description && splitTable(t.name));
  if (round >= 2 || todo.length === 0) return json({ tasks: [], done: true });
  const rows = (t: CatalogEntry) => Number(/about (\d+) rows/.exec((t.evidence ?? []).join(' '))?.[1] ?? 0);
  const noKey = (t: CatalogEntry) => (t.evidence ?? []).some((e) => /no primary key/.test(e));
  const structural = todo.find(noKey) ?? todo[0]!;
  const rest = todo.filter((t) => t !== structural);
  const statistical = [...rest].sort((a, b) => rows(b) - rows(a) || a.name.localeCompare(b.name))[0];
  const semantic = rest.filter((t) => t !== statistical).slice(0, 4);
  const tasks: Task[] = [
    { expert: 'structural', target: structural.name, why: noKey(structural) ? 'No primary key and no declared joins: find its keys and the joins it needs.' : 'Describe its keys and joins.' },
    ...(statistical ? [{ expert: 'statistical' as const, target: statistical.name, why: 'The largest table without a description: profile its values (null and distinct ratios, skew).' }] : []),
    ...semantic.map((t) => ({ expert: 'semantic' as const, target: t.name, why: 'No description yet: what one row is, what its columns mean, which hold personal data.' })),
  ];
  return json({ tasks, done: false });
}

/** The tables of this expert's tasks (schema and table of each target), at most `max`. */
export function targetsOf(c: Conversation, expert: Expert, max: number): { schema: string; table: string }[] {
  const tasks = jsonAfter(c.instruction, TASKS_LABEL);
  const out = new Map<string, { schema: string; table: string }>();
  for (const t of Array.isArray(tasks) ? (tasks as Partial<Task>[]) : []) {
    if (t?.expert !== expert || typeof t.target !== 'string') continue;
    const st = splitTable(t.target);
    if (st) out.set(`${st.schema}.${st.table}`, st);
  }
  return [...out.values()].slice(0, max);
}

/** schema.table (or schema.table.column) → its schema and table; undefined for a name that is not one. */
function splitTable(name: string): { schema: string; table: string } | undefined {
  const parts = name.split('.');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[^\s.>]+$/.test(p))) return undefined;
  return { schema: parts[0]!, table: parts[1]! };
}

interface Reflection {
  catalog: Record<string, unknown>[];
  insights: Record<string, unknown>[];
  questions: string[];
}

const EMPTY: Reflection = { catalog: [], insights: [], questions: [] };

export function expert(c: Conversation, who: Expert): Decision {
  const offered = (name: string) => c.tools.has(name);
  if (who === 'structural') {
    const targets = targetsOf(c, who, 3);
    if (!c.results.length && targets.length) {
      const schemas = [...new Set(targets.map((t) => t.schema))];
      return calls([
        ...targets.filter(() => offered('postgres__schema__table')).map((t) => ({ name: 'postgres__schema__table', args: t })),
        ...schemas.filter(() => offered('postgres__relations__inferred')).map((schema) => ({ name: 'postgres__relations__inferred', args: { schema, minConfidence: 0.7 } })),
      ]);
    }
    return json(structuralReflection(c.results, targets));
  }
  if (who === 'semantic') {
    const targets = targetsOf(c, who, 4);
    if (!c.results.length && targets.length) return calls(targets.filter(() => offered('postgres__schema__table')).map((t) => ({ name: 'postgres__schema__table', args: t })));
    return json(semanticReflection(c.results));
  }
  if (who === 'statistical') {
    const targets = targetsOf(c, who, 2);
    if (!c.results.length && targets.length) return calls(targets.filter(() => offered('postgres__profile__table')).map((t) => ({ name: 'postgres__profile__table', args: t })));
    const profiled = c.results.some((r) => r.name === 'postgres__profile__column');
    const candidates = profiled || !offered('postgres__profile__column') ? [] : lowCardinality(c.results);
    if (candidates.length) return calls(candidates.map((x) => ({ name: 'postgres__profile__column', args: x })));
    return json(statisticalReflection(c.results));
  }
  const targets = targetsOf(c, who, 2);
  if (!c.results.length && targets.length && offered('postgres__query__sql')) {
    return calls(targets.map((t) => ({ name: 'postgres__query__sql', args: { sql: `SELECT count(*) AS row_count FROM ${quoteIdent(t.schema)}.${quoteIdent(t.table)}` } })));
  }
  return json(queryReflection(c.results));
}

const calls = (list: { name: string; args: Record<string, unknown> }[]): Decision => (list.length ? { calls: list } : json(EMPTY));
const quoteIdent = (s: string) => `"${s.replaceAll('"', '""')}"`;

// --- What the tools return (the parts read here) -----------------------------------------------------------------

interface TableDescription {
  schema: string;
  name: string;
  comment: string | null;
  rowEstimate: number | null;
  primaryKey: string[];
  columns: { name: string; type: string; nullable: boolean; comment: string | null }[];
}

interface InferredJoin {
  from: { schema: string; table: string; column: string; type: string };
  to: { schema: string; table: string; column: string; type: string };
  confidence: number;
  declared: boolean;
  evidence: { rule: string; sameType: boolean; sampledValues: number; matchedValues: number; overlap: number };
}

interface TableProfile {
  schema: string;
  table: string;
  rowCount: number;
  rowCountExact: boolean;
  columns: { name: string; type: string; nullRatio: number; distinctCount: number; distinctRatio: number; unique: boolean }[];
}

interface ColumnProfile {
  schema: string;
  table: string;
  column: string;
  type: string;
  family: string;
  nullRatio: number;
  distinctCount: number;
  topShare: number;
}

const shared = <T>(results: ToolResult[], name: string): T[] => results.filter((r) => r.name === name && r.ok && r.shared && r.result && typeof r.result === 'object').map((r) => r.result as T);

// --- Reflections ----------------------------------------------------------------------------------------------------

/** A table's name as one of its rows: order_items → order item, categories → category. */
const singular = (table: string) => table.replaceAll('_', ' ').replace(/ies$/, 'y').replace(/(?<!s)s$/, '');
const pct = (r: number) => `${Math.round(r * 1000) / 10}%`;
const safeId = (s: string) => s.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'x';
const listed = (names: string[], max = 8) => (names.length > max ? `${names.slice(0, max).join(', ')}… (${names.length} in all)` : names.join(', '));
/** A name the catalog takes as one part of schema.table.column (no dots, blanks or '>'). */
const plain = (...names: string[]) => names.every((n) => /^[^\s.>]+$/.test(n));

function structuralReflection(results: ToolResult[], targets: { schema: string; table: string }[]): Reflection {
  const described = shared<TableDescription>(results, 'postgres__schema__table');
  const joins = shared<{ relations?: InferredJoin[] }>(results, 'postgres__relations__inferred').flatMap((r) => r.relations ?? []);
  const isTarget = (schema: string, table: string) => targets.some((t) => t.schema === schema && t.table === table);
  const source = SOURCE('structural expert');
  const catalog: Record<string, unknown>[] = [];
  const insights: Record<string, unknown>[] = [];
  const questions: string[] = [];
  for (const t of described) {
    if (!plain(t.schema, t.name)) continue;
    const own = joins.filter((j) => !j.declared && j.from.schema === t.schema && j.from.table === t.name && plain(j.from.column, j.to.schema, j.to.table, j.to.column));
    const key = t.primaryKey.length ? `primary key ${t.primaryKey.join(', ')}` : 'no primary key';
    const refs = own.map((j) => `${j.from.column} → ${j.to.schema}.${j.to.table}.${j.to.column}`);
    catalog.push({
      id: `table:${t.schema}.${t.name}`,
      description: `${t.comment ? `${t.comment}. ` : ''}${t.columns.length} columns, ${key}${refs.length ? `; refers to other tables through ${refs.join(' and ')} (inferred: no foreign key declares them)` : ''}.`,
      ...(t.primaryKey.length === 1 && { grain: `one row per ${singular(t.name)} (primary key ${t.primaryKey[0]})` }),
      confidence: 0.7,
      source,
      evidence: [`postgres.schema.table: ${t.columns.length} columns, ${key}`],
    });
    for (const j of own) {
      const rel = `relation:${j.from.schema}.${j.from.table}.${j.from.column}->${j.to.schema}.${j.to.table}.${j.to.column}`;
      const found = `postgres.relations.inferred: rule ${j.evidence.rule}, ${j.evidence.sameType ? 'same type' : 'types differ'}, ${j.evidence.matchedValues} of ${j.evidence.sampledValues} sampled values found (overlap ${pct(j.evidence.overlap)})`;
      catalog.push({ id: rel, declared: false, cardinality: 'many-to-one', confidence: Math.min(1, Math.max(0, j.confidence)), source, evidence: [found] });
      catalog.push({ id: `column:${j.from.schema}.${j.from.table}.${j.from.column}`, description: `Refers to ${j.to.schema}.${j.to.table}.${j.to.column} (inferred; no foreign key declares it).`, semanticType: 'identifier', confidence: 0.6, source, evidence: [found] });
    }
    if (own.length && isTarget(t.schema, t.name)) {
      insights.push({
        id: `insight:undeclared-joins-${safeId(`${t.schema}.${t.name}`)}`,
        description: `${t.schema}.${t.name} joins ${own.map((j) => `${j.to.schema}.${j.to.table}`).join(' and ')} by name, type and values, but no foreign key declares ${own.length > 1 ? 'these joins' : 'this join'}: the database does not guarantee them.`,
        severity: 'warning',
        about: own.map((j) => `relation:${j.from.schema}.${j.from.table}.${j.from.column}->${j.to.schema}.${j.to.table}.${j.to.column}`),
        source,
        confidence: 0.7,
      });
      if (!questions.length) {
        const cols = own.map((j) => `${j.from.column} (→ ${j.to.schema}.${j.to.table}.${j.to.column}, ${pct(j.evidence.overlap)} of sampled values match)`);
        questions.push(`${t.schema}.${t.name} has no foreign keys, but ${cols.join(' and ')} look like references. Does every row refer to an existing row there - should foreign keys be declared?`.slice(0, 1000));
      }
    }
  }
  return { catalog: unique(catalog, 100), insights: unique(insights), questions };
}

const PII: { re: RegExp; type: string }[] = [
  { re: /(^|_)e_?mail(_|$)/i, type: 'email address' },
  { re: /(^|_)(phone|mobile|fax)(_|$)/i, type: 'phone number' },
  { re: /(^|_)(birth_?date|date_of_birth|dob|birthday)(_|$)/i, type: 'date of birth' },
  { re: /(^|_)(address|street|zip|postcode|postal_code)(_|$)/i, type: 'postal address' },
  { re: /(^|_)(ssn|passport|iban|tax_id|national_id)(_|$)/i, type: 'personal identifier' },
  { re: /^(first_|last_|full_)?name$/i, type: 'person name' },
];
const PEOPLE = /(customer|user|person|people|employee|contact|member|patient|client)/i;

function semanticReflection(results: ToolResult[]): Reflection {
  const source = SOURCE('semantic expert');
  const catalog: Record<string, unknown>[] = [];
  const insights: Record<string, unknown>[] = [];
  for (const t of shared<TableDescription>(results, 'postgres__schema__table')) {
    if (!plain(t.schema, t.name)) continue;
    const table = `table:${t.schema}.${t.name}`;
    const names = t.columns.map((c) => c.name);
    const wide = t.columns.length >= 50;
    catalog.push({
      id: table,
      description: `${t.comment ?? `${t.name.replaceAll('_', ' ')}`}: ${t.columns.length} columns (${listed(names)})${wide ? ', a wide table' : ''}.`,
      ...(t.primaryKey.length === 1 && { grain: `one row per ${singular(t.name)} (primary key ${t.primaryKey[0]})` }),
      ...(wide && { tags: ['wide'] }),
      confidence: 0.6,
      source,
      evidence: [`postgres.schema.table: ${t.comment ? 'commented, ' : 'no comment, '}${t.columns.length} columns${t.primaryKey.length ? `, primary key ${t.primaryKey.join(', ')}` : ''}`],
    });
    const personal: string[] = [];
    for (const col of t.columns) {
      if (!plain(col.name)) continue;
      const hit = PII.find((p) => p.re.test(col.name) && (p.type !== 'person name' || PEOPLE.test(t.name)));
      if (!hit) continue;
      const id = `column:${t.schema}.${t.name}.${col.name}`;
      if (!col.comment) personal.push(id);
      catalog.push({
        id,
        description: col.comment ?? `${hit.type[0]!.toUpperCase()}${hit.type.slice(1)} (personal data, judging by its name and type ${col.type}).`,
        semanticType: hit.type,
        pii: true,
        tags: ['pii'],
        confidence: 0.6,
        source,
        evidence: [`postgres.schema.table: column ${col.name} ${col.type}${col.nullable ? ', nullable' : ''}${col.comment ? ', commented' : ', no comment'}`],
      });
    }
    if (personal.length) {
      insights.push({
        id: `insight:pii-uncommented-${safeId(`${t.schema}.${t.name}`)}`,
        description: `${t.schema}.${t.name} has columns that look like personal data and carry no comment: ${personal.map((p) => p.split('.').pop()).join(', ')}. Say what they hold and who may read them.`,
        severity: 'warning',
        about: personal,
        source,
        confidence: 0.6,
      });
    }
    if (t.primaryKey.length === 1) {
      catalog.push({ id: `glossary:${singular(t.name)}`, description: `One row of ${t.schema}.${t.name}${t.comment ? ` (${t.comment})` : ''}.`, refersTo: [table], confidence: 0.5, source });
    }
  }
  return { catalog: unique(catalog, 100), insights: unique(insights), questions: [] };
}

/** Columns worth a column profile: few distinct values in the sample, not unique (at most 2 a table, 3 in all). */
function lowCardinality(results: ToolResult[]): { schema: string; table: string; column: string }[] {
  const out: { schema: string; table: string; column: string }[] = [];
  for (const p of shared<TableProfile>(results, 'postgres__profile__table')) {
    const picks = p.columns.filter((c) => !c.unique && c.distinctCount >= 2 && c.distinctCount <= 20 && c.distinctRatio <= 0.05).sort((a, b) => a.distinctCount - b.distinctCount || a.name.localeCompare(b.name));
    out.push(...picks.slice(0, 2).map((c) => ({ schema: p.schema, table: p.table, column: c.name })));
  }
  return out.slice(0, 3);
}

function statisticalReflection(results: ToolResult[]): Reflection {
  const source = SOURCE('statistical expert');
  const catalog: Record<string, unknown>[] = [];
  const insights: Record<string, unknown>[] = [];
  for (const p of shared<TableProfile>(results, 'postgres__profile__table')) {
    if (!plain(p.schema, p.table)) continue;
    const uniq = p.columns.filter((c) => c.unique).map((c) => c.name);
    const nulls = p.columns.filter((c) => c.nullRatio > 0).map((c) => `${c.name} ${pct(c.nullRatio)}`);
    catalog.push({
      id: `table:${p.schema}.${p.table}`,
      description: `${p.rowCount} rows${p.rowCountExact ? '' : ' (estimated)'}, ${p.columns.length} columns; unique in the sample: ${uniq.length ? listed(uniq) : 'none'}; nulls: ${nulls.length ? listed(nulls) : 'none'}.`,
      confidence: 0.7,
      source,
      evidence: [`postgres.profile.table: ${p.rowCount} rows${p.rowCountExact ? ' (exact)' : ' (estimate)'}, ${p.columns.length} columns profiled`],
    });
  }
  for (const col of shared<ColumnProfile>(results, 'postgres__profile__column')) {
    if (!plain(col.schema, col.table, col.column)) continue;
    const id = `column:${col.schema}.${col.table}.${col.column}`;
    const skewed = col.topShare >= 0.5;
    catalog.push({
      id,
      description: `${col.distinctCount} distinct values in the sample; the most frequent one holds ${pct(col.topShare)} of the rows${col.nullRatio > 0 ? `; ${pct(col.nullRatio)} null` : ''}.`,
      ...(col.family === 'text' && { semanticType: 'category code' }),
      ...(skewed && { tags: ['skewed'] }),
      confidence: 0.7,
      source,
      evidence: [`postgres.profile.column: ${col.distinctCount} distinct, top share ${pct(col.topShare)}, null ratio ${pct(col.nullRatio)}`],
    });
    if (skewed) {
      insights.push({
        id: `insight:skew-${safeId(`${col.table}.${col.column}`)}`,
        description: `One value of ${col.schema}.${col.table}.${col.column} holds ${pct(col.topShare)} of the sampled rows: counts and averages per value are uneven, and an index on it helps little for that value.`,
        severity: 'notice',
        about: [id],
        source,
        confidence: 0.7,
      });
    }
  }
  return { catalog: unique(catalog, 100), insights: unique(insights), questions: [] };
}

function queryReflection(results: ToolResult[]): Reflection {
  const source = SOURCE('query expert');
  const insights: Record<string, unknown>[] = [];
  for (const r of results) {
    if (r.name !== 'postgres__query__sql' || !r.ok || !r.shared) continue;
    const count = Number((r.result as { rows?: unknown[][] }).rows?.[0]?.[0]);
    const table = /FROM "([^"]+)"\."([^"]+)"/.exec(String(r.args.sql ?? ''));
    if (!table || !Number.isFinite(count) || !plain(table[1]!, table[2]!)) continue;
    insights.push({ id: `insight:row-count-${safeId(`${table[1]}.${table[2]}`)}`, description: `${table[1]}.${table[2]} holds ${count} rows (counted with read-only SQL).`, severity: 'info', about: [`table:${table[1]}.${table[2]}`], source, confidence: 1 });
  }
  return { catalog: [], insights: unique(insights), questions: [] };
}

/** The first entry of each id (an upsert refuses an id given twice). */
function unique(entries: Record<string, unknown>[], max = 20): Record<string, unknown>[] {
  const seen = new Set<string>();
  return entries.filter((e) => !seen.has(e.id as string) && seen.add(e.id as string)).slice(0, max);
}
