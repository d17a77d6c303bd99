import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../common/paths.js';
import type { PluginsConfig } from '../config/config.types.js';
import { buildRegistryFile, checkRegistryFile, defaultRegistryFile } from './registry.commands.js';

const tempFile = () => join(mkdtempSync(join(tmpdir(), 'steward-registry-')), 'tools.registry.json');

describe('registry commands', () => {
  it('the committed registry/tools.registry.json is up to date (run `steward registry build` if this fails)', async () => {
    expect(await checkRegistryFile()).toEqual({ ok: true, message: expect.stringMatching(/^registry\/tools\.registry\.json is up to date \(\d+ tools\)$/), diff: expect.any(Object) });
    expect(defaultRegistryFile()).toBe(join(packageRoot(), 'registry/tools.registry.json'));
  });

  it('build writes the file, then reports it up to date', async () => {
    const file = tempFile();
    const first = await buildRegistryFile({ file });
    expect(first).toMatchObject({ ok: true, message: expect.stringMatching(/^wrote .*tools\.registry\.json \(\d+ tools\): added: demo\.notes\.copy, .*demo\.util\.slow, .*; plugin list or header changed$/) });
    expect(await buildRegistryFile({ file })).toMatchObject({ ok: true, message: expect.stringMatching(/ is up to date \(\d+ tools\)$/) });
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(defaultRegistryFile(), 'utf8'));
  });

  it('check fails on a stale file and names what changed', async () => {
    const file = tempFile();
    await buildRegistryFile({ file });
    writeFileSync(file, readFileSync(file, 'utf8').replace('"title": "Echo a message"', '"title": "Echo"'));
    expect(await checkRegistryFile({ file })).toMatchObject({
      ok: false,
      message: `${file}: stale: changed: demo.util.echo. Run \`steward registry build\` and commit the result.`,
      diff: { changed: ['demo.util.echo'] },
    });
  });

  it('check fails on a missing file', async () => {
    const file = tempFile();
    expect(await checkRegistryFile({ file })).toMatchObject({ ok: false, message: `${file}: ${file} does not exist. Run \`steward registry build\` and commit the result.` });
  });

  it('ignores enabled flags and allow-lists (the registry lists every tool) but uses settings and dirs', async () => {
    const file = tempFile();
    const plugins = { dirs: [], demo: { enabled: false, tools: ['util.noop'], settings: { maxNotes: 5 } } } as PluginsConfig;
    expect(await buildRegistryFile({ file, plugins })).toMatchObject({ ok: true, message: expect.stringMatching(/\(\d+ tools\)/) });
  });

  it('leaves external MCP servers (plugins.mcp) out: they depend on local config, so nothing is started', async () => {
    const [plain, withMcp] = [tempFile(), tempFile()];
    const plugins = { dirs: [], mcp: { settings: { servers: { peer: { transport: 'stdio', command: 'no-such-command-steward-test' } } } } } as unknown as PluginsConfig;
    expect(await buildRegistryFile({ file: plain })).toMatchObject({ ok: true });
    expect(await buildRegistryFile({ file: withMcp, plugins })).toMatchObject({ ok: true });
    expect(readFileSync(withMcp, 'utf8')).not.toContain('"mcp');
    expect(readFileSync(withMcp, 'utf8')).toBe(readFileSync(plain, 'utf8'));
  });

  it('refuses to build or pass while a plugin fails to load, and writes nothing', async () => {
    const file = tempFile();
    const plugins = { dirs: [join(packageRoot(), 'test/fixtures/plugins/throws-in-factory')] } as PluginsConfig;
    const expected = `cannot build the registry: plugin throws-in-factory (${join(packageRoot(), 'test/fixtures/plugins/throws-in-factory')}) failed: plugin factory failed: cannot reach the license server`;
    expect(await buildRegistryFile({ file, plugins })).toEqual({ ok: false, message: expected });
    expect(await checkRegistryFile({ file, plugins })).toEqual({ ok: false, message: expected });
    expect(() => readFileSync(file)).toThrow('ENOENT');
  });
});
