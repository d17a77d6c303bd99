import { defineTool, ToolError, type PlannedChange } from '../../../../src/plugins/plugin-api.js';
import type { SisenseClient } from '../../client/sisense.client.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { resolveParty, type Party } from '../../shared/party.js';
import { change, field, SHARE, dryRun, label, plan, refuseFailures } from '../../shared/plan.js';
import { datamodelRef, objectOut, arrayOf } from '../../shared/schemas.js';
import { PERMISSION_CODES, PERMISSION_NAMES, readModelShares, writeModelShares, type ModelShare } from './datamodel.access.js';

type Permission = keyof typeof PERMISSION_CODES;

interface Wanted {
  user?: string;
  group?: string;
  permission: Permission | 'none';
}

interface Input {
  datamodel: string;
  shares: Wanted[];
}

async function merge(deps: SisenseDeps, client: SisenseClient, input: Input) {
  const model = await deps.resolveDatamodel(client, input.datamodel);
  const current = await readModelShares(client, model);
  const next: ModelShare[] = current.map((s) => ({ ...s }));
  const changes: PlannedChange[] = [];
  for (const w of input.shares) {
    const what = w.user !== undefined ? `user ${w.user}` : `group "${w.group}"`;
    let party: Party;
    try {
      party = await resolveParty(deps, client, w, (email) => `${email} is inactive: Sisense would drop the share`);
    } catch (e) {
      changes.push(change('fail', `${label.datamodel(model)} share with ${what}`, (e as Error).message, SHARE));
      continue;
    }
    const target = `${label.datamodel(model)} share with ${party.name}`;
    const i = next.findIndex((s) => s.partyId === party.id);
    if (w.permission === 'none') {
      if (i < 0) changes.push(change('skip', target, 'not shared', SHARE));
      else {
        changes.push(change('delete', target, PERMISSION_NAMES[next[i].permission], { ...SHARE, fields: [field('permission', PERMISSION_NAMES[next[i].permission], undefined)] }));
        next.splice(i, 1);
      }
      continue;
    }
    const code = PERMISSION_CODES[w.permission];
    if (i >= 0 && next[i].permission === code) changes.push(change('skip', target, `already ${w.permission}`, SHARE));
    else if (i >= 0) {
      changes.push(change('update', target, `${PERMISSION_NAMES[next[i].permission]} → ${w.permission}`, { ...SHARE, fields: [field('permission', PERMISSION_NAMES[next[i].permission], w.permission)] }));
      next[i].permission = code;
    } else {
      changes.push(change('create', target, w.permission, { ...SHARE, fields: [field('permission', undefined, w.permission)] }));
      next.push({ partyId: party.id, type: party.type, permission: code });
    }
  }
  return { model, next, changes };
}

/** Grants, changes or revokes data model shares, keeping the others. */
export const shareSet = (deps: SisenseDeps) =>
  defineTool<Input, { datamodel: { oid: string; title: string; type: string }; created: number; updated: number; deleted: number; unchanged: number; shares: Array<{ partyId: string; type: string; permission: string }> }>({
    id: 'sisense.datamodel.share-set',
    title: 'Share a data model (set its shares)',
    description:
      'Grants users (email) and groups (name) a permission on a data model - use (query it in dashboards), edit, read - changes it, or revokes it (permission none), keeping every other share. ' +
      'Shares are read, merged and written back keyed partyId: extract models with PUT /api/elasticubes/localhost/{title}/permissions, live models with PATCH /api/v1/elasticubes/live/{oid}/permissions ' +
      '(a live model must be published first: MODEL_NOT_PUBLISHED). Inactive users are refused (Sisense drops their shares silently); the result is read back, and a share the server did not keep fails with SHARES_DROPPED.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['datamodel', 'shares'],
      properties: {
        datamodel: datamodelRef,
        shares: {
          type: 'array',
          minItems: 1,
          maxItems: 200,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['permission'],
            oneOf: [{ required: ['user'] }, { required: ['group'] }],
            properties: {
              user: { type: 'string', minLength: 1, maxLength: 320, description: 'User email.' },
              group: { type: 'string', minLength: 1, maxLength: 200, description: 'Group name.' },
              permission: { enum: ['use', 'edit', 'read', 'none'], description: 'use, edit, read, or none to revoke.' },
            },
          },
        },
      },
    },
    outputSchema: objectOut({
      datamodel: objectOut({ oid: { type: 'string' }, title: { type: 'string' }, type: { type: 'string' } }),
      created: { type: 'integer' },
      updated: { type: 'integer' },
      deleted: { type: 'integer' },
      unchanged: { type: 'integer' },
      shares: arrayOf(objectOut({ partyId: { type: 'string' }, type: { type: 'string' }, permission: { type: 'string' } })),
    }),
    effect: 'write',
    idempotent: true,
    examples: [{ title: 'Let Finance query a model, revoke a user', input: { datamodel: 'Retail Sales', shares: [{ group: 'Finance', permission: 'use' }, { user: 'vic.viewer@acme.test', permission: 'none' }] } }],
    plan: (input, ctx) => dryRun(deps, ctx, 'data model share-set', `data model ${input.datamodel}`, async (client) => plan('data model share-set', (await merge(deps, client, input)).changes)),
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const { model, next, changes } = await merge(deps, client, input);
        refuseFailures(changes, 'SHARE_FAILED');
        const count = (a: string) => changes.filter((c) => c.action === a).length;
        let kept = next;
        if (changes.some((c) => c.action !== 'skip')) {
          await writeModelShares(client, model, next);
          kept = await readModelShares(client, model);
          const missing = next.filter((s) => !kept.some((k) => k.partyId === s.partyId && k.permission === s.permission));
          if (missing.length) throw new ToolError('SHARES_DROPPED', `${label.datamodel(model)}: the server did not keep ${missing.length} share(s): ${missing.map((s) => `${s.type} ${s.partyId} ${PERMISSION_NAMES[s.permission]}`).join(', ')}`, { missing });
        }
        return { datamodel: { oid: model.oid, title: model.title, type: model.type ?? 'extract' }, created: count('create'), updated: count('update'), deleted: count('delete'), unchanged: count('skip'), shares: kept.map((s) => ({ ...s, permission: PERMISSION_NAMES[s.permission] })) };
      }),
  });
