import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDiagnostic } from '../../../../src/playbooks/diagnostics.js';
import { validatePlaybookText } from '../../../../src/playbooks/playbook.validator.js';
import { createTestHost, type TestHost } from '../../../../src/plugins/test-host.js';

const FILE = join(import.meta.dirname, '../../../../playbooks/postgres/discover-database.yaml');
const validate = (text: string, host: TestHost) => validatePlaybookText(text, 'discover-database.yaml', { lookup: host.catalogue });

describe('playbooks/postgres/discover-database.yaml: valid against the real tool catalogue', () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await createTestHost();
  }, 60_000);
  afterAll(() => host?.catalogue.dispose());

  it('has no errors and no warnings; rounds are a loop of a planner, four experts, the catalog write and a question', () => {
    const r = validate(readFileSync(FILE, 'utf8'), host);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(r.playbook?.id).toBe('discover-database');
    const rounds = r.playbook!.steps.find((s) => s.id === 'rounds');
    expect(rounds?.kind === 'loop' && rounds.steps.map((s) => `${s.id}:${s.kind}`)).toEqual(['plan:agent', 'structural:agent', 'statistical:agent', 'semantic:agent', 'query:agent', 'write:foreach', 'ask:ask']);
    const tools = Object.fromEntries((rounds?.kind === 'loop' ? rounds.steps : []).flatMap((s) => (s.kind === 'agent' ? [[s.id, s.tools]] : [])));
    expect(tools).toEqual({
      plan: ['postgres.catalog.list', 'postgres.catalog.search', 'postgres.catalog.get'],
      structural: ['postgres.schema.*', 'postgres.relations.*'],
      statistical: ['postgres.profile.*'],
      semantic: ['postgres.catalog.get', 'postgres.catalog.search', 'postgres.catalog.list', 'postgres.schema.*'],
      query: ['postgres.query.sql', 'postgres.query.explain'],
    });
  });

  it('a misspelt field of a tool output is an error at validate time', () => {
    const text = readFileSync(FILE, 'utf8').replace('message: ${{ found.message }}', 'message: ${{ found.mesage }}');
    expect(validate(text, host).diagnostics.map(formatDiagnostic).join('\n')).toContain('found has no field "mesage"');
  });
});
