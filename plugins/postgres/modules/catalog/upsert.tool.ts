import { defineTool, ToolError, type PlannedChange, type PluginRecords } from '../../../../src/plugins/plugin-api.js';
import { changedFields, checkFields, entryIn, fieldsOf, parseId, recordsOf, readEntry, writeIfUnchanged, type EntryIn, type Fields, type ParsedId, type StoredEntry } from './catalog.entries.js';

interface Input {
  entries: EntryIn[];
  replace: boolean;
}
type Action = 'created' | 'updated' | 'unchanged';
interface Result {
  asset: string;
  kind: string;
  status: 'succeeded' | 'skipped';
  action: Action;
  version: number;
  fields: string[];
}

/** What writing one entry would do, read now: its next value and the change, or nothing to do. */
async function diff(records: PluginRecords, p: ParsedId, given: Fields, replace: boolean) {
  const current = await readEntry(records, p);
  const before = fieldsOf(current?.value as StoredEntry | undefined);
  const after: Fields = replace ? { ...given, ...(before.mergedFrom && { mergedFrom: before.mergedFrom }) } : { ...before, ...given };
  const fields = changedFields(before, after);
  const change: PlannedChange = !current
    ? { action: 'create', target: p.id, kind: `catalog ${p.kind}`, fields }
    : fields.length
      ? { action: 'update', target: p.id, kind: `catalog ${p.kind}`, fields }
      : { action: 'skip', target: p.id, kind: `catalog ${p.kind}`, reason: 'already as given' };
  return { current, value: { id: p.id, kind: p.kind, name: p.name, ...after } as StoredEntry, change };
}

function parse(input: Input): { p: ParsedId; given: Fields }[] {
  const seen = new Set<string>();
  return input.entries.map(({ id, ...given }) => {
    const p = parseId(id);
    checkFields(p.kind, given, id);
    if (seen.has(p.id)) throw new ToolError('CATALOG_ID_INVALID', `${id} is given twice: give each entry once`);
    seen.add(p.id);
    return { p, given };
  });
}

export const upsert = () =>
  defineTool<Input, { results: Result[]; created: number; updated: number; unchanged: number }>({
    id: 'postgres.catalog.upsert',
    title: 'Write catalog entries',
    description:
      'Creates or updates entries of the database\'s catalog (kept in Steward per environment, every version in history). id is <kind>:<name>: table:schema.table, column:schema.table.column, ' +
      'relation:<from>-><to> (schema.table.column->schema.table.column), glossary:<term>, insight:<id>. Fields given replace those fields; fields not given are kept (replace: true makes the entry exactly what is given). ' +
      'Each kind takes the common fields (description, tags, confidence, source, evidence) and its own (table: grain; column: semanticType, pii; relation: cardinality, declared; glossary: synonyms, refersTo; insight: severity, about). ' +
      'An entry already as given is left alone (no new version). The dry run lists create / update (each field before → after) / skip.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['entries'],
      properties: {
        entries: { type: 'array', minItems: 1, maxItems: 100, items: entryIn, description: 'The entries to write, each id at most once.' },
        replace: { type: 'boolean', default: false, description: 'true: each entry becomes exactly the fields given (others cleared).' },
      },
    },
    outputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['results', 'created', 'updated', 'unchanged'],
      properties: {
        results: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['asset', 'kind', 'status', 'action', 'version', 'fields'],
            properties: { asset: { type: 'string' }, kind: { type: 'string' }, status: { enum: ['succeeded', 'skipped'] }, action: { enum: ['created', 'updated', 'unchanged'] }, version: { type: 'integer' }, fields: { type: 'array', items: { type: 'string' } } },
          },
        },
        created: { type: 'integer' },
        updated: { type: 'integer' },
        unchanged: { type: 'integer' },
      },
    },
    effect: 'write',
    idempotent: true,
    examples: [
      {
        title: 'Describe a table and one of its columns',
        input: {
          entries: [
            { id: 'table:shop.orders', description: 'Orders placed in the web shop', grain: 'one order', tags: ['fact'], source: 'structural', confidence: 0.9 },
            { id: 'column:shop.customers.email', description: 'Customer email address', semanticType: 'email', pii: true, tags: ['pii'], source: 'semantic' },
          ],
          replace: false,
        },
      },
      { title: 'Record an inferred join', input: { entries: [{ id: 'relation:shop.order_items.product_id->shop.products.id', declared: false, cardinality: 'many-to-one', confidence: 0.8, evidence: ['98% of sampled product_id values are products.id values'] }], replace: false } },
    ],
    plan: async (input, ctx) => {
      const records = recordsOf(ctx);
      const changes = await Promise.all(parse(input).map(async ({ p, given }) => (await diff(records, p, given, input.replace)).change));
      const n = (a: string) => changes.filter((c) => c.action === a).length;
      return { summary: `catalog: ${n('create')} to create, ${n('update')} to update, ${n('skip')} unchanged`, changes };
    },
    handler: async (input, ctx) => {
      const records = recordsOf(ctx);
      const results: Result[] = [];
      for (const { p, given } of parse(input)) {
        for (let attempt = 1; ; attempt++) {
          const d = await diff(records, p, given, input.replace);
          const fields = (d.change.fields ?? []).map((f) => f.field);
          if (d.change.action === 'skip') {
            results.push({ asset: p.id, kind: p.kind, status: 'skipped', action: 'unchanged', version: d.current!.version, fields });
            break;
          }
          const saved = await writeIfUnchanged(records, p, d.value, d.current?.version ?? 0);
          if (saved === 'conflict' && attempt < 5) continue;
          if (saved === 'conflict') throw new ToolError('CATALOG_CONFLICT', `${p.id} kept changing while it was written; try again`);
          results.push({ asset: p.id, kind: p.kind, status: 'succeeded', action: d.current ? 'updated' : 'created', version: saved.version, fields });
          break;
        }
      }
      const n = (a: Action) => results.filter((r) => r.action === a).length;
      return { results, created: n('created'), updated: n('updated'), unchanged: n('unchanged') };
    },
  });
