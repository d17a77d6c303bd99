import { ToolError, type JsonSchema, type PluginRecord, type PluginRecords, type ToolContext } from '../../../../src/plugins/plugin-api.js';

/**
 * The catalog of a database: what its tables, columns and relations mean, a glossary and insights, kept in Steward's
 * store per environment through ctx.records (collection = the entry's kind, key = its name, encoded) with every
 * version in history. An entry's id is `<kind>:<name>`: `table:public.orders`, `column:public.orders.customer_id`,
 * `relation:public.orders.customer_id->public.customers.id`, `glossary:net revenue`, `insight:orders-skew`.
 */

export const KINDS = ['table', 'column', 'relation', 'glossary', 'insight'] as const;
export type Kind = (typeof KINDS)[number];

/** The name of an entry of each kind, and what it looks like. */
const NAME_RULES: Record<Kind, { re: RegExp; looks: string }> = {
  table: { re: /^[^.\s]+\.[^.\s]+$/, looks: 'schema.table' },
  column: { re: /^[^.\s]+\.[^.\s]+\.[^.\s]+$/, looks: 'schema.table.column' },
  relation: { re: /^[^.\s>]+(\.[^.\s>]+){1,2}->[^.\s>]+(\.[^.\s>]+){1,2}$/, looks: 'schema.table.column->schema.table.column (or table->table)' },
  glossary: { re: /^\S(.*\S)?$/, looks: 'a term' },
  insight: { re: /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, looks: 'letters, digits, _ . -' },
};

/** Fields only some kinds take (every kind takes the common ones). */
export const KIND_FIELDS: Record<string, Kind[]> = {
  grain: ['table'],
  semanticType: ['column'],
  pii: ['column'],
  cardinality: ['relation'],
  declared: ['relation'],
  synonyms: ['glossary'],
  refersTo: ['glossary'],
  severity: ['insight'],
  about: ['insight'],
};

/** Every field an entry's value may have, in a stable order (plans and merges walk them in it). */
export const FIELDS = ['description', 'tags', 'confidence', 'source', 'evidence', ...Object.keys(KIND_FIELDS)] as const;
/** Fields that are lists: a merge takes the union. */
const LIST_FIELDS = new Set(['tags', 'evidence', 'synonyms', 'refersTo', 'about']);

const ENTRY_ID = '^(table|column|relation|glossary|insight):\\S(.*\\S)?$';
const idRef: JsonSchema = { type: 'string', minLength: 3, maxLength: 300, pattern: ENTRY_ID };
const texts = (max: number, itemMax: number, description: string): JsonSchema => ({ type: 'array', maxItems: max, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: itemMax }, description });

/** The fields of an entry (its value), closed: what an upsert takes and a read returns. */
export const fieldSchemas: Record<(typeof FIELDS)[number], JsonSchema> = {
  description: { type: 'string', minLength: 1, maxLength: 4000, description: 'What it is and means, in words a person reads.' },
  tags: texts(20, 50, 'Short labels: pii, fact, dimension, deprecated…'),
  confidence: { type: 'number', minimum: 0, maximum: 1, description: 'How sure the writer is, 0 to 1.' },
  source: { type: 'string', minLength: 1, maxLength: 200, description: 'Who found it: the expert (structural, statistical, semantic, query), a person, a run.' },
  evidence: texts(20, 1000, 'What it rests on: tool calls and what they showed (no personal data values).'),
  grain: { type: 'string', minLength: 1, maxLength: 500, description: 'table only: what one row is ("one order line").' },
  semanticType: { type: 'string', minLength: 1, maxLength: 100, description: 'column only: what the values are (identifier, email, currency amount, status code, timestamp…).' },
  pii: { type: 'boolean', description: 'column only: holds personal data.' },
  cardinality: { enum: ['one-to-one', 'many-to-one', 'one-to-many', 'many-to-many'], description: 'relation only: from the first side to the second.' },
  declared: { type: 'boolean', description: 'relation only: a foreign key declares it (false: inferred).' },
  synonyms: texts(20, 100, 'glossary only: other words for the term.'),
  refersTo: { type: 'array', maxItems: 50, uniqueItems: true, items: idRef, description: 'glossary only: the entries the term maps to (table:…, column:…).' },
  severity: { enum: ['info', 'notice', 'warning'], description: 'insight only: how much it matters.' },
  about: { type: 'array', maxItems: 50, uniqueItems: true, items: idRef, description: 'insight only: the entries it is about.' },
};

export const entryIdIn: JsonSchema = { ...idRef, description: '<kind>:<name> - table:schema.table, column:schema.table.column, relation:<from>-><to>, glossary:<term>, insight:<id>.' };

/** One entry as an upsert takes it. */
export const entryIn: JsonSchema = { type: 'object', additionalProperties: false, required: ['id'], properties: { id: entryIdIn, ...fieldSchemas } };

