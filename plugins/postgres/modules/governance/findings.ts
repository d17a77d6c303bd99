/**
 * One governance result, in the shape every Steward well-check returns (the Sisense well-checks too; the contract is
 * in the plugin API), so a playbook's check step turns it into a run finding the same way. `asset` is stable across
 * runs: `schema.table`, `schema.table.column`, `schema.index`.
 */
export {
  FINDING_SCHEMA,
  FINDING_SEVERITIES as SEVERITIES,
  finding,
  sortFindings,
  type FindingSeverity as Severity,
  type ToolFinding as Finding,
} from '../../../../src/plugins/plugin-api.js';

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
