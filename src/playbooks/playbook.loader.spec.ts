import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeLookup } from '../../test/fixtures/playbooks/fake-tools.js';
import { formatDiagnostic } from './diagnostics.js';
import { findPlaybookFiles, loadPlaybooks } from './playbook.loader.js';

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/playbooks');

describe('loadPlaybooks', () => {
  it('finds *.yaml and *.yml recursively, sorted, and nothing else', () => {
    const files = findPlaybookFiles(join(FIXTURES, 'dup')).map((f) => f.slice(FIXTURES.length + 1));
    expect(files).toEqual(['dup/a.yaml', 'dup/c.yaml', 'dup/nested/b.yml']);
  });

  it('reports a duplicated id in every file that has it and loads none of them', () => {
    const r = loadPlaybooks({ paths: ['dup'], lookup: fakeLookup(), relativeTo: FIXTURES });
    expect(r.playbooks.map((p) => p.id)).toEqual(['unique']);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      'dup/a.yaml:4:9: metadata.name: duplicate playbook id "same-name" (also in dup/nested/b.yml:3:19)',
      'dup/nested/b.yml:3:19: metadata.name: duplicate playbook id "same-name" (also in dup/a.yaml:4:9)',
    ]);
    expect(r.files).toBe(3);
  });

  it('loads the valid files of several directories, names files relative to the base, and leaves broken ones out', () => {
    const r = loadPlaybooks({ paths: ['good', 'bad', join(FIXTURES, 'good')], lookup: fakeLookup(), relativeTo: FIXTURES });
    expect(r.playbooks.map((p) => `${p.id} ${p.file}`)).toEqual(['migrate-dashboards good/migrate-dashboards.yaml', 'widget-governance good/widget-governance.yaml']);
    const bad = readdirSync(join(FIXTURES, 'bad')).length;
    expect(r.files).toBe(bad + 2);
    expect(new Set(r.diagnostics.map((d) => d.file)).size).toBe(bad);
    expect(r.diagnostics.map(formatDiagnostic)).toContain('bad/unknown-tool.yaml:9:11: steps[0].tool: unknown tool "sisense.dashboards.list"');
  });

  it('errors on a missing path unless it is optional, and takes single files', () => {
    const r = loadPlaybooks({ paths: ['nowhere', 'builtin', 'good/widget-governance.yaml'], optional: ['builtin'], lookup: fakeLookup(), relativeTo: FIXTURES });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual(['nowhere:1:1: no such file or directory']);
    expect(r.playbooks.map((p) => p.id)).toEqual(['widget-governance']);
  });

  it('names files outside the base by their absolute path', () => {
    const r = loadPlaybooks({ paths: [join(FIXTURES, 'bad/unknown-tool.yaml')], lookup: fakeLookup(), relativeTo: join(FIXTURES, 'good') });
    expect(r.diagnostics[0]!.file).toBe(join(FIXTURES, 'bad/unknown-tool.yaml'));
  });
});

describe('loadPlaybooks: hostile files', () => {
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghi'.split('').map((n, i) => `${n}: &${n} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n');
  const good = readFileSync(join(FIXTURES, 'good/widget-governance.yaml'), 'utf8');

  it('an alias bomb is a diagnostic with file:line:col and the other files still load', () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-bomb-'));
    writeFileSync(join(dir, 'bomb.yaml'), `apiVersion: steward/v1\nkind: Playbook\n${bomb}\n`);
    writeFileSync(join(dir, 'ok.yaml'), good);
    const r = loadPlaybooks({ paths: [dir], lookup: fakeLookup(), relativeTo: dir });
    expect(r.playbooks.map((p) => p.id)).toEqual(['widget-governance']);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual(['bomb.yaml:4:8: YAML: Excessive alias count indicates a resource exhaustion attack (at most 100 aliases are expanded)']);
  });

  it('a file over maxFileBytes is a diagnostic and is not parsed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-big-'));
    writeFileSync(join(dir, 'big.yaml'), `${good}\n# ${'x'.repeat(4096)}\n`);
    writeFileSync(join(dir, 'ok.yml'), good.replace('widget-governance', 'small-one'));
    const r = loadPlaybooks({ paths: [dir], lookup: fakeLookup(), relativeTo: dir, maxFileBytes: 4096 });
    expect(r.playbooks.map((p) => p.id)).toEqual(['small-one']);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([expect.stringMatching(/^big\.yaml:1:1: file is \d+ bytes, over the limit of 4096 bytes \(playbooks\.maxFileBytes\); it was not parsed$/)]);
  });
});
