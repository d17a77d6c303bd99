import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { Global, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { CONFIG, type StewardConfig } from '../../src/config/config.types.js';
import { LOGGER } from '../../src/http/tokens.js';
import type { ProgressUpdate } from '../../src/plugins/plugin-api.js';
import type { ExternalServerStatus } from '../../src/plugins/plugin.types.js';
import { PluginsModule } from '../../src/plugins/plugins.module.js';
import { inputSchemaProblem } from '../../src/plugins/schema-check.js';
import { captureLogger, createTestHost, type TestHost } from '../../src/plugins/test-host.js';
import { bearer, configYaml, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { alive, EVERYTHING_BIN, eventually, everythingStdio, peerStdio, startEverythingHttp, type HttpPeer } from '../helpers/mcp-peers.js';

/**
 * External MCP servers mounted as the `mcp` plugin, against real peers: @modelcontextprotocol/server-everything over
 * stdio and over Streamable HTTP, and test/fixtures/mcp/peer-server.mjs (an SDK server) for the bad cases.
 */

const server = (host: TestHost, name: string): ExternalServerStatus => {
  const status = host.catalogue.plugin('mcp')?.servers?.find((s) => s.name === name);
  if (!status) throw new Error(`no server ${name}`);
  return status;
};

describe('external MCP servers (real peers)', () => {
  let http: HttpPeer;
  let host: TestHost;

  beforeAll(async () => {
    http = await startEverythingHttp();
    host = await createTestHost({
      builtinDir: null,
      externalBackoff: { initialMs: 300 },
      config: {
        mcp: {
          settings: {
            servers: {
              everything: everythingStdio(),
              web: { transport: 'http', url: http.url, headers: { 'X-Steward-Test': 'yes' } },
              peer: peerStdio({ timeoutMs: 800, env: { PEER_GREETING: 'hello from steward.yaml' }, effects: { greeting: 'write' }, idempotent: ['sleep'] }),
              missing: { transport: 'stdio', command: 'steward-test-no-such-command' },
              crashes: peerStdio({}, 'crash'),
              mute: peerStdio({ connectTimeoutMs: 500 }, 'mute'),
            },
          },
        },
      },
    });
  }, 60_000);

  afterAll(async () => {
    await host?.catalogue.dispose();
    await http?.close();
  });

  describe('listing', () => {
    it('mounts each server as a module of the mcp plugin, with tools under mcp.<server>.<tool>', () => {
      const record = host.catalogue.plugin('mcp');
      expect(record).toMatchObject({ id: 'mcp', status: 'loaded', modules: ['everything', 'web', 'peer', 'missing', 'crashes', 'mute'] });
      const ids = host.catalogue.tools({ module: 'everything' }).map((t) => t.id);
      expect(ids).toEqual(expect.arrayContaining(['mcp.everything.echo', 'mcp.everything.get-sum', 'mcp.everything.get-tiny-image', 'mcp.everything.trigger-long-running-operation']));
      expect(ids).not.toContain('mcp.everything.simulate-research-query');
      expect(host.catalogue.tools({ module: 'web' }).map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'trigger-long-running-operation']));
      expect(server(host, 'everything')).toMatchObject({ transport: 'stdio', status: 'connected', restarts: 0, remote: { name: 'mcp-servers/everything' }, pid: expect.any(Number) });
      expect(server(host, 'everything').tools).toEqual(ids);
      expect(server(host, 'web')).toMatchObject({ transport: 'http', status: 'connected', remote: { name: 'mcp-servers/everything' } });
      expect(server(host, 'web').pid).toBeUndefined();
    });

    it('maps effects: readOnlyHint → read, no hint → write, destructiveHint → destructive, config overrides win', () => {
      const effect = (id: string) => {
        const t = host.catalogue.require(id);
        return [t.effect, t.idempotent, t.environments];
      };
      expect(effect('mcp.everything.echo')).toEqual(['read', true, []]);
      expect(effect('mcp.everything.toggle-simulated-logging')).toEqual(['write', false, []]);
      expect(effect('mcp.everything.gzip-file-as-resource')).toEqual(['write', false, []]);
      expect(effect('mcp.peer.stats')).toEqual(['read', true, []]);
      expect(effect('mcp.peer.fail')).toEqual(['destructive', false, []]);
      expect(effect('mcp.peer.get-status')).toEqual(['destructive', false, []]);
      expect(effect('mcp.peer.greeting')).toEqual(['write', false, []]);
      expect(effect('mcp.peer.sleep')).toEqual(['write', true, []]);
    });

    it('leaves out task-only tools and names that collide once normalised, saying why', () => {
      expect(server(host, 'peer').skippedTools).toEqual([
        { tool: 'task_only', reason: 'it can only run as a task (execution.taskSupport: required), which Steward does not use' },
        { tool: 'fetchData', reason: 'the names "fetchData", "fetch-data" all become "fetch-data"; none is mounted' },
        { tool: 'fetch-data', reason: 'the names "fetchData", "fetch-data" all become "fetch-data"; none is mounted' },
      ]);
      expect(host.catalogue.get('mcp.peer.fetch-data')).toBeUndefined();
      expect(host.logs).toContainEqual(expect.objectContaining({ level: 40, plugin: 'mcp', server: 'peer', remoteTool: 'fetchData', msg: 'remote tool not mounted' }));
    });

    it('a server that cannot start is failed with the reason while the others load', () => {
      expect(server(host, 'missing')).toMatchObject({ status: 'failed', reason: 'cannot start "steward-test-no-such-command": command not found', tools: [], restarts: 0 });
      expect(server(host, 'crashes')).toMatchObject({ status: 'failed', reason: 'the process exited during start-up; stderr: peer-server: missing PEER_API_KEY; giving up' });
      expect(server(host, 'mute')).toMatchObject({ status: 'failed', reason: 'did not finish start-up (initialize, tools/list) within 500 ms' });
      expect(host.catalogue.plugin('mcp')?.reason).toMatch(/^3 of 6 external servers failed to start: missing \(cannot start/);
      expect(() => host.catalogue.require('mcp.missing.anything')).toThrow(
        'tool "mcp.missing.anything" is unavailable: external MCP server "missing" is failed (cannot start "steward-test-no-such-command": command not found)',
      );
    });
  });

  describe('calling', () => {
    it('echo over stdio and over HTTP', async () => {
      for (const module of ['everything', 'web']) {
        expect(await host.invoker.invoke(`mcp.${module}.echo`, { message: 'hi' })).toMatchObject({ ok: true, output: { content: [{ type: 'text', text: 'Echo: hi' }] } });
      }
    });

    it('validates input against the remote (draft-07) schema before calling', async () => {
      expect(await host.invoker.invoke('mcp.everything.get-sum', { a: 1 })).toMatchObject({ ok: false, error: { code: 'TOOL_INPUT_INVALID', message: 'input for mcp.everything.get-sum is invalid: input.b: is required' } });
      expect(await host.invoker.invoke('mcp.everything.get-sum', { a: 1, b: 2 })).toMatchObject({ ok: true, output: { content: [{ type: 'text', text: 'The sum of 1 and 2 is 3.' }] } });
    });

    it('gives structuredContent as the output (checked against the remote outputSchema), images as base64 + mimeType', async () => {
      expect(await host.invoker.invoke('mcp.everything.get-structured-content', { location: 'Chicago' })).toMatchObject({ ok: true, output: { temperature: 36, conditions: 'Light rain / drizzle', humidity: 82 } });
      const image = await host.invoker.invoke('mcp.web.get-tiny-image', {});
      expect(image).toMatchObject({ ok: true, output: { content: expect.arrayContaining([{ type: 'image', mimeType: 'image/png', data: expect.stringMatching(/^iVBORw0KGgo/) }]) } });
    });

    it.each(['everything', 'web'])('progress of trigger-long-running-operation reaches ctx.progress (%s)', async (module) => {
      const updates: ProgressUpdate[] = [];
      const result = await host.invoker.invoke(`mcp.${module}.trigger-long-running-operation`, { duration: 0.4, steps: 4 }, { progress: (u) => updates.push(u) });
      expect(result).toMatchObject({ ok: true, output: { content: [{ type: 'text', text: 'Long running operation completed. Duration: 0.4 seconds, Steps: 4.' }] } });
      expect(updates).toEqual([1, 2, 3, 4].map((progress) => ({ progress, total: 4 })));
    });

    it('passes the configured env to a stdio server', async () => {
      expect(await host.invoker.invoke('mcp.peer.greeting', {})).toMatchObject({ ok: true, output: { content: [{ type: 'text', text: 'hello from steward.yaml' }] } });
    });

    it("a remote isError result is MCP_TOOL_ERROR with the remote's text", async () => {
      expect(await host.invoker.invoke('mcp.peer.fail', {})).toMatchObject({ ok: false, error: { code: 'MCP_TOOL_ERROR', message: 'boom: the remote failed', detail: { server: 'peer', tool: 'fail' } } });
    });

    it('a schema the host cannot compile accepts any object; the remote still decides', async () => {
      expect(await host.invoker.invoke('mcp.peer.odd_schema', { x: 1 })).toMatchObject({ ok: true, output: { content: [{ type: 'text', text: 'called odd_schema with {"x":1}' }] } });
      expect(host.logs).toContainEqual(expect.objectContaining({ level: 40, tool: 'mcp.peer.odd_schema', msg: expect.stringContaining('cannot be compiled') }));
    });

    it('cancelling a call reaches the remote: its handler sees the abort', async () => {
      const controller = new AbortController();
      const pending = host.invoker.invoke('mcp.peer.sleep', { ms: 30_000 }, { signal: controller.signal, progress: () => controller.abort('operator cancelled') });
      expect(await pending).toMatchObject({ ok: false, error: { code: 'CANCELLED', message: 'the tool call was cancelled: operator cancelled' } });
      // The remote learns of it by notifications/cancelled, a moment after the call returned here.
      const counts = async () => ((await host.invoker.invoke('mcp.peer.stats', {})) as { output?: { started: number; cancelled: number } }).output;
      let seen = await counts();
      for (let i = 0; i < 40 && seen?.cancelled !== 1; i++) {
        await new Promise((r) => setTimeout(r, 50));
        seen = await counts();
      }
      expect(seen).toEqual({ started: 1, cancelled: 1 });
      // ...with the reason given here (its stderr line, logged by Steward at debug).
      await eventually(() => host.logs.some((l) => l.server === 'peer' && l.stderr === 'peer-server: sleep cancelled (operator cancelled)'), 5_000, 'the stderr line');
    });

    it('a server that never answers: TIMEOUT after timeoutMs, and the server stays usable', async () => {
      const started = Date.now();
      expect(await host.invoker.invoke('mcp.peer.hang', {})).toMatchObject({ ok: false, error: { code: 'TIMEOUT', message: 'external MCP server "peer" did not answer "hang" within 800 ms' } });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await host.invoker.invoke('mcp.peer.stats', {})).toMatchObject({ ok: true });
    });
  });

  describe('a server that dies or goes away', () => {
    it('fails the call in flight with MCP_SERVER_DIED, fails fast while restarting, then works again', async () => {
      const before = server(host, 'everything').pid as number;
      let killed = false;
      const result = await host.invoker.invoke(
        'mcp.everything.trigger-long-running-operation',
        { duration: 20, steps: 20 },
        {
          progress: () => {
            if (!killed) process.kill(before, 'SIGKILL');
            killed = true;
          },
        },
      );
      expect(result).toMatchObject({ ok: false, error: { code: 'MCP_SERVER_DIED', message: expect.stringMatching(/^external MCP server "everything" exited during the call.*; it is being restarted$/) } });
      expect(server(host, 'everything')).toMatchObject({ status: 'restarting', reason: expect.stringMatching(/^the process exited/) });
      expect(await host.invoker.invoke('mcp.everything.echo', { message: 'anyone?' })).toMatchObject({
        ok: false,
        error: { code: 'MCP_SERVER_UNAVAILABLE', message: expect.stringMatching(/^external MCP server "everything" is restarting: the process exited/) },
      });
      const after = await eventually(() => server(host, 'everything').status === 'connected' && server(host, 'everything'), 15_000, 'the restart');
      expect(after).toMatchObject({ restarts: 1, pid: expect.any(Number) });
      expect(after.pid).not.toBe(before);
      expect(after.reason).toBeUndefined();
      expect(await host.invoker.invoke('mcp.everything.echo', { message: 'back' })).toMatchObject({ ok: true, output: { content: [{ type: 'text', text: 'Echo: back' }] } });
      expect(host.logs).toContainEqual(expect.objectContaining({ level: 40, server: 'everything', msg: 'external MCP server exited' }));
    }, 30_000);

    it('an http server that goes away: the call fails, calls fail fast, and it reconnects once the server is back', async () => {
      const port = Number(new URL(http.url).port);
      await http.close();
      expect(await host.invoker.invoke('mcp.web.echo', { message: 'x' })).toMatchObject({
        ok: false,
        error: { code: 'MCP_SERVER_UNAVAILABLE', message: expect.stringMatching(/^external MCP server "web" could not be reached for "echo": fetch failed: connect ECONNREFUSED/) },
      });
      const down = await eventually(() => server(host, 'web').status === 'restarting' && server(host, 'web'), 5_000, 'the drop');
      expect(down.reason).toMatch(/^(the connection was lost: fetch failed|restart attempt \d+ failed: cannot connect)/);
      expect(await host.invoker.invoke('mcp.web.echo', { message: 'x' })).toMatchObject({ ok: false, error: { code: 'MCP_SERVER_UNAVAILABLE', message: expect.stringMatching(/^external MCP server "web" is restarting/) } });
      http = await startEverythingHttp(port);
      const back = await eventually(() => server(host, 'web').status === 'connected' && server(host, 'web'), 15_000, 'the reconnect');
      expect(back.restarts).toBe(1);
      expect(await host.invoker.invoke('mcp.web.echo', { message: 'back' })).toMatchObject({ ok: true, output: { content: [{ type: 'text', text: 'Echo: back' }] } });
    }, 30_000);

    it('an http server that restarted and forgot the session: the call fails, then Steward opens a new session', async () => {
      const port = Number(new URL(http.url).port);
      await http.close();
      http = await startEverythingHttp(port);
      const result = await host.invoker.invoke('mcp.web.echo', { message: 'x' });
      // server-everything answers an unknown session with 400 (the spec says 404); either way it is an HTTP error.
      expect(result).toMatchObject({ ok: false, error: { code: 'MCP_SERVER_UNAVAILABLE', message: expect.stringMatching(/^external MCP server "web" answered "echo" with HTTP 40[04] \(.*\); reconnecting$/) } });
      const back = await eventually(() => server(host, 'web').status === 'connected' && server(host, 'web'), 15_000, 'the reconnect');
      expect(back.restarts).toBe(2);
      expect(await host.invoker.invoke('mcp.web.echo', { message: 'again' })).toMatchObject({ ok: true });
    }, 30_000);

    it('dispose closes every connection and leaves no child process behind', async () => {
      const pids = ['everything', 'peer'].map((name) => server(host, name).pid as number);
      expect(pids.every(alive)).toBe(true);
      await host.catalogue.dispose();
      expect(pids.filter(alive)).toEqual([]);
      expect(server(host, 'everything')).toMatchObject({ status: 'closed' });
      expect(server(host, 'missing')).toMatchObject({ status: 'failed' });
      expect(await host.invoker.invoke('mcp.everything.echo', { message: 'x' })).toMatchObject({ ok: false, error: { code: 'MCP_SERVER_UNAVAILABLE', message: 'external MCP server "everything" is closed' } });
    }, 15_000);
  });
});

