import type { JsonSchema } from '../../../../src/plugins/plugin-api.js';

/** What a migration moves. Folders appear when a dashboard migration creates them in the target. */
export type AssetKind = 'group' | 'user' | 'datamodel' | 'dashboard' | 'folder';
export const ASSET_KINDS: readonly AssetKind[] = ['group', 'user', 'datamodel', 'dashboard', 'folder'];

/**
 * What was done (or attempted) to one asset in the target: `create` a new one, `overwrite` an existing one in
 * place, `duplicate` it beside an existing one, `update` an existing user's role, names and groups, or `skip` it.
 */
export type AssetAction = 'create' | 'overwrite' | 'duplicate' | 'update' | 'skip';
export const ASSET_ACTIONS: readonly AssetAction[] = ['create', 'overwrite', 'duplicate', 'update', 'skip'];

export type AssetStatus = 'succeeded' | 'skipped' | 'failed';

/** One asset's outcome. */
export interface AssetResult {
  /** The asset as a person reads it: a group name, an email, a title. */
  asset: string;
  kind: AssetKind;
  /** Its id in the source (absent for folders, which are created from a path). */
  sourceId?: string;
  action: AssetAction;
  status: AssetStatus;
  /** Why it was skipped or failed; for a success, anything worth knowing (a new title, dropped references). */
  reason?: string;
  /** Its id in the target, when it exists there now. */
  targetId?: string;
  /** Its title in the target when that differs from the source (a duplicated data model). */
  targetTitle?: string;
}

export interface MigrationSummary {
  succeeded: number;
  skipped: number;
  failed: number;
}

export interface MigrationOutput {
  results: AssetResult[];
  summary: MigrationSummary;
}

/** Dashboards and data models: what happens when the target already has the asset. */
export type ConflictAction = 'skip' | 'overwrite' | 'duplicate';

export const conflictAction = (what: string): JsonSchema => ({
  enum: ['skip', 'overwrite', 'duplicate'],
  default: 'skip',
  description: `When the target already has the ${what}: skip leaves it as it is, overwrite replaces it in place, duplicate imports a second copy beside it.`,
});

export const refList = (description: string): JsonSchema => ({
  type: 'array',
  maxItems: 5000,
  uniqueItems: true,
  items: { type: 'string', minLength: 1, maxLength: 500 },
  description,
});

export const batchSize = (defaultSize: number): JsonSchema => ({
  type: 'integer',
  minimum: 1,
  maximum: 200,
  default: defaultSize,
  description: 'Assets sent to the target per bulk request; progress is reported after each batch.',
});

export const concurrency: JsonSchema = {
  type: 'integer',
  minimum: 1,
  maximum: 64,
  description: 'Most requests in flight at once against each environment (default: the plugin setting migrationConcurrency, else 8).',
};

/**
 * Plan only: what earlier steps of the same run will have created in the target by the time this one runs (a
 * playbook's dry run plans every step against the target as it is). The tool ignores it when it runs.
 */
export interface Expectation {
  groups?: string[];
  /** Emails. */
  users?: string[];
  /** Data model titles. */
  datamodels?: string[];
}

const names = (what: string): JsonSchema => ({ type: 'array', maxItems: 5000, items: { type: 'string', minLength: 1, maxLength: 500 }, description: what });

export const expectation = (kinds: ReadonlyArray<keyof Expectation>): JsonSchema => ({
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(
    kinds.map((k) => [k, names({ groups: 'Group names', users: 'User emails', datamodels: 'Data model titles' }[k] + ' an earlier step will create in the target.')]),
  ),
  description:
    'Plan only (a dry run, the preview of an approval): what earlier steps of the same run will have created in the target, counted as present so the plan does not fail for lack of it. ' +
    'Ignored when the tool runs: then the target is read as it is.',
});

export const nameMap = (description: string): JsonSchema => ({
  type: 'object',
  maxProperties: 1000,
  additionalProperties: { type: 'string', minLength: 1, maxLength: 500 },
  description,
});

const RESULT_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['asset', 'kind', 'action', 'status'],
  properties: {
    asset: { type: 'string' },
    kind: { enum: ASSET_KINDS },
    sourceId: { type: 'string' },
    action: { enum: ASSET_ACTIONS },
    status: { enum: ['succeeded', 'skipped', 'failed'] },
    reason: { type: 'string' },
    targetId: { type: 'string' },
    targetTitle: { type: 'string' },
  },
};

export const MIGRATION_OUTPUT: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['results', 'summary'],
  properties: {
    results: { type: 'array', items: RESULT_SCHEMA },
    summary: {
      type: 'object',
      additionalProperties: false,
      required: ['succeeded', 'skipped', 'failed'],
      properties: { succeeded: { type: 'integer' }, skipped: { type: 'integer' }, failed: { type: 'integer' } },
    },
  },
};
