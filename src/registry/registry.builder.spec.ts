import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileSchema } from '../common/json-schema.js';
import { loadContract, packageRoot } from '../common/paths.js';
import { createTestHost } from '../plugins/test-host.js';
import { WIRE_NAME } from '../plugins/tool-id.js';
import { buildRegistry, checkRegistry, describeDiff, diffRegistries, serializeRegistry, writeRegistry } from './registry.builder.js';
import type { RegistryDocument } from './registry.types.js';

const DEMO = join(packageRoot(), 'plugins/demo');
const demoCatalogue = async () => (await createTestHost({ builtinDir: DEMO })).catalogue;
const tempFile = () => join(mkdtempSync(join(tmpdir(), 'steward-registry-')), 'tools.registry.json');

describe('buildRegistry', () => {
  it('is deterministic: two builds from two loads give identical bytes', async () => {
    const first = serializeRegistry(buildRegistry(await demoCatalogue()));
    const second = serializeRegistry(buildRegistry(await demoCatalogue()));
    expect(second).toBe(first);
    expect(first.endsWith('}\n')).toBe(true);
  });

  it('matches schemas/registry.schema.json', async () => {
    const validate = compileSchema(loadContract('registry.schema.json'));
    const doc = buildRegistry(await demoCatalogue());
    expect(validate(doc) ? [] : validate.errors).toEqual([]);
  });

  it('sorts tools by id and gives each a unique wire name of at most 64 [A-Za-z0-9_-]', async () => {
    const { tools } = buildRegistry(await demoCatalogue());
    const ids = tools.map((t) => t.id);
    expect(ids).toEqual([...ids].sort());
    for (const t of tools) expect(t.wireName).toMatch(WIRE_NAME);
    expect(new Set(tools.map((t) => t.wireName)).size).toBe(tools.length);
  });

  it('derives MCP annotations from effect, idempotence and reach (open world: an environment to act on), and lists roles, plan support and examples', async () => {
    const { tools } = buildRegistry(await demoCatalogue());
    const byId = Object.fromEntries(tools.map((t) => [t.id, t]));
    expect(byId['demo.util.echo']).toMatchObject({
      wireName: 'demo__util__echo',
      effect: 'read',
      environments: [],
      supportsPlan: false,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
      examples: [{ title: 'Say hello', input: { message: 'hello', uppercase: false } }, { title: 'Shout', input: { message: 'hello', uppercase: true } }],
    });
    expect(byId['demo.notes.write']).toMatchObject({ effect: 'write', environments: ['target'], supportsPlan: true, annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true } });
    expect(byId['demo.notes.delete'].annotations).toEqual({ readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true });
    expect(byId['demo.notes.copy'].environments).toEqual(['source', 'target']);
    expect(byId['demo.util.noop'].outputSchema).toEqual({ type: 'object', additionalProperties: false, properties: {} });
  });

  it('lists only loaded plugins', async () => {
    const { catalogue } = await createTestHost({ builtinDir: DEMO, config: { demo: { enabled: false } } });
    expect(buildRegistry(catalogue)).toMatchObject({ plugins: [], tools: [] });
  });
});

describe('diffRegistries and checkRegistry', () => {
  it('reports added, removed and changed ids', async () => {
    const fresh = buildRegistry(await demoCatalogue());
    const old: RegistryDocument = structuredClone(fresh);
    old.tools = old.tools.filter((t) => t.id !== 'demo.util.slow');
    old.tools.push({ ...old.tools[0], id: 'demo.util.gone' });
    old.tools.find((t) => t.id === 'demo.util.echo')!.description = 'old words';
    const diff = diffRegistries(old, fresh);
    expect(diff).toEqual({ added: ['demo.util.slow'], removed: ['demo.util.gone'], changed: ['demo.util.echo'], pluginsChanged: false });
    expect(describeDiff(diff)).toBe('added: demo.util.slow; removed: demo.util.gone; changed: demo.util.echo');
  });

  it('detects a missing, unparsable, stale or reformatted file; passes an up-to-date one', async () => {
    const catalogue = await demoCatalogue();
    const file = tempFile();
    expect(checkRegistry(file, catalogue)).toMatchObject({ upToDate: false, problem: `${file} does not exist` });

    writeFileSync(file, '{ nope');
    expect(checkRegistry(file, catalogue)).toMatchObject({ upToDate: false, problem: expect.stringContaining('is not valid JSON') });

    expect(writeRegistry(file, catalogue).upToDate).toBe(false);
    expect(checkRegistry(file, catalogue)).toMatchObject({ upToDate: true, diff: { added: [], removed: [], changed: [], pluginsChanged: false } });

    const doc = JSON.parse(readFileSync(file, 'utf8')) as RegistryDocument;
    doc.tools[0].title = 'Edited by hand';
    writeFileSync(file, serializeRegistry(doc));
    expect(checkRegistry(file, catalogue)).toMatchObject({ upToDate: false, diff: { changed: [doc.tools[0].id] } });

    writeFileSync(file, JSON.stringify(buildRegistry(catalogue)));
    const reformatted = checkRegistry(file, catalogue);
    expect(reformatted.upToDate).toBe(false);
    expect(describeDiff(reformatted.diff)).toBe('no tool changed (formatting differs)');
  });
});
