import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../common/paths.js';
import type { PluginManifest } from './plugin.types.js';
import { resolveEntry } from './plugin.loader.js';
import { createTestHost } from './test-host.js';

const root = packageRoot();
const fixtures = join(root, 'test/fixtures/plugins');
const DEMO = join(root, 'plugins/demo');
const fixtureHost = () => createTestHost({ builtinDir: null, hostVersion: '0.1.0', config: { dirs: [fixtures] } });

describe('loadPlugins: broken plugins are recorded as failed, never thrown', () => {
  const reasons: [string, string][] = [
    ['bad-yaml', 'plugin.yaml: 4:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    [
      'unknown-keys',
      'plugin.yaml: 6:1: colour: unknown key (allowed: id, version, description, host, kinds, modules, settings, entry); 9:5: modules[0].name: unknown key (allowed: id, description)',
    ],
    ['mismatched-id', 'plugin.yaml: 1:5: id: must equal the plugin\'s folder name "mismatched-id"'],
    ['escape-entry', 'plugin.yaml: 9:8: entry: must match the pattern ^(?!/)(?!.*(?:^|/)\\.\\.(?:/|$))[A-Za-z0-9_./-]+\\.(?:ts|js|mjs)$'],
    ['future-host', 'requires Steward >=99.0.0 (plugin.yaml host); this is Steward 0.1.0'],
    ['no-entry', `entry module not found: ${join(fixtures, 'no-entry/index.ts')}`],
    ['throws-at-import', 'entry index.ts failed to import: boom while importing'],
    ['not-a-plugin', 'entry index.ts must `export default definePlugin(...)`'],
    ['throws-in-factory', 'plugin factory failed: cannot reach the license server'],
    ['dup-tools', 'tool "dup-tools.util.ping": registered twice (duplicate tool id)'],
    [
      'bad-schema',
      'tool "bad-schema.util.count": inputSchema is not a valid JSON Schema: inputSchema.properties.n.type: must be one of: "array", "boolean", "integer", "null", "number", "object", "string"',
    ],
    ['undeclared-module', 'tool "undeclared-module.admin.ping": module "admin" is not declared in plugin.yaml (modules: util)'],
  ];

  it.each(reasons)('%s fails with its reason', async (id, reason) => {
    const { catalogue } = await fixtureHost();
    expect(catalogue.plugin(id)).toMatchObject({ id, dir: join(fixtures, id), status: 'failed', reason, tools: [] });
  });

  it('keeps yaml and schema problems as errors with path, line and column', async () => {
    const { catalogue } = await fixtureHost();
    expect(catalogue.plugin('unknown-keys')?.errors).toEqual([
      { path: 'colour', message: 'unknown key (allowed: id, version, description, host, kinds, modules, settings, entry)', line: 6, column: 1 },
      { path: 'modules[0].name', message: 'unknown key (allowed: id, description)', line: 9, column: 5 },
    ]);
  });

  it('loads the healthy plugin beside the broken ones, logs each failure, and offers only healthy tools', async () => {
    const { catalogue, logs } = await fixtureHost();
    expect(catalogue.plugins().map((p) => p.id)).toEqual([
      'bad-schema', 'bad-yaml', 'dup-tools', 'escape-entry', 'future-host', 'healthy', 'mismatched-id', 'no-entry', 'not-a-plugin',
      'throws-at-import', 'throws-in-factory', 'undeclared-module', 'unknown-keys',
    ]);
    expect(catalogue.plugin('healthy')).toMatchObject({ status: 'loaded', version: '1.0.0', tools: ['healthy.util.ping'] });
    expect(catalogue.tools().map((t) => t.id)).toEqual(['healthy.util.ping']);
    const failures = logs.filter((l) => l.msg === 'plugin failed to load; skipped');
    expect(failures).toHaveLength(reasons.length);
    expect(failures[0]).toMatchObject({ level: 50, plugin: 'bad-schema', reason: reasons.find(([id]) => id === 'bad-schema')?.[1] });
  });

  it('a second plugin with a taken id fails without being imported', async () => {
    const { catalogue } = await createTestHost({ builtinDir: DEMO, config: { dirs: [join(root, 'test/fixtures/plugins-shadow')] } });
    const [builtin, shadow] = catalogue.plugins();
    expect(builtin).toMatchObject({ id: 'demo', status: 'loaded', dir: join(root, 'plugins/demo') });
    expect(shadow).toMatchObject({ id: 'demo', status: 'failed', reason: `plugin id "demo" is already taken by ${join(root, 'plugins/demo')}` });
    expect(catalogue.get('demo.util.echo')).toBeDefined();
  });

  it('a plugins.dirs entry may itself be a plugin folder; relative dirs resolve against baseDir; a missing dir is a warning', async () => {
    const { catalogue, logs } = await createTestHost({ builtinDir: null, baseDir: fixtures, config: { dirs: ['healthy', 'nowhere'] } });
    expect(catalogue.plugins().map((p) => [p.id, p.status])).toEqual([['healthy', 'loaded']]);
    expect(logs).toContainEqual(expect.objectContaining({ level: 40, dir: join(fixtures, 'nowhere'), msg: 'plugin directory does not exist; skipped' }));
  });

  it('a factory that never finishes fails after the time limit', async () => {
    const dir = external('hangs', 'index.mjs', `export default { [Symbol.for('steward.plugin')]: true, setup: () => new Promise(() => {}) };`);
    const { catalogue } = await createTestHost({ builtinDir: null, config: { dirs: [dir] }, factoryTimeoutMs: 50 });
    expect(catalogue.plugin('hangs')).toMatchObject({ status: 'failed', reason: 'plugin factory did not finish within 50 ms' });
  });
});