/** One entry as the tools return it: its fields, its version and who wrote it last. */
export const entryOut: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind', 'name', 'version', 'updatedAt', 'runId', 'stepKey'],
  properties: {
    id: { type: 'string' },
    kind: { enum: [...KINDS] },
    name: { type: 'string' },
    ...fieldSchemas,
    mergedFrom: { type: 'array', items: { type: 'string' }, description: 'Entries merged into this one (each deleted, its history kept).' },
    version: { type: 'integer' },
    updatedAt: { type: 'string' },
    runId: { type: ['string', 'null'] },
    stepKey: { type: ['string', 'null'] },
  },
};

export type Fields = Partial<Record<(typeof FIELDS)[number], unknown>> & { mergedFrom?: string[] };
export interface EntryIn extends Fields {
  id: string;
}
/** What is stored as a record's value. */
export interface StoredEntry extends Fields {
  id: string;
  kind: Kind;
  name: string;
}
export type EntryOut = StoredEntry & { version: number; updatedAt: string; runId: string | null; stepKey: string | null };

export interface ParsedId {
  id: string;
  kind: Kind;
  name: string;
  /** The record key: the name with every character the store does not take written as @XX (UTF-8 bytes). */
  key: string;
}

const PLAIN = /[A-Za-z0-9_.:/-]/;
export function encodeKey(name: string): string {
  let out = '';
  for (const ch of name) out += PLAIN.test(ch) && !(out === '' && !/[A-Za-z0-9]/.test(ch)) ? ch : [...Buffer.from(ch, 'utf8')].map((b) => `@${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  return out;
}
/** Splits and checks `<kind>:<name>`; CATALOG_ID_INVALID names what is wrong. */
export function parseId(id: string): ParsedId {
  const at = id.indexOf(':');
  const kind = id.slice(0, at) as Kind;
  const name = id.slice(at + 1);
  if (at < 0 || !KINDS.includes(kind)) throw new ToolError('CATALOG_ID_INVALID', `catalog id "${id}" must start with one of ${KINDS.map((k) => `${k}:`).join(', ')}`);
  const rule = NAME_RULES[kind];
  if (!rule.re.test(name)) throw new ToolError('CATALOG_ID_INVALID', `catalog id "${id}": a ${kind} is named ${rule.looks}`);
  const key = encodeKey(name);
  if (key.length > 200) throw new ToolError('CATALOG_ID_INVALID', `catalog id "${id}" is too long (at most about 200 characters)`);
  return { id, kind, name, key };
}

/** CATALOG_FIELD_INVALID when a field belongs to another kind. */
export function checkFields(kind: Kind, fields: Fields, id: string): void {
  for (const f of Object.keys(fields)) {
    const only = KIND_FIELDS[f];
    if (only && !only.includes(kind)) throw new ToolError('CATALOG_FIELD_INVALID', `${id}: field "${f}" is for ${only.join(', ')} entries, not ${kind}`);
  }
}

export function recordsOf(ctx: ToolContext): PluginRecords {
  if (!ctx.records) throw new ToolError('CATALOG_UNAVAILABLE', 'the catalog is kept in Steward\'s store, and this host has none');
  return ctx.records();
}

export function toEntry(r: PluginRecord): EntryOut {
  return { ...(r.value as StoredEntry), version: r.version, updatedAt: r.updatedAt, runId: r.runId, stepKey: r.stepKey };
}

export async function readEntry(records: PluginRecords, p: ParsedId): Promise<PluginRecord | undefined> {
  return records.get(p.kind, p.key);
}

/** The fields of a stored entry, without its identity. */
export function fieldsOf(e: StoredEntry | undefined): Fields {
  if (!e) return {};
  const out: Fields = {};
  for (const f of [...FIELDS, 'mergedFrom'] as const) if (e[f] !== undefined) out[f] = e[f] as never;
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Field by field, what differs between two sets of fields (absent on either side: set or cleared). */
export function changedFields(before: Fields, after: Fields): { field: string; before?: unknown; after?: unknown }[] {
  const out: { field: string; before?: unknown; after?: unknown }[] = [];
  for (const f of [...FIELDS, 'mergedFrom'] as const) {
    if (same(before[f], after[f])) continue;
    out.push({ field: f, ...(before[f] !== undefined && { before: before[f] }), ...(after[f] !== undefined && { after: after[f] }) });
  }
  return out;
}

/** Combines two entries' fields: `into` wins for single values it has, lists are unioned, confidence is the higher. */
export function mergeFields(into: Fields, from: Fields): Fields {
  const out: Fields = { ...into };
  for (const f of FIELDS) {
    const a = into[f];
    const b = from[f];
    if (b === undefined) continue;
    if (a === undefined) out[f] = b;
    else if (LIST_FIELDS.has(f)) out[f] = [...new Set([...(a as string[]), ...(b as string[])])];
    else if (f === 'confidence') out[f] = Math.max(a as number, b as number);
  }
  return out;
}

/** Writes `value` unless another write came between the read and this one (then the caller reads again). */
export async function writeIfUnchanged(records: PluginRecords, p: ParsedId, value: StoredEntry, readVersion: number): Promise<PluginRecord | 'conflict'> {
  try {
    return await records.put(p.kind, p.key, value, { expectVersion: readVersion });
  } catch (e) {
    if (ToolError.is(e) && e.code === 'RECORD_CONFLICT') return 'conflict';
    throw e;
  }
}
