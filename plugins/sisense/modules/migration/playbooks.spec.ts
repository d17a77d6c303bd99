import { beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDiagnostic } from '../../../../src/playbooks/diagnostics.js';
import type { Expression } from '../../../../src/playbooks/expression.js';
import type { CheckStep } from '../../../../src/playbooks/playbook.types.js';
import { validatePlaybookText } from '../../../../src/playbooks/playbook.validator.js';
import { createTestHost, type TestHost } from '../../../../src/plugins/test-host.js';
import { startSisenseSim } from '../../../../test/sisense-sim/sisense-sim.js';
import type { Finding } from '../wellcheck/wellcheck.types.js';

const DIR = join(import.meta.dirname, '../../../../playbooks/sisense');
const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();

/** The commented-out `schedule:` example at the end of a playbook, uncommented. */
function withScheduleExample(text: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('# schedule:'));
  if (start < 0) return text;
  return [...lines.slice(0, start), ...lines.slice(start).map((l) => l.replace(/^# ?/, ''))].join('\n');
}

describe('playbooks/sisense: valid against the real tool catalogue', () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await createTestHost();
  });

  it('ships the four Sisense playbooks', () => {
    expect(files).toEqual(['migrate-dashboards.yaml', 'migrate-everything.yaml', 'offboard-user.yaml', 'wellcheck.yaml']);
  });

  it.each(files)('%s has no errors and no warnings', (file) => {
    const r = validatePlaybookText(readFileSync(join(DIR, file), 'utf8'), file, { lookup: host.catalogue });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(r.playbook?.id).toBe(`sisense-${file.replace(/\.yaml$/, '')}`);
  });

  it('a misspelt field of a listed dashboard or user is an error at validate time, naming the fields there are', () => {
    const text = [
      'apiVersion: steward/v1',
      'kind: Playbook',
      'metadata: { name: misspelt }',
      'environments: { target: { kind: sisense } }',
      'steps:',
      '  - id: list',
      '    tool: sisense.dashboard.list',
      '  - id: users',
      '    tool: sisense.access.users',
      '  - id: owners',
      '    check:',
      '      foreach: ${{ steps.list.output.dashboards }}',
      '      as: d',
      '      assert:',
      '        - id: owned',
      '          that: d.ownerEmial != null',
      '          message: ${{ d.titel }} has no owner',
      '  - id: active',
      '    check:',
      '      foreach: ${{ steps.users.output.users }}',
      '      as: u',
      '      assert:',
      '        - { id: active, that: u.actve, message: inactive }',
      '',
    ].join('\n');
    const r = validatePlaybookText(text, 'misspelt.yaml', { lookup: host.catalogue });
    const errors = r.diagnostics.map(formatDiagnostic).join('\n');
    expect(errors).toContain('d has no field "ownerEmial" (its fields: oid, title, ownerId, ownerEmail, folderId, folderPath, datasource, live, lastUpdated)');
    expect(errors).toContain('d has no field "titel"');
    expect(errors).toContain('u has no field "actve"');
    expect(r.playbook).toBeUndefined();
  });

  it('the schedule example of the well-check is valid once uncommented and bound to a configured environment', () => {
    const text = withScheduleExample(readFileSync(join(DIR, 'wellcheck.yaml'), 'utf8'));
    const r = validatePlaybookText(text, 'wellcheck.yaml', { lookup: host.catalogue, environments: { 'prod-sisense': { kind: 'sisense' } } });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(r.playbook?.schedule).toMatchObject({ cron: '0 30 6 * * MON-FRI', timezone: 'Europe/Berlin', environments: { target: 'prod-sisense' }, enabled: true });
  });

  it('every tool the playbooks call is in the catalogue, and the mutating ones have a dry run', () => {
    const ids = new Set<string>();
    for (const f of files) for (const m of readFileSync(join(DIR, f), 'utf8').matchAll(/^\s+tool: (\S+)$/gm)) ids.add(m[1]);
    for (const id of ids) {
      const tool = host.catalogue.get(id);
      expect({ id, found: !!tool }).toEqual({ id, found: true });
      if (tool!.effect !== 'read') expect({ id, plan: tool!.supportsPlan }).toEqual({ id, plan: true });
    }
  });

  it('the well-check turns every tool finding into one run finding with its severity and its own fingerprint asset', async () => {
    const sim = await startSisenseSim({ seed: 'source' });
    try {
      const h = await createTestHost({ environments: { prod: { kind: 'sisense', url: sim.url, token: sim.token } } });
      const run = async (tool: string, input: object) => {
        const r = await h.invoker.invoke(tool, input, { environments: { target: 'prod' } });
        if (!r.ok || r.mode !== 'execute') throw new Error(JSON.stringify(r));
        return { output: r.output, status: 'succeeded', error: null };
      };
      const pb = validatePlaybookText(readFileSync(join(DIR, 'wellcheck.yaml'), 'utf8'), 'wellcheck.yaml', { lookup: h.catalogue }).playbook!;
      const inputs = { maxWidgets: 20, maxPivotFields: 20, maxPivots: 5, maxAdmins: 5, includeInfo: true };
      const steps = {
        dashboards: await run('sisense.wellcheck.dashboards', { maxWidgets: 20, maxPivotFields: 20, maxPivots: 5 }),
        datamodels: await run('sisense.wellcheck.datamodels', {}),
        access: await run('sisense.wellcheck.access', { maxAdmins: 5 }),
      };
      const check = pb.steps.find((x) => x.id === 'findings') as CheckStep;
      const recorded = (include: boolean) => {
        const scope = { inputs: { ...inputs, includeInfo: include }, steps, environments: { target: { name: 'prod', kind: 'sisense' } }, run: { id: 'r', playbook: pb.id } };
        const items = (check.foreach as Expression).evaluate(scope) as Finding[];
        const out = items.flatMap((item) => check.assert.filter((a) => !a.that.test({ ...scope, [check.as]: item })).map((a) => ({ severity: a.severity, check: a.check!.renderText({ ...scope, [check.as]: item }), asset: a.asset!.renderText({ ...scope, [check.as]: item }) })));
        return { items, out, scope };
      };
      const all = recorded(true);
      expect(all.items.length).toBeGreaterThan(10);
      expect(all.out.map((f) => f.severity)).toEqual(all.items.map((i) => i.severity));
      // The tool's check id is the finding's check (not folded into the asset); check + asset is unique.
      expect(all.out.map((f) => f.check)).toEqual(all.items.map((i) => i.check));
      expect(new Set(all.out.map((f) => `${f.check} ${f.asset}`)).size).toBe(all.out.length);
      expect(recorded(false).out.map((f) => f.severity)).toEqual(all.items.filter((i) => i.severity !== 'info').map((i) => i.severity));
      expect(pb.outputs.errors.render(all.scope)).toBe(all.items.filter((i) => i.severity === 'error').length);
    } finally {
      await sim.close();
    }
  });
});