describe('loadPlugins: config', () => {
  it('plugins.<id>.enabled: false disables the plugin without importing it', async () => {
    const { catalogue } = await createTestHost({ builtinDir: DEMO, config: { demo: { enabled: false } } });
    expect(catalogue.plugin('demo')).toMatchObject({ status: 'disabled', reason: 'plugins.demo.enabled is false', tools: [] });
    expect(catalogue.tools()).toEqual([]);
  });

  it('modules and tools allow-lists filter the tools and remember what they left out', async () => {
    const { catalogue } = await createTestHost({ builtinDir: DEMO, config: { demo: { modules: ['notes'], tools: ['notes.list', 'demo.notes.write'] } } });
    expect(catalogue.tools().map((t) => t.id)).toEqual(['demo.notes.list', 'demo.notes.write']);
    expect(catalogue.plugin('demo')?.filteredTools).toEqual(['demo.notes.copy', 'demo.notes.delete', 'demo.util.echo', 'demo.util.noop', 'demo.util.slow', 'demo.util.stall']);
  });

  it('a tool of a disabled, failed or allow-listed-out plugin is TOOL_NOT_FOUND saying why', async () => {
    const disabled = await createTestHost({ builtinDir: DEMO, config: { demo: { enabled: false } } });
    await expect(disabled.invoker.invoke('demo.util.echo', { message: 'x' })).rejects.toMatchObject({
      code: 'TOOL_NOT_FOUND',
      message: 'tool "demo.util.echo" is unavailable: plugin "demo" is disabled (plugins.demo.enabled is false)',
    });
    const filtered = await createTestHost({ builtinDir: DEMO, config: { demo: { tools: ['util.noop'] } } });
    await expect(filtered.invoker.invoke('demo.util.echo', { message: 'x' })).rejects.toThrow('tool "demo.util.echo" is disabled by the allow-lists in plugins.demo (steward.yaml)');
    expect(await filtered.invoker.invoke('demo.util.noop', {})).toMatchObject({ ok: true });
    const failed = await createTestHost({ builtinDir: DEMO, config: { demo: { settings: { maxNotes: 0 } } } });
    await expect(failed.invoker.invoke('demo.util.echo', { message: 'x' })).rejects.toThrow(
      'tool "demo.util.echo" is unavailable: plugin "demo" failed to load (invalid settings in steward.yaml: plugins.demo.settings.maxNotes: must be >= 1)',
    );
  });

  it.each([
    [{ modules: ['nope'] }, 'plugins.demo.modules lists "nope", which is not a module of this plugin'],
    [{ tools: ['util.nope'] }, 'plugins.demo.tools lists "util.nope", which is not a tool of this plugin'],
    [{ settings: { maxNotes: 'many' } }, 'invalid settings in steward.yaml: plugins.demo.settings.maxNotes: must be an integer'],
    [{ settings: { colour: 'blue' } }, 'invalid settings in steward.yaml: plugins.demo.settings.colour: unknown key (allowed: maxNotes)'],
  ])('config %j fails the plugin: %s', async (demo, reason) => {
    const { catalogue } = await createTestHost({ builtinDir: DEMO, config: { demo } });
    expect(catalogue.plugin('demo')).toMatchObject({ status: 'failed', reason });
  });

  it('warns about config for a plugin that does not exist', async () => {
    const { logs } = await createTestHost({ builtinDir: null, config: { sisense: { enabled: true } } });
    expect(logs).toContainEqual(expect.objectContaining({ level: 40, plugin: 'sisense', msg: 'plugins.sisense is configured but no such plugin was found' }));
  });
});

