import { describe, expect, it } from '@jest/globals';
import { parseExternalSettings } from './external.settings.js';

const parse = (servers: unknown) => parseExternalSettings({ servers }, '/etc/steward');
const reason = (servers: unknown): string => {
  try {
    parse(servers);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected invalid settings');
};

describe('plugins.mcp.settings', () => {
  it('fills defaults and resolves a relative cwd against the config directory', () => {
    expect(parse({ local: { transport: 'stdio', command: 'node', args: ['server.js'], cwd: 'servers' }, remote: { transport: 'http', url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer x' } } })).toEqual({
      servers: {
        local: { transport: 'stdio', command: 'node', args: ['server.js'], cwd: '/etc/steward/servers', timeoutMs: 60000, connectTimeoutMs: 15000, effects: {}, idempotent: [] },
        remote: { transport: 'http', url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer x' }, timeoutMs: 60000, connectTimeoutMs: 15000, effects: {}, idempotent: [] },
      },
    });
  });

  it('does not change the settings it was given', () => {
    const given = { servers: { a: { transport: 'stdio', command: 'x' } } };
    parseExternalSettings(given, '/');
    expect(given).toEqual({ servers: { a: { transport: 'stdio', command: 'x' } } });
  });

  it.each([
    [{ a: { transport: 'stdio', command: 'x', colour: 'red' } }, 'plugins.mcp.settings.servers.a.colour: unknown key (allowed: transport, command, args, env, cwd, url, headers, timeoutMs, connectTimeoutMs, effects, idempotent)'],
    [{ a: { command: 'x' } }, 'plugins.mcp.settings.servers.a.transport: is required'],
    [{ a: { transport: 'pipe', command: 'x' } }, 'plugins.mcp.settings.servers.a.transport: must be one of: "stdio", "http"'],
    [{ a: { transport: 'stdio' } }, 'plugins.mcp.settings.servers.a.command: is required for transport: stdio'],
    [{ a: { transport: 'http' } }, 'plugins.mcp.settings.servers.a.url: is required for transport: http'],
    [{ a: { transport: 'http', url: 'ftp://x/mcp' } }, 'plugins.mcp.settings.servers.a.url: must match the pattern ^https?://'],
    [{ a: { transport: 'http', url: 'http://x/mcp', command: 'node' } }, 'plugins.mcp.settings.servers.a.command: applies to transport: stdio only (this server uses http)'],
    [{ a: { transport: 'stdio', command: 'x', headers: { a: 'b' } } }, 'plugins.mcp.settings.servers.a.headers: applies to transport: http only (this server uses stdio)'],
    [{ a: { transport: 'stdio', command: 'x', env: { N: 1 } } }, 'plugins.mcp.settings.servers.a.env.N: must be a string'],
    [{ a: { transport: 'stdio', command: 'x', effects: { echo: 'safe' } } }, 'plugins.mcp.settings.servers.a.effects.echo: must be one of: "read", "write", "destructive"'],
    [{ a: { transport: 'stdio', command: 'x', timeoutMs: 5 } }, 'plugins.mcp.settings.servers.a.timeoutMs: must be >= 100'],
    [{ Bad_Name: { transport: 'stdio', command: 'x' } }, 'plugins.mcp.settings.servers.Bad_Name: is not an allowed name'],
  ])('%j is rejected: %s', (servers, message) => {
    expect(reason(servers)).toBe(`invalid settings in steward.yaml: ${message}`);
  });

  it('requires servers and nothing else at the top', () => {
    expect(() => parseExternalSettings({}, '/')).toThrow('plugins.mcp.settings.servers: is required');
    expect(() => parseExternalSettings({ servers: {}, retry: 1 }, '/')).toThrow('plugins.mcp.settings.retry: unknown key (allowed: servers)');
  });

  it('reports every problem, each with its path (kept as errors for GET /plugins)', () => {
    let errors: unknown;
    try {
      parse({ a: { transport: 'stdio' }, b: { transport: 'http', url: 'nope' } });
    } catch (e) {
      errors = (e as { errors?: unknown }).errors;
    }
    expect(errors).toEqual([
      { path: 'plugins.mcp.settings.servers.b.url', message: 'must match the pattern ^https?://' },
      { path: 'plugins.mcp.settings.servers.b.url', message: 'must be a URI' },
      { path: 'plugins.mcp.settings.servers.a.command', message: 'is required for transport: stdio' },
    ]);
  });
});
