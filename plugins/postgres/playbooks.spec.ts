import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDiagnostic } from '../../src/playbooks/diagnostics.js';
import { validatePlaybookText } from '../../src/playbooks/playbook.validator.js';
import { startPgKit, type PgKit } from './test/pg.test-kit.js';

const FILE = join(import.meta.dirname, '../../playbooks/postgres/wellcheck.yaml');

/** The commented-out `schedule:` example at the end of a playbook, uncommented. */
function withScheduleExample(text: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('# schedule:'));
  return [...lines.slice(0, start), ...lines.slice(start).map((l) => l.replace(/^# ?/, ''))].join('\n');
}

describe('playbooks/postgres/wellcheck.yaml: valid against the real tool catalogue', () => {
  let kit: PgKit;
  beforeAll(async () => {
    kit = await startPgKit();
  }, 60_000);
  afterAll(() => kit?.close());

  it('has no errors and no warnings', () => {
    const r = validatePlaybookText(readFileSync(FILE, 'utf8'), 'wellcheck.yaml', { lookup: kit.host.catalogue });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(r.playbook?.id).toBe('postgres-wellcheck');
  });

  it('its schedule example is valid once uncommented and bound to a configured postgres environment', () => {
    const r = validatePlaybookText(withScheduleExample(readFileSync(FILE, 'utf8')), 'wellcheck.yaml', { lookup: kit.host.catalogue, environments: { 'warehouse-pg': { kind: 'postgres' } } });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(r.playbook?.schedule).toMatchObject({ cron: '0 0 6 * * MON', environments: { target: 'warehouse-pg' } });
  });

  it('a misspelt field of a finding is an error at validate time', () => {
    const text = readFileSync(FILE, 'utf8').replace('message: ${{ found.message }}', 'message: ${{ found.mesage }}');
    const errors = validatePlaybookText(text, 'wellcheck.yaml', { lookup: kit.host.catalogue }).diagnostics.map(formatDiagnostic).join('\n');
    expect(errors).toContain('found has no field "mesage" (its fields: check, asset, severity, message, detail)');
  });
});
