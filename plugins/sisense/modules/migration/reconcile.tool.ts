import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { planMigration, runMigration } from './migration.run.js';
import { readsKey } from './migration.session.js';
import { concurrency, MIGRATION_OUTPUT, refList, type MigrationOutput } from './migration.types.js';
import { prepareReconcile, type ReconcileInput } from './reconcile.phase.js';

type Input = ReconcileInput & { concurrency?: number };

const ID = 'sisense.migration.reconcile';

/** Idempotent: a second run finds every dashboard matching and writes nothing. */
export const reconcileDashboards = (deps: SisenseDeps) =>
  defineTool<Input, MigrationOutput>({
    id: ID,
    title: 'Repair migrated dashboards',
    description:
      'For dashboards migrated earlier: compares each target copy (same oid, else the one dashboard with its title) with its source (owner by email, folder by path, shares by user email and group name, published to its recipients) ' +
      'and repairs what differs: folder, owner (after can_be_owned), the whole share list, then republishes and reads it back. Imports nothing: a dashboard the target lacks fails (migrate it first). ' +
      'The plan lists what each dashboard needs; fails with MIGRATION_PARTIAL when any dashboard could not be repaired.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        dashboards: refList('Titles (or oids) of source dashboards; omitted: every dashboard; [] none.'),
        republish: { type: 'boolean', default: true, description: 'Republish repaired dashboards (and those not published to their recipients) so the users they are shared with see them.' },
        folder: { type: 'string', maxLength: 1000, description: 'Target folder path every dashboard should be in ("/" the root). Omitted: each dashboard\'s folder path in the source.' },
        concurrency,
      },
    },
    outputSchema: MIGRATION_OUTPUT,
    effect: 'write',
    idempotent: true,
    environments: ['source', 'target'],
    examples: [
      { title: 'Every migrated dashboard', input: { republish: true } },
      { title: 'Two dashboards', input: { dashboards: ['Sales Deep Dive', 'Finance KPIs'], republish: true } },
    ],
    plan: (input, ctx) => planMigration(deps, ctx, 'repair migrated dashboards', input.concurrency, (s) => prepareReconcile(s, input), readsKey(ID, ctx, input)),
    handler: (input, ctx) => runMigration(deps, ctx, input.concurrency, (s) => prepareReconcile(s, input), readsKey(ID, ctx, input)),
  });
