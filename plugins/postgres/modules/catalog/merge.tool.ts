import { defineTool, ToolError, type PlannedChange, type PluginRecords } from '../../../../src/plugins/plugin-api.js';
import { changedFields, entryIdIn, entryOut, fieldsOf, mergeFields, parseId, readEntry, recordsOf, toEntry, writeIfUnchanged, type EntryOut, type ParsedId, type StoredEntry } from './catalog.entries.js';

interface Input {
  from: string;
  into: string;
}

/** What merging would do, read now. */
async function diff(records: PluginRecords, input: Input) {
  const from = parseId(input.from);
  const into = parseId(input.into);
  if (from.kind !== into.kind) throw new ToolError('CATALOG_KIND_MISMATCH', `${from.id} and ${into.id} are of different kinds; only entries of one kind merge`);
  if (from.id === into.id) throw new ToolError('CATALOG_ID_INVALID', `from and into are both ${from.id}`);
  const [a, b] = await Promise.all([readEntry(records, from), readEntry(records, into)]);
  const target = fieldsOf(b?.value as StoredEntry | undefined);
  if (!a) {
    if (target.mergedFrom?.includes(from.id)) return { from, into, done: true as const, intoRecord: b! };
    throw new ToolError('CATALOG_ENTRY_NOT_FOUND', `no catalog entry ${from.id} to merge`);
  }
  const source = fieldsOf(a.value as StoredEntry);
  const merged = mergeFields(target, source);
  merged.mergedFrom = [...new Set([...(target.mergedFrom ?? []), from.id, ...(source.mergedFrom ?? [])])];
  const fields = changedFields(target, merged);
  const changes: PlannedChange[] = [
    { action: b ? 'update' : 'create', target: into.id, kind: `catalog ${into.kind}`, fields },
    { action: 'delete', target: from.id, kind: `catalog ${from.kind}`, detail: `merged into ${into.id}; its history is kept` },
  ];
  return { from, into, done: false as const, intoVersion: b?.version ?? 0, value: { id: into.id, kind: into.kind, name: into.name, ...merged } as StoredEntry, changes };
}

export const merge = () =>
  defineTool<Input, { entry: EntryOut; merged: boolean }>({
    id: 'postgres.catalog.merge',
    title: 'Merge two catalog entries',
    description:
      'Merges the entry `from` into the entry `into` (one kind, e.g. two glossary terms for one thing): into keeps its own single values (description, grain, semanticType…) and takes from\'s where it has none; ' +
      'lists (tags, evidence, synonyms, refersTo, about) are joined; confidence is the higher; into.mergedFrom names from. Then from is deleted (its history kept). into need not exist (a rename). ' +
      'Merging again is a no-op (merged: false). The dry run shows into\'s fields before → after and the deletion.',
    inputSchema: { type: 'object', additionalProperties: false, required: ['from', 'into'], properties: { from: entryIdIn, into: entryIdIn } },
    outputSchema: { type: 'object', additionalProperties: false, required: ['entry', 'merged'], properties: { entry: entryOut, merged: { type: 'boolean' } } },
    effect: 'write',
    idempotent: true,
    examples: [{ title: 'Two words for one idea', input: { from: 'glossary:turnover', into: 'glossary:net revenue' } }],
    plan: async (input, ctx) => {
      const d = await diff(recordsOf(ctx), input);
      if (d.done) return { summary: `catalog: ${d.from.id} is already merged into ${d.into.id}`, changes: [{ action: 'skip', target: d.into.id, kind: `catalog ${d.into.kind}`, reason: 'already merged' }] };
      return { summary: `catalog: merge ${d.from.id} into ${d.into.id}`, changes: d.changes };
    },
    handler: async (input, ctx) => {
      const records = recordsOf(ctx);
      for (let attempt = 1; attempt <= 5; attempt++) {
        const d = await diff(records, input);
        if (d.done) return { entry: toEntry(d.intoRecord), merged: false };
        const saved = await writeIfUnchanged(records, d.into as ParsedId, d.value, d.intoVersion);
        if (saved === 'conflict') continue;
        await records.delete(d.from.kind, d.from.key);
        return { entry: toEntry(saved), merged: true };
      }
      throw new ToolError('CATALOG_CONFLICT', `${input.into} kept changing while it was merged; try again`);
    },
  });
