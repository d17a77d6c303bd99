import { defineTool, ToolError } from '../../../../src/plugins/plugin-api.js';
import type { SisenseClient } from '../../client/sisense.client.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { asObject } from '../../shared/errors.js';
import { change, dryRun, label, plan, refuseFailures } from '../../shared/plan.js';
import { objectOut } from '../../shared/schemas.js';
import type { SisenseGroup } from '../../shared/sisense.models.js';
import { SYSTEM_GROUPS } from './groups.tool.js';

interface Input {
  name: string;
}

async function read(deps: SisenseDeps, client: SisenseClient, input: Input) {
  const all = await deps.listAll<SisenseGroup>(client, '/api/v1/groups');
  const existing = all.find((g) => g.name.toLowerCase() === input.name.toLowerCase());
  if (SYSTEM_GROUPS.has(input.name)) return { existing, c: change('fail', label.group(input), 'a system group of that name exists on every deployment') };
  if (existing) return { existing, c: change('skip', label.group(existing), `exists (${existing._id})`) };
  return { existing, c: change('create', label.group(input)) };
}

/** Creates a group (idempotent by name). */
export const groupCreate = (deps: SisenseDeps) =>
  defineTool<Input, { created: boolean; group: { id: string; name: string } }>({
    id: 'sisense.access.group-create',
    title: 'Create a group',
    description:
      'Creates a group by name (POST /api/v1/groups). A group whose name already exists (case-insensitive) is left as it is and returned (created: false); ' +
      'the system group names (Everyone, All users in system, Admins) are refused with GROUP_RESERVED.',
    inputSchema: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S', description: 'The group name.' } } },
    outputSchema: objectOut({ created: { type: 'boolean' }, group: objectOut({ id: { type: 'string' }, name: { type: 'string' } }) }),
    effect: 'write',
    idempotent: true,
    examples: [{ title: 'Create a group', input: { name: 'Marketing' } }],
    plan: (input, ctx) => dryRun(deps, ctx, 'group create', label.group(input), async (client) => plan('group create', [(await read(deps, client, input)).c])),
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const { existing, c } = await read(deps, client, input);
        refuseFailures([c], 'GROUP_RESERVED');
        if (existing) return { created: false, group: { id: existing._id, name: existing.name } };
        const made = asObject<SisenseGroup>(await client.post('/api/v1/groups', { name: input.name }), 'the created group');
        if (typeof made._id !== 'string') throw new ToolError('SISENSE_BAD_RESPONSE', 'the created group has no _id');
        return { created: true, group: { id: made._id, name: made.name ?? input.name } };
      }),
  });