describe('GET /plugins and GET /tools with external servers (PluginsModule over HTTP)', () => {
  const { logger } = captureLogger();
  const config = {
    plugins: { dirs: [], mcp: { tools: ['everything.echo', 'everything.get-sum', 'missing.anything'], settings: { servers: { everything: everythingStdio(), missing: { transport: 'stdio', command: 'steward-test-no-such-command' } } } } },
    environments: {},
  } as unknown as StewardConfig;

  @Global()
  @Module({ providers: [{ provide: CONFIG, useValue: config }, { provide: LOGGER, useValue: logger }], exports: [CONFIG, LOGGER] })
  class FakeAppModule {}

  @Module({ imports: [FakeAppModule, PluginsModule.forRoot({ builtinDir: null, baseDir: '/' })] })
  class RootModule {}

  let app: INestApplication;
  beforeAll(async () => {
    app = await NestFactory.create(RootModule, { logger: false });
    await app.init();
  }, 30_000);
  afterAll(() => app?.close());

  it('lists the mcp plugin with each server: status, reason, restarts, tools; allow-lists apply', async () => {
    const res = await request(app.getHttpServer()).get('/plugins').expect(200);
    expect(res.body.plugins).toEqual([
      {
        id: 'mcp',
        version: expect.any(String),
        description: 'External MCP servers mounted from steward.yaml',
        status: 'loaded',
        reason: '1 of 2 external servers failed to start: missing (cannot start "steward-test-no-such-command": command not found)',
        dir: '(steward.yaml: plugins.mcp)',
        kinds: [],
        modules: ['everything', 'missing'],
        toolCount: 2,
        filteredTools: expect.arrayContaining(['mcp.everything.get-tiny-image']),
        servers: [
          { name: 'everything', transport: 'stdio', status: 'connected', restarts: 0, tools: ['mcp.everything.echo', 'mcp.everything.get-sum'], skippedTools: expect.any(Array), remote: { name: 'mcp-servers/everything', version: expect.any(String) }, pid: expect.any(Number) },
          { name: 'missing', transport: 'stdio', status: 'failed', reason: 'cannot start "steward-test-no-such-command": command not found', restarts: 0, tools: [] },
        ],
      },
    ]);
  });

  it('GET /tools shows external tools with the annotations Steward derives', async () => {
    const res = await request(app.getHttpServer()).get('/tools?plugin=mcp').expect(200);
    expect(res.body.tools.map((t: { id: string }) => t.id)).toEqual(['mcp.everything.echo', 'mcp.everything.get-sum']);
    expect(res.body.tools[0]).toMatchObject({ wireName: 'mcp__everything__echo', effect: 'read', environments: [], examples: [], annotations: { readOnlyHint: true, idempotentHint: true } });
  });

  it('shutting the app down stops the child process', async () => {
    const res = await request(app.getHttpServer()).get('/plugins').expect(200);
    const pid = res.body.plugins[0].servers[0].pid as number;
    expect(alive(pid)).toBe(true);
    await app.close();
    expect(alive(pid)).toBe(false);
  });
});

