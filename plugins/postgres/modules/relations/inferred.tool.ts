import { defineTool, type JsonSchema } from '../../../../src/plugins/plugin-api.js';
import { listConstraints } from '../../shared/catalog.js';
import type { PgDeps } from '../../shared/deps.js';
import { arrayOf, bool, int, objectOut, schemaFilter, str } from '../../shared/schemas.js';
import { confidence, nameCandidates, overlap, readColumns } from './inference.js';

interface Input {
  schema?: string;
  minConfidence: number;
  sampleValues: number;
  maxCandidates: number;
  includeDeclared: boolean;
}

interface InferredRelation {
  from: { schema: string; table: string; column: string; type: string };
  to: { schema: string; table: string; column: string; type: string };
  confidence: number;
  declared: boolean;
  evidence: { rule: string; nameScore: number; sameType: boolean; sampledValues: number; matchedValues: number; overlap: number };
}

const end: JsonSchema = objectOut({ schema: str, table: str, column: str, type: str });

export const inferred = (deps: PgDeps) =>
  defineTool<Input, { relations: InferredRelation[]; checked: { columns: number; candidates: number } }>({
    id: 'postgres.relations.inferred',
    title: 'Inferred joins',
    description:
      'Finds joins the database does not declare: a column named <thing>_id (or <thing>Id) whose type matches a primary or unique key of the table of things (customer_id → customers.id), or a ' +
      'column named like another table\'s key; each candidate is confirmed on values - the share of a sample of its distinct values found in the key column. confidence (0..1) weighs the name ' +
      'rule (0.4), the type (0.1) and the overlap (0.5). Declared foreign keys are left out unless includeDeclared. Returns names and ratios, no values.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        schema: { ...schemaFilter, description: 'Only columns of this schema (their targets may be anywhere).' },
        minConfidence: { type: 'number', minimum: 0, maximum: 1, default: 0.5, description: 'Leave out candidates below this confidence.' },
        sampleValues: { type: 'integer', minimum: 10, maximum: 100_000, default: 1000, description: 'Distinct values of each candidate column compared with the key.' },
        maxCandidates: { type: 'integer', minimum: 1, maximum: 5000, default: 200, description: 'Most candidates confirmed on values (the best names first).' },
        includeDeclared: { type: 'boolean', default: false, description: 'Also list joins a foreign key already declares (declared: true).' },
      },
    },
    outputSchema: objectOut({
      relations: arrayOf(
        objectOut({
          from: end,
          to: end,
          confidence: { type: 'number' },
          declared: bool,
          evidence: objectOut({ rule: str, nameScore: { type: 'number' }, sameType: bool, sampledValues: int, matchedValues: int, overlap: { type: 'number' } }),
        }),
      ),
      checked: objectOut({ columns: int, candidates: int }),
    }),
    effect: 'read',
    idempotent: true,
    examples: [
      { title: 'Joins worth declaring in the shop schema', input: { schema: 'shop', minConfidence: 0.7, sampleValues: 1000, maxCandidates: 200, includeDeclared: false } },
      { title: 'Every candidate, declared ones too', input: { minConfidence: 0, sampleValues: 500, maxCandidates: 500, includeDeclared: true } },
    ],
    handler: (input, ctx) =>
      deps.read(ctx, async (s) => {
        const { columns, keys } = await readColumns(s, input.schema);
        const fks = await listConstraints(s, input.schema ? { schema: input.schema } : {}, ['foreign key']);
        const isDeclared = (schema: string, table: string, column: string, to: { schema: string; table: string; column: string }) =>
          fks.some((f) => f.schema === schema && f.table === table && f.columns.length === 1 && f.columns[0] === column && f.references?.schema === to.schema && f.references.table === to.table && f.references.columns[0] === to.column);
        const candidates = nameCandidates(columns, keys)
          .map((c) => ({ ...c, declared: isDeclared(c.from.schema, c.from.table, c.from.column, c.to) }))
          .filter((c) => input.includeDeclared || !c.declared)
          .sort((a, b) => b.nameScore - a.nameScore)
          .slice(0, input.maxCandidates);
        const relations: InferredRelation[] = [];
        for (const [i, c] of candidates.entries()) {
          if (ctx.signal.aborted) break;
          ctx.progress({ progress: i, total: candidates.length, message: `${c.from.table}.${c.from.column} → ${c.to.table}.${c.to.column}` });
          const o = await overlap(s, c, input.sampleValues);
          const score = confidence(c, o);
          if (score < input.minConfidence) continue;
          const side = (x: typeof c.from) => ({ schema: x.schema, table: x.table, column: x.column, type: x.type });
          relations.push({
            from: side(c.from),
            to: side(c.to),
            confidence: score,
            declared: c.declared,
            evidence: { rule: c.rule, nameScore: c.nameScore, sameType: c.sameType, sampledValues: o.sampled, matchedValues: o.matched, overlap: o.sampled ? Math.round((o.matched / o.sampled) * 10000) / 10000 : 0 },
          });
        }
        relations.sort((a, b) => b.confidence - a.confidence || `${a.from.schema}.${a.from.table}.${a.from.column}`.localeCompare(`${b.from.schema}.${b.from.table}.${b.from.column}`));
        return { relations, checked: { columns: columns.length, candidates: candidates.length } };
      }),
  });
