import { defineTool, ToolError } from '../../../../src/plugins/plugin-api.js';
import type { SisenseClient } from '../../client/sisense.client.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { change, dryRun, label, plan, refuseFailures } from '../../shared/plan.js';
import { datamodelRef, objectOut } from '../../shared/schemas.js';
import { cubePaths } from './datamodel.schema.js';
import { readRules } from './datamodel.access.js';

interface Input {
  datamodel: string;
  table: string;
  column: string;
}

async function read(deps: SisenseDeps, client: SisenseClient, input: Input) {
  const model = await deps.resolveDatamodel(client, input.datamodel);
  const target = `${label.datamodel(model)} ${input.table}.${input.column}`;
  if (model.type === 'live') return { model, count: 0, c: change('fail', target, 'Sisense documents no delete of a live model\'s data security rules (only addMany)') };
  const count = (await readRules(client, model)).filter((r) => r.table === input.table && r.column === input.column).length;
  return { model, count, c: count ? change('delete', target, `${count} rule(s)`) : change('skip', target, 'no rule on this column') };
}

/** Deletes every row-level security rule on one column of an extract model. */
export const dataSecurityDelete = (deps: SisenseDeps) =>
  defineTool<Input, { datamodel: { oid: string; title: string }; deleted: number }>({
    id: 'sisense.datamodel.data-security-delete',
    title: 'Delete data security rules',
    description:
      'Deletes every row-level security rule on one column (table and column names) of an extract data model: DELETE /api/elasticubes/localhost/{title}/datasecurity?table=&column=. ' +
      'Removing a rule can widen what users see: without a default rule, users without a rule of their own then see every row. Live models are refused (no documented delete). ' +
      'The rules are read back: a rule still there fails with RULES_KEPT.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['datamodel', 'table', 'column'],
      properties: { datamodel: datamodelRef, table: { type: 'string', minLength: 1, maxLength: 200 }, column: { type: 'string', minLength: 1, maxLength: 200 } },
    },
    outputSchema: objectOut({ datamodel: objectOut({ oid: { type: 'string' }, title: { type: 'string' } }), deleted: { type: 'integer' } }),
    effect: 'destructive',
    idempotent: true,
    examples: [{ title: 'Drop the rules on a column', input: { datamodel: 'Retail Sales', table: 'Customers', column: 'Region' } }],
    plan: (input, ctx) => dryRun(deps, ctx, 'data security delete', `data model ${input.datamodel}`, async (client) => plan('data security delete', [(await read(deps, client, input)).c])),
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const { model, count, c } = await read(deps, client, input);
        refuseFailures([c], 'DATA_SECURITY_FAILED');
        if (c.action === 'delete') {
          await client.delete(cubePaths(model).dataSecurity, { query: { table: input.table, column: input.column }, idempotent: true });
          const left = (await readRules(client, model)).filter((r) => r.table === input.table && r.column === input.column).length;
          if (left) throw new ToolError('RULES_KEPT', `${label.datamodel(model)}: ${left} rule(s) on ${input.table}.${input.column} are still there after the delete`);
        }
        return { datamodel: { oid: model.oid, title: model.title }, deleted: c.action === 'delete' ? count : 0 };
      }),
  });