describe('the daemon with an external server: GET /plugins, and an outside MCP client through Steward to the peer', () => {
  let d: TestDaemon;
  let client: Client;
  const yaml = configYaml(
    [
      'plugins:',
      '  mcp:',
      '    settings:',
      '      servers:',
      '        everything:',
      '          transport: stdio',
      `          command: ${JSON.stringify(process.execPath)}`,
      `          args: [${JSON.stringify(EVERYTHING_BIN)}, stdio]`,
      '          env: { EVERYTHING_API_KEY: "${env:EVERYTHING_API_KEY}" }',
    ].join('\n'),
  );

  beforeAll(async () => {
    d = await startTestDaemon(yaml, { env: { EVERYTHING_API_KEY: 'peer-secret-value-123' } });
    client = new Client({ name: 'outside', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${d.url}/mcp`), { requestInit: { headers: { Authorization: bearer('operator') } } }));
  }, 30_000);
  afterAll(async () => {
    await client?.close().catch(() => undefined);
    await d?.close();
  });

  it('registers the env values of an external server as secrets', () => {
    expect(d.loaded.secrets).toContain('peer-secret-value-123');
  });

  it('GET /plugins shows the server connected', async () => {
    const res = await request(d.url).get('/plugins').set('Authorization', bearer('viewer')).expect(200);
    const mcp = res.body.plugins.find((p: { id: string }) => p.id === 'mcp');
    expect(mcp.servers).toEqual([expect.objectContaining({ name: 'everything', status: 'connected', restarts: 0, pid: expect.any(Number) })]);
  });

  it('an outside client calls a read tool of the peer through Steward, with progress across both hops', async () => {
    const echo = await client.callTool({ name: 'mcp__everything__echo', arguments: { message: 'via steward' } });
    expect(echo.isError).toBeFalsy();
    expect(JSON.stringify(echo)).toContain('Echo: via steward');
    const seen: number[] = [];
    const slow = await client.callTool({ name: 'mcp__everything__trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } }, undefined, { onprogress: (p) => seen.push(p.progress) });
    expect(slow.isError).toBeFalsy();
    expect(seen).toEqual([1, 2, 3]);
  });

  it("a tool without readOnlyHint counts as write: Steward's gate asks for an approval before it reaches the peer", async () => {
    const result = await client.callTool({ name: 'mcp__everything__toggle-simulated-logging', arguments: {} });
    expect(result.isError).toBe(true);
    expect((result._meta as Record<string, unknown>)['steward/approval']).toMatchObject({ status: 'pending' });
  });

  it("the peer's content reaches the client as MCP content: image, resource links, embedded resources; text not re-wrapped", async () => {
    const image = await client.callTool({ name: 'mcp__everything__get-tiny-image', arguments: {} });
    expect(image.isError).toBeFalsy();
    const items = image.content as { type: string; mimeType?: string; data?: string; text?: string }[];
    expect(items.map((c) => c.type)).toEqual(['text', 'image', 'text']);
    expect(items[1]).toMatchObject({ mimeType: 'image/png', data: expect.stringMatching(/^iVBORw0KGgo/) });
    expect(items[0]!.text).not.toContain('"content"');

    const echo = await client.callTool({ name: 'mcp__everything__echo', arguments: { message: 'plain' } });
    expect(echo.content).toEqual([{ type: 'text', text: 'Echo: plain' }]);
    expect(echo.structuredContent).toBeUndefined();

    const links = await client.callTool({ name: 'mcp__everything__get-resource-links', arguments: { count: 2 } });
    expect((links.content as { type: string }[]).map((c) => c.type)).toEqual(['text', 'resource_link', 'resource_link']);
    expect((links.content as { uri?: string }[])[1]!.uri).toMatch(/^demo:\/\//);

    const reference = await client.callTool({ name: 'mcp__everything__get-resource-reference', arguments: { resourceType: 'Text', resourceId: 1 } });
    const embedded = (reference.content as { type: string; resource?: { uri: string; text?: string } }[]).find((c) => c.type === 'resource');
    expect(embedded?.resource).toMatchObject({ uri: expect.stringMatching(/^demo:\/\//), text: expect.any(String) });
  });

  it("the peer's structuredContent is kept beside its text", async () => {
    const r = await client.callTool({ name: 'mcp__everything__get-structured-content', arguments: { location: 'Chicago' } });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ temperature: expect.any(Number), conditions: expect.any(String) });
    expect(JSON.parse((r.content as { text: string }[])[0]!.text)).toEqual(r.structuredContent);
  });

  it('mounted tools reach an outside system (openWorldHint); plan mode on them answers PLAN_UNAVAILABLE, not a null plan', async () => {
    const { tools } = await client.listTools();
    expect(tools.find((t) => t.name === 'mcp__everything__echo')?.annotations?.openWorldHint).toBe(true);
    const plan = await client.callTool({ name: 'mcp__everything__echo', arguments: { message: 'x' }, _meta: { 'steward/mode': 'plan' } });
    expect(plan.isError).toBe(true);
    expect(plan._meta?.['steward/error']).toMatchObject({ code: 'PLAN_UNAVAILABLE', message: expect.stringContaining('no plan available') });
  });

  it('stopping the daemon stops the child process', async () => {
    const res = await request(d.url).get('/plugins').set('Authorization', bearer('viewer')).expect(200);
    const pid = res.body.plugins.find((p: { id: string }) => p.id === 'mcp').servers[0].pid as number;
    await client.close();
    await d.close();
    expect(alive(pid)).toBe(false);
  });
});

describe('a mounted tool whose schema some hosts refuse: listed flattened, called as the remote wrote it', () => {
  // A real SDK server over Streamable HTTP (stateless: one Server and transport per request), publishing a tool with a
  // top-level oneOf and a [string, null] type, as servers written against the full JSON Schema do.
  const calls: Record<string, unknown>[] = [];
  const shapes: Tool = {
    name: 'build-status',
    description: 'Status of a build.',
    inputSchema: {
      type: 'object',
      properties: { note: { type: ['string', 'null'] } },
      oneOf: [
        { properties: { build: { type: 'string' } }, required: ['build'] },
        { properties: { datamodel: { type: 'string' } }, required: ['datamodel'] },
      ],
    } as Tool['inputSchema'],
    annotations: { readOnlyHint: true },
  };
  let peer: HttpServer;
  let d: TestDaemon;
  let client: Client;

  beforeAll(async () => {
    peer = createHttpServer((req, res) => {
      const server = new Server({ name: 'shapes', version: '1' }, { capabilities: { tools: {} } });
      server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: [shapes] }));
      server.setRequestHandler(CallToolRequestSchema, async (r) => {
        calls.push(r.params.arguments ?? {});
        return { content: [{ type: 'text', text: `status of ${JSON.stringify(r.params.arguments)}` }] };
      });
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => void transport.close());
      void server.connect(transport).then(() => transport.handleRequest(req, res));
    });
    await new Promise<void>((r) => peer.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(peer.address() as AddressInfo).port}/mcp`;
    d = await startTestDaemon(configYaml(['plugins:', '  mcp:', '    settings:', '      servers:', `        shapes: { transport: http, url: ${JSON.stringify(url)} }`].join('\n')));
    client = new Client({ name: 'outside', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${d.url}/mcp`), { requestInit: { headers: { Authorization: bearer('operator') } } }));
  }, 30_000);
  afterAll(async () => {
    await client?.close().catch(() => undefined);
    await d?.close();
    await new Promise((r) => peer?.close(r));
  });

  it('is listed as one object with no combinator and no list of types, the oneOf in its description', async () => {
    const listed = (await client.listTools()).tools.find((t) => t.name === 'mcp__shapes__build-status');
    expect(listed?.inputSchema).toEqual({ type: 'object', properties: { note: { type: 'string', nullable: true }, build: { type: 'string' }, datamodel: { type: 'string' } } });
    expect(inputSchemaProblem(listed!.inputSchema)).toBeUndefined();
    expect(listed?.description).toContain("Input (the server's schema says; checked when called): exactly one of: build | datamodel.");
  });

  it("a call is checked against the remote's own schema: both or neither of the branches are refused before the remote; one reaches it", async () => {
    for (const args of [{ build: 'b1', datamodel: 'Sales' }, {}]) {
      const refused = await client.callTool({ name: 'mcp__shapes__build-status', arguments: args });
      expect(refused.isError).toBe(true);
      expect(refused._meta?.['steward/error']).toMatchObject({ code: 'TOOL_INPUT_INVALID' });
    }
    expect(calls).toEqual([]);
    const ok = await client.callTool({ name: 'mcp__shapes__build-status', arguments: { build: 'b1', note: null } });
    expect(ok.isError).toBeFalsy();
    expect(calls).toEqual([{ build: 'b1', note: null }]);
  });
});
