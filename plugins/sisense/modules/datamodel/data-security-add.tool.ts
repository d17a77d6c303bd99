import { defineTool, ToolError, type PlannedChange } from '../../../../src/plugins/plugin-api.js';
import type { SisenseClient } from '../../client/sisense.client.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { resolveParty } from '../../shared/party.js';
import { change, dryRun, label, plan, refuseFailures } from '../../shared/plan.js';
import { datamodelRef, objectOut } from '../../shared/schemas.js';
import { cubePaths, readSchema } from './datamodel.schema.js';
import { readRules, type RuleShare } from './datamodel.access.js';

interface RuleInput {
  user?: string;
  group?: string;
  everyoneElse?: boolean;
  members?: string[];
  allMembers?: boolean;
  exclusionary?: boolean;
}

interface Input {
  datamodel: string;
  table: string;
  column: string;
  rules: RuleInput[];
}

type Obj = Record<string, unknown>;
const DATATYPE: Record<number, string> = { 4: 'datetime', 31: 'datetime', 18: 'text', 3: 'text' };

async function prepare(deps: SisenseDeps, client: SisenseClient, input: Input) {
  const model = await deps.resolveDatamodel(client, input.datamodel);
  const schema = await readSchema(client, model.oid);
  const tables = (Array.isArray(schema.datasets) ? (schema.datasets as Obj[]) : []).flatMap((ds) => ((ds.schema as Obj | undefined)?.tables ?? []) as Obj[]);
  const col = tables.find((t) => t.name === input.table)?.columns as Obj[] | undefined;
  const column = col?.find((c) => c.name === input.column);
  const where = `${label.datamodel(model)} ${input.table}.${input.column}`;
  if (!column) return { model, rules: [], changes: [change('fail', where, `the model has no column ${input.table}.${input.column}`)] };
  const datatype = typeof column.type === 'number' ? (DATATYPE[column.type] ?? 'numeric') : 'text';
  const existing = (await readRules(client, model)).filter((r) => r.table === input.table && r.column === input.column);
  const taken = new Set(existing.flatMap((r) => (Array.isArray(r.shares) ? (r.shares as RuleShare[]) : []).map((s) => (s.type === 'default' ? 'default' : String(s.party)))));
  const rules: Obj[] = [];
  const changes: PlannedChange[] = [];
  for (const r of input.rules) {
    let share: RuleShare;
    let who: string;
    try {
      if (r.everyoneElse) [share, who] = [{ type: 'default' }, 'everyone else'];
      else {
        const p = await resolveParty(deps, client, r);
        [share, who] = [{ party: p.id, type: p.type }, p.name];
      }
    } catch (e) {
      changes.push(change('fail', `${where} rule for ${r.user ?? r.group}`, (e as Error).message));
      continue;
    }
    const target = `${where} rule for ${who}`;
    if (taken.has(share.type === 'default' ? 'default' : share.party!)) {
      changes.push(change('fail', target, 'already has a rule on this column: delete the column\'s rules first (sisense.datamodel.data-security-delete)'));
      continue;
    }
    const members = r.members ?? [];
    changes.push(change('create', target, r.allMembers ? 'every value' : `${r.exclusionary ? 'all but ' : ''}${members.length} value(s)`));
    rules.push({ server: model.server ?? 'LocalHost', elasticube: model.title, table: input.table, column: input.column, datatype, members, allMembers: r.allMembers === true ? true : null, exclusionary: r.exclusionary === true ? true : null, shares: [share] });
  }
  return { model, rules, changes };
}

/** Adds row-level security rules on one column of a data model. */
export const dataSecurityAdd = (deps: SisenseDeps) =>
  defineTool<Input, { datamodel: { oid: string; title: string }; added: number; rules: number }>({
    id: 'sisense.datamodel.data-security-add',
    title: 'Add data security rules',
    description:
      'Adds row-level security rules on one column (table and column names) of a data model: per user (email), group (name) or everyone else (everyoneElse), the values they may see (members), ' +
      'every value (allMembers) or all but the listed ones (exclusionary). Rule shares are keyed party as Sisense keeps them (not partyId). Extract models: POST /api/elasticubes/localhost/{title}/datasecurity; ' +
      'live models: POST /api/v1/elasticubes/live/{title}/datasecurity/addMany (published models only: MODEL_NOT_PUBLISHED). A party that already has a rule on the column, an unknown party or column ' +
      'fails the call before anything is written; the rules are read back and a rule whose party the server did not keep fails with RULES_DROPPED.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['datamodel', 'table', 'column', 'rules'],
      properties: {
        datamodel: datamodelRef,
        table: { type: 'string', minLength: 1, maxLength: 200 },
        column: { type: 'string', minLength: 1, maxLength: 200 },
        rules: {
          type: 'array',
          minItems: 1,
          maxItems: 200,
          items: {
            type: 'object',
            additionalProperties: false,
            oneOf: [{ required: ['user'] }, { required: ['group'] }, { required: ['everyoneElse'] }],
            properties: {
              user: { type: 'string', minLength: 1, maxLength: 320 },
              group: { type: 'string', minLength: 1, maxLength: 200 },
              everyoneElse: { const: true, description: 'The default rule: everyone without a rule of their own.' },
              members: { type: 'array', maxItems: 10000, items: { type: 'string' }, description: 'The values they may see (or may not, with exclusionary), as text as Sisense keeps them: "2024", not 2024.' },
              allMembers: { type: 'boolean', description: 'They see every value.' },
              exclusionary: { type: 'boolean', description: 'members lists the values they may NOT see.' },
            },
          },
        },
      },
    },
    outputSchema: objectOut({ datamodel: objectOut({ oid: { type: 'string' }, title: { type: 'string' } }), added: { type: 'integer' }, rules: { type: 'integer' } }),
    effect: 'write',
    idempotent: false,
    examples: [{ title: 'EMEA analysts see EMEA only, nobody else sees anything', input: { datamodel: 'Retail Sales', table: 'Customers', column: 'Region', rules: [{ group: 'Finance', members: ['AMER'] }] } }],
    plan: (input, ctx) => dryRun(deps, ctx, 'data security add', `data model ${input.datamodel}`, async (client) => plan('data security add', (await prepare(deps, client, input)).changes)),
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const { model, rules, changes } = await prepare(deps, client, input);
        refuseFailures(changes, 'DATA_SECURITY_FAILED');
        const paths = cubePaths(model);
        await (model.type === 'live' ? client.post(`${paths.dataSecurity}/addMany`, rules) : client.post(paths.dataSecurity, rules));
        const after = (await readRules(client, model)).filter((r) => r.table === input.table && r.column === input.column);
        const keptParties = new Set(after.flatMap((r) => (Array.isArray(r.shares) ? (r.shares as RuleShare[]) : []).map((s) => (s.type === 'default' ? 'default' : String(s.party)))));
        const lost = rules.map((r) => (r.shares as RuleShare[])[0]).filter((s) => !keptParties.has(s.type === 'default' ? 'default' : s.party!));
        if (lost.length) throw new ToolError('RULES_DROPPED', `${label.datamodel(model)}: the server did not keep the rules of ${lost.map((s) => `${s.type} ${s.party ?? ''}`.trim()).join(', ')}`, { lost });
        return { datamodel: { oid: model.oid, title: model.title }, added: rules.length, rules: after.length };
      }),
  });
