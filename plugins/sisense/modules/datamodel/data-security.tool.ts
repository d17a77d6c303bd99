import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { asArray } from '../../shared/errors.js';
import { arrayOf, datamodelRef, nullableString, objectOut } from '../../shared/schemas.js';
import { cubePaths } from './datamodel.schema.js';

interface Rule {
  table: string;
  column: string;
  datatype: string | null;
  members: string[];
  allMembers: boolean;
  exclusionary: boolean;
  appliesTo: Array<{ type: string; id: string | null; name: string | null }>;
}

/** Row-level security rules of a model. */
export const dataSecurity = (deps: SisenseDeps) =>
  defineTool<{ datamodel: string; table?: string }, { datamodel: { oid: string; title: string }; count: number; rules: Rule[] }>({
    id: 'sisense.datamodel.data-security',
    title: 'Get the data security of a data model',
    description:
      'Lists the row-level data security rules of a data model (oid or title): per table and column, the values (members) each user or group may see, ' +
      'whether the rule allows every value (allMembers) or excludes the listed ones (exclusionary), and who it applies to (users by email, groups by name, "default" for everyone else). ' +
      'Optional table filter. Needs an administrator or data admin token.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['datamodel'],
      properties: { datamodel: datamodelRef, table: { type: 'string', minLength: 1, maxLength: 200, description: 'Only rules on this table.' } },
    },
    outputSchema: objectOut({
      datamodel: objectOut({ oid: { type: 'string' }, title: { type: 'string' } }),
      count: { type: 'integer' },
      rules: arrayOf(
        objectOut({
          table: { type: 'string' },
          column: { type: 'string' },
          datatype: nullableString,
          members: arrayOf({ type: 'string' }),
          allMembers: { type: 'boolean' },
          exclusionary: { type: 'boolean' },
          appliesTo: arrayOf(objectOut({ type: { type: 'string' }, id: nullableString, name: nullableString })),
        }),
      ),
    }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'Data security of a model', input: { datamodel: 'Retail Sales' } }],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const model = await deps.resolveDatamodel(client, input.datamodel);
        const raw = asArray<Record<string, unknown>>(await client.get(cubePaths(model).dataSecurity), 'data security rules');
        const parties = raw.flatMap((r) => (Array.isArray(r.shares) ? (r.shares as Array<Record<string, unknown>>) : []));
        const dir = parties.every((p) => p.type === 'default' || typeof p.partyName === 'string') ? undefined : await deps.loadDirectory(client);
        const rules = raw
          .filter((r) => !input.table || r.table === input.table)
          .map((r) => ({
            table: String(r.table ?? ''),
            column: String(r.column ?? ''),
            datatype: typeof r.datatype === 'string' ? r.datatype : null,
            members: (Array.isArray(r.members) ? r.members : []).map(String),
            allMembers: r.allMembers === true,
            exclusionary: r.exclusionary === true,
            appliesTo: (Array.isArray(r.shares) ? (r.shares as Array<Record<string, unknown>>) : []).map((s) => {
              const id = typeof s.party === 'string' ? s.party : null;
              const known = s.type === 'group' ? dir?.groupById.get(id ?? '')?.name : s.type === 'user' ? dir?.userById.get(id ?? '')?.email : s.type === 'default' ? 'everyone else' : undefined;
              const name = typeof s.partyName === 'string' ? s.partyName : known;
              return { type: String(s.type ?? 'unknown'), id, name: name ?? null };
            }),
          }));
        return { datamodel: { oid: model.oid, title: model.title }, count: rules.length, rules };
      }),
  });