describe('loadPlugins: the host-provided mcp plugin (external MCP servers; real peers in test/e2e/mcp-external)', () => {
  const servers = { peer: { transport: 'stdio', command: 'steward-test-no-such-command' } };

  it('is mounted from plugins.mcp; a server that cannot start is failed in servers while the plugin loads', async () => {
    const { catalogue } = await createTestHost({ builtinDir: null, config: { mcp: { settings: { servers } } } });
    expect(catalogue.plugin('mcp')).toMatchObject({ status: 'loaded', dir: '(steward.yaml: plugins.mcp)', modules: ['peer'], tools: [] });
    expect(catalogue.plugin('mcp')?.servers).toEqual([{ name: 'peer', transport: 'stdio', status: 'failed', reason: 'cannot start "steward-test-no-such-command": command not found', restarts: 0, tools: [] }]);
    await catalogue.dispose();
  });

  it.each([
    [{ enabled: false, settings: { servers } }, 'disabled', 'plugins.mcp.enabled is false'],
    [{ settings: { servers: { peer: { transport: 'stdio' } } } }, 'failed', 'invalid settings in steward.yaml: plugins.mcp.settings.servers.peer.command: is required for transport: stdio'],
    [{ settings: {} }, 'failed', 'invalid settings in steward.yaml: plugins.mcp.settings.servers: is required'],
    [{ modules: ['other'], settings: { servers } }, 'failed', 'plugins.mcp.modules lists "other", which is not a server in plugins.mcp.settings.servers'],
    [{ tools: ['other.echo'], settings: { servers } }, 'failed', 'plugins.mcp.tools lists "other.echo", which names no configured server (write <server>.<tool> or mcp.<server>.<tool>)'],
  ])('config %j: %s (%s), nothing started', async (mcp, status, reason) => {
    const { catalogue } = await createTestHost({ builtinDir: null, config: { mcp } });
    expect(catalogue.plugin('mcp')).toMatchObject({ status, reason, tools: [] });
  });

  it('a server the allow-lists leave nothing of is not started', async () => {
    const { catalogue } = await createTestHost({ builtinDir: null, config: { mcp: { modules: ['peer'], settings: { servers: { ...servers, other: servers.peer } } } } });
    expect(catalogue.plugin('mcp')?.servers?.[1]).toMatchObject({ name: 'other', status: 'disabled', reason: 'not in plugins.mcp.modules' });
    expect(catalogue.tools()).toEqual([]);
    expect(() => catalogue.require('mcp.other.echo')).toThrow('tool "mcp.other.echo" is unavailable: external MCP server "other" is disabled (not in plugins.mcp.modules)');
  });

  it('is left out when asked (the registry build), without a warning about unknown config', async () => {
    const { catalogue, logs } = await createTestHost({ builtinDir: null, external: false, config: { mcp: { settings: { servers } } } });
    expect(catalogue.plugins()).toEqual([]);
    expect(logs.filter((l) => l.level === 40)).toEqual([]);
  });

  it('a folder plugin may not take the id mcp', async () => {
    const dir = external('mcp', 'index.mjs', 'export default 1;');
    const { catalogue } = await createTestHost({ builtinDir: null, config: { dirs: [dir] } });
    expect(catalogue.plugin('mcp')).toMatchObject({ status: 'failed', reason: 'plugin id "mcp" is reserved for the external MCP servers of plugins.mcp in steward.yaml' });
  });
});

describe('entry resolution', () => {
  const manifest = (entry: string) => ({ entry }) as PluginManifest;

  it('a package plugin imports its .ts source under ts-jest and dist/plugins/<id>/*.js when running compiled', () => {
    const dir = join(root, 'plugins/demo');
    expect(resolveEntry(dir, manifest('index.ts'), root, false)).toBe(join(dir, 'index.ts'));
    expect(resolveEntry(dir, manifest('index.ts'), root, true)).toBe(join(root, 'dist/plugins/demo/index.js'));
  });

  it('a plugin outside the package must ship JavaScript', async () => {
    const dir = external('outside', 'index.ts', 'export default 1;');
    const { catalogue } = await createTestHost({ builtinDir: null, config: { dirs: [dir] } });
    expect(catalogue.plugin('outside')).toMatchObject({ status: 'failed', reason: 'entry index.ts: plugins outside the Steward package must ship a .js or .mjs entry' });
  });

  it('a plugin outside the package with an .mjs entry loads (the plugin brand is shared across module copies)', async () => {
    const tool = `{ id: 'outside.util.ping', title: 'Ping', description: 'Pong.', inputSchema: { type: 'object' }, effect: 'read', idempotent: true, environments: [], examples: [{ title: 'Ping', input: {} }], handler: () => ({ pong: 1 }) }`;
    const dir = external('outside', 'index.mjs', `export default { [Symbol.for('steward.plugin')]: true, setup: (api) => api.register(${tool}) };`);
    const { catalogue, invoker } = await createTestHost({ builtinDir: null, config: { dirs: [dir] } });
    expect(catalogue.plugin('outside')).toMatchObject({ status: 'loaded' });
    expect(await invoker.invoke('outside.util.ping', {})).toMatchObject({ ok: true, output: { pong: 1 } });
  });
});

/** A plugin folder under the system temp dir (outside the Steward package). */
function external(id: string, entry: string, code: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'steward-plugin-')), id);
  mkdirSync(dir);
  const yaml = `id: ${id}\nversion: 1.0.0\ndescription: External plugin.\nhost: '*'\nkinds: [demo]\nentry: ${entry}\nmodules:\n  - id: util\n    description: Utilities.\n`;
  writeFileSync(join(dir, 'plugin.yaml'), yaml);
  writeFileSync(join(dir, entry), code);
  return dir;
}
