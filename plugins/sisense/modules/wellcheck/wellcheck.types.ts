import type { JsonSchema } from '../../../../src/plugins/plugin-api.js';

/**
 * One governance result (the shape every well-check returns; the contract is in the plugin API). `asset` is stable
 * across runs: a dashboard's oid (`<oid>/<widget oid>` for a widget), a data model's title (`Model/Table`,
 * `Model/Table.Column` inside it).
 */
export {
  FINDING_SCHEMA,
  FINDING_SEVERITIES as SEVERITIES,
  finding,
  sortFindings,
  type FindingSeverity as Severity,
  type ToolFinding as Finding,
} from '../../../../src/plugins/plugin-api.js';

export const CHECKED_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['dashboards', 'datamodels'],
  properties: { dashboards: { type: 'integer' }, datamodels: { type: 'integer' } },
};

export const refs = (description: string): JsonSchema => ({ type: 'array', maxItems: 5000, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 500 }, description });

export const checksOf = (names: readonly string[]): JsonSchema => ({
  type: 'array',
  uniqueItems: true,
  minItems: 1,
  items: { enum: names },
  default: [...names],
  description: `The checks to run (default: all): ${names.join(', ')}.`,
});
