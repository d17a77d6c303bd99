import type { JsonSchema } from '../../../../src/plugins/plugin-api.js';

/**
 * One governance result, in the shape every Steward well-check returns (the Sisense well-checks too), so a playbook's
 * check step turns it into a run finding the same way. `asset` is stable across runs: `schema.table`,
 * `schema.table.column`, `schema.index`.
 */
export type Severity = 'info' | 'warning' | 'error' | 'critical';
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'error', 'critical'];

export interface Finding {
  check: string;
  asset: string;
  severity: Severity;
  message: string;
  detail: Record<string, unknown>;
}

export const finding = (check: string, severity: Severity, asset: string, message: string, detail: Record<string, unknown> = {}): Finding => ({ check, asset, severity, message, detail });

const RANK: Record<Severity, number> = { critical: 0, error: 1, warning: 2, info: 3 };

/** Most severe first, then by check and asset: the same database always gives the same list. */
export const sortFindings = (findings: Finding[]): Finding[] =>
  findings.sort((a, b) => RANK[a.severity] - RANK[b.severity] || a.check.localeCompare(b.check) || a.asset.localeCompare(b.asset) || a.message.localeCompare(b.message));

export const FINDING_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['check', 'asset', 'severity', 'message', 'detail'],
  properties: { check: { type: 'string' }, asset: { type: 'string' }, severity: { enum: SEVERITIES }, message: { type: 'string' }, detail: { type: 'object' } },
};

/** Words of a column name (snake_case, camelCase), lowercased: birthDate → birth, date. */
export const words = (name: string): string[] =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);

const PII_WORDS = new Set(['email', 'mail', 'phone', 'mobile', 'telephone', 'fax', 'ssn', 'birth', 'birthday', 'dob', 'birthdate', 'passport', 'iban', 'salary', 'gender', 'surname', 'address', 'street', 'zip', 'postcode', 'zipcode', 'ip', 'password', 'emails']);
const PII_PAIRS = [['first', 'name'], ['last', 'name'], ['full', 'name'], ['tax', 'id'], ['national', 'id'], ['credit', 'card'], ['card', 'number'], ['social', 'security'], ['date', 'of', 'birth'], ['driver', 'license']];

/** The reason a column name suggests personal data, or null. */
export function piiHint(name: string): string | null {
  const w = words(name);
  const single = w.find((x) => PII_WORDS.has(x));
  if (single) return single;
  const joined = ` ${w.join(' ')} `;
  const pair = PII_PAIRS.find((p) => joined.includes(` ${p.join(' ')} `));
  return pair ? pair.join(' ') : null;
}
