import type { JsonSchema } from '../../../../src/plugins/plugin-api.js';

export type Severity = 'info' | 'warning' | 'error' | 'critical';
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'error', 'critical'];

/**
 * One governance result. `asset` is stable across runs: a dashboard's oid (`<oid>/<widget oid>` for a widget), a
 * data model's title (`Model/Table`, `Model/Table.Column` inside it).
 */
export interface Finding {
  check: string;
  asset: string;
  severity: Severity;
  message: string;
  detail: Record<string, unknown>;
}

export function finding(check: string, severity: Severity, asset: string, message: string, detail: Record<string, unknown> = {}): Finding {
  return { check, asset, severity, message, detail };
}

const RANK: Record<Severity, number> = { critical: 0, error: 1, warning: 2, info: 3 };

/** Most severe first, then by check and asset: the same deployment always gives the same list. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => RANK[a.severity] - RANK[b.severity] || a.check.localeCompare(b.check) || a.asset.localeCompare(b.asset) || a.message.localeCompare(b.message));
}

export const FINDING_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['check', 'asset', 'severity', 'message', 'detail'],
  properties: {
    check: { type: 'string' },
    asset: { type: 'string' },
    severity: { enum: SEVERITIES },
    message: { type: 'string' },
    detail: { type: 'object' },
  },
};

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
