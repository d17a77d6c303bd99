import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Global, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { join } from 'node:path';
import request from 'supertest';
import { packageRoot } from '../common/paths.js';
import { CONFIG, type StewardConfig } from '../config/config.types.js';
import { LOGGER } from '../http/tokens.js';
import { PluginCatalogue } from './plugin.catalogue.js';
import { PluginsController } from './plugins.controller.js';
import { PluginsModule } from './plugins.module.js';
import { PLUGIN_CATALOGUE, TOOL_INVOKER } from './plugins.tokens.js';
import { captureLogger } from './test-host.js';
import type { ToolInvoker } from './tool.invoker.js';
import { ToolsController } from '../registry/tools.controller.js';

const { logger } = captureLogger();
const config = { plugins: { dirs: [], demo: { modules: ['util', 'notes'] } }, environments: { prod: { kind: 'demo' } } } as unknown as StewardConfig;

@Global()
@Module({ providers: [{ provide: CONFIG, useValue: config }, { provide: LOGGER, useValue: logger }], exports: [CONFIG, LOGGER] })
class FakeAppModule {}

@Module({ imports: [FakeAppModule, PluginsModule.forRoot({ baseDir: '/', builtinDir: join(packageRoot(), 'plugins/demo') })] })
class RootModule {}

describe('PluginsModule (no auth guard here: the app module adds it)', () => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await NestFactory.create(RootModule, { logger: false });
    await app.init();
  });
  afterAll(() => app.close());

  it('provides the catalogue and an invoker bound to the configured environments', async () => {
    const invoker = app.get<ToolInvoker>(TOOL_INVOKER);
    expect(app.get(PLUGIN_CATALOGUE)).toBeInstanceOf(PluginCatalogue);
    expect(await invoker.invoke('demo.notes.write', { key: 'a', text: 'x' }, { environments: { target: 'prod' } })).toMatchObject({ ok: true });
  });

  it('GET /plugins lists plugins with status and tool count', async () => {
    const res = await request(app.getHttpServer()).get('/plugins').expect(200);
    expect(res.body).toEqual({
      plugins: [{ id: 'demo', version: '0.1.0', description: expect.any(String), status: 'loaded', dir: expect.stringMatching(/plugins\/demo$/), kinds: ['demo'], modules: ['util', 'notes'], toolCount: 8 }],
    });
  });

  it('GET /tools filters by plugin, module and effect', async () => {
    const all = await request(app.getHttpServer()).get('/tools').expect(200);
    expect(all.body.tools).toHaveLength(8);
    const writes = await request(app.getHttpServer()).get('/tools?plugin=demo&module=notes&effect=write').expect(200);
    expect(writes.body.tools.map((t: { id: string }) => t.id)).toEqual(['demo.notes.copy', 'demo.notes.write']);
    expect(writes.body.tools[1]).toMatchObject({ wireName: 'demo__notes__write', annotations: { readOnlyHint: false }, inputSchema: { type: 'object' } });
    const none = await request(app.getHttpServer()).get('/tools?plugin=sisense').expect(200);
    expect(none.body).toEqual({ tools: [] });
  });

  it('GET /tools/:id answers by id or wire name', async () => {
    const byId = await request(app.getHttpServer()).get('/tools/demo.util.echo').expect(200);
    const byWire = await request(app.getHttpServer()).get('/tools/demo__util__echo').expect(200);
    expect(byWire.body).toEqual(byId.body);
    expect(byId.body).toMatchObject({ id: 'demo.util.echo', title: 'Echo a message' });
  });
});

describe('controllers (direct)', () => {
  it('GET /tools rejects an unknown effect with VALIDATION_FAILED naming the parameter', async () => {
    const controller = new ToolsController(new PluginCatalogue([], []));
    expect(() => controller.list(undefined, undefined, 'explode')).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', message: 'effect must be one of: read, write, destructive', errors: [{ path: 'effect', message: 'must be one of: read, write, destructive' }] }),
    );
  });

  it('GET /tools/:id is TOOL_NOT_FOUND (404) for an unknown tool', () => {
    const controller = new ToolsController(new PluginCatalogue([], []));
    expect(() => controller.get('demo.util.nope')).toThrow(expect.objectContaining({ code: 'TOOL_NOT_FOUND', status: 404 }));
  });

  it('GET /plugins shows the reason and errors of a failed plugin', () => {
    const errors = [{ path: 'colour', message: 'unknown key', line: 3, column: 1 }];
    const controller = new PluginsController(
      new PluginCatalogue([{ id: 'bad', dir: '/p/bad', status: 'failed', reason: 'plugin.yaml: 3:1: colour: unknown key', errors, kinds: [], modules: [], tools: [], filteredTools: [] }], []),
    );
    expect(controller.list().plugins).toEqual([
      { id: 'bad', version: undefined, description: undefined, status: 'failed', reason: 'plugin.yaml: 3:1: colour: unknown key', errors, dir: '/p/bad', kinds: [], modules: [], toolCount: 0 },
    ]);
  });
});
