import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseClient } from '../../client/sisense.client.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { change, field, dryRun, label, plan } from '../../shared/plan.js';
import { dashboardRef, objectOut, userRef } from '../../shared/schemas.js';
import { access, userEmails } from '../../shared/views.js';

interface Input {
  dashboard: string;
  owner: string;
  previousOwnerRule?: 'edit' | 'view';
}

async function read(deps: SisenseDeps, client: SisenseClient, input: Input) {
  const d = await deps.resolveDashboard(client, input.dashboard);
  const owner = await deps.resolveUser(client, input.owner);
  const before = d.owner ? ((await userEmails(deps, client)).get(d.owner) ?? d.owner) : 'nobody';
  const c = d.owner === owner._id ? change('skip', label.dashboard(d), `already owned by ${owner.email}`) : change('update', label.dashboard(d), `owner ${before} → ${owner.email}; ${before} keeps ${input.previousOwnerRule ?? 'edit'} access`, {
    fields: [field('owner', before, owner.email), field(`share with ${before}`, undefined, input.previousOwnerRule ?? 'edit')],
  });
  return { d, owner, before, c };
}

/** Hands a dashboard to another owner. */
export const changeOwner = (deps: SisenseDeps) =>
  defineTool<Input, { dashboard: { oid: string; title: string }; previousOwner: string; owner: string; changed: boolean }>({
    id: 'sisense.dashboard.change-owner',
    title: 'Change the owner of a dashboard',
    description:
      'Makes another user (email) the owner of a dashboard (oid or title), e.g. before its owner leaves. The previous owner keeps a share with previousOwnerRule (edit by default, or view). ' +
      'The new owner needs a role that can own dashboards (a designer or administrator). Uses admin access, so the token must be an administrator\'s unless it owns the dashboard.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['dashboard', 'owner'],
      properties: { dashboard: dashboardRef, owner: userRef, previousOwnerRule: { enum: ['edit', 'view'], default: 'edit', description: 'What the previous owner keeps.' } },
    },
    outputSchema: objectOut({ dashboard: objectOut({ oid: { type: 'string' }, title: { type: 'string' } }), previousOwner: { type: 'string' }, owner: { type: 'string' }, changed: { type: 'boolean' } }),
    effect: 'write',
    idempotent: true,
    examples: [{ title: 'Give a dashboard to a designer', input: { dashboard: 'Orphaned Report', owner: 'dana.designer@acme.test' } }],
    plan: (input, ctx) => dryRun(deps, ctx, 'change-owner', `dashboard ${input.dashboard}`, async (client) => plan('change-owner', [(await read(deps, client, input)).c])),
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const { d, owner, before, c } = await read(deps, client, input);
        if (c.action === 'update') await client.post(`/api/v1/dashboards/${d.oid}/change_owner`, { ownerId: owner._id, originalOwnerRule: input.previousOwnerRule ?? 'edit' }, { query: access(d), idempotent: true });
        return { dashboard: { oid: d.oid, title: d.title }, previousOwner: before, owner: owner.email, changed: c.action === 'update' };
      }),
  });
