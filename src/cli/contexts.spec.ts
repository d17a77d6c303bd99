import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { runCli, type CliIo } from './cli.js';
import { remoteFrom } from './options.js';

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'steward-ctx-'));
  writeFileSync(join(dir, 'op.token'), 'operator-token-0123456789\n');
  const env: Record<string, string> = { STEWARD_CONTEXT_FILE: join(dir, 'sub', 'contexts.yaml') };
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (s) => out.push(s), err: (s) => err.push(s), env, cwd: dir, onSignal: () => undefined };
  const cli = async (...args: string[]) => {
    out.length = 0;
    err.length = 0;
    return { code: await runCli(['node', 'steward', ...args], io), out: out.join(''), err: err.join('') };
  };
  return { dir, env, io, cli };
}

describe('steward context', () => {
  it('set, list, use, delete; the file is mode 0600 and names the token file, not the token', async () => {
    const { dir, env, io, cli } = setup();
    expect((await cli('context', 'set', 'lab', '--server', 'http://127.0.0.1:8080/', '--token-file', 'op.token')).code).toBe(0);
    expect((await cli('context', 'set', 'prod', '--server', 'https://steward.example', '--json')).out).toContain('"current":false');
    expect(statSync(env.STEWARD_CONTEXT_FILE!).mode & 0o777).toBe(0o600);
    expect(readFileSync(env.STEWARD_CONTEXT_FILE!, 'utf8')).not.toContain('operator-token');
    const list = JSON.parse((await cli('context', 'list', '--json')).out);
    expect(list).toMatchObject({ current: 'lab', contexts: { lab: { server: 'http://127.0.0.1:8080', tokenFile: join(dir, 'op.token') }, prod: { server: 'https://steward.example' } } });

    const client = remoteFrom({}, io)!;
    expect(client.baseUrl).toBe('http://127.0.0.1:8080');
    expect(client.auth()).toEqual({ Authorization: 'Bearer operator-token-0123456789' });
    // $STEWARD_SERVER wins over the context (and then the context's token file is not used)
    expect(() => remoteFrom({}, { ...io, env: { ...env, STEWARD_SERVER: 'http://127.0.0.1:9' } })).toThrow(/needs a bearer token/);
    expect(remoteFrom({}, { ...io, env: { ...env, STEWARD_SERVER: 'http://127.0.0.1:9', STEWARD_TOKEN: 't'.repeat(20) } })!.baseUrl).toBe('http://127.0.0.1:9');
    expect(remoteFrom({}, { ...io, env: { ...env, STEWARD_CONTEXT: 'prod', STEWARD_TOKEN: 't'.repeat(20) } })!.baseUrl).toBe('https://steward.example');

    expect((await cli('context', 'use', 'prod')).out).toBe('current context: prod (https://steward.example)\n');
    expect((await cli('context', 'list')).out).toBe(`  lab  http://127.0.0.1:8080  token file ${join(dir, 'op.token')}\n* prod  https://steward.example\n`);
    expect((await cli('context', 'delete', 'prod')).code).toBe(0);
    expect(remoteFrom({}, io)).toBeUndefined(); // no current context: in-process again
    expect(remoteFrom({ context: 'lab' }, io)!.baseUrl).toBe('http://127.0.0.1:8080');
  });

  it('bad input exits 2 naming what is wrong', async () => {
    const { io, cli } = setup();
    expect(await cli('context', 'set', 'bad name', '--server', 'http://x')).toMatchObject({ code: 2, err: expect.stringContaining('context name "bad name"') });
    expect(await cli('context', 'set', 'a', '--server', 'ftp://x')).toMatchObject({ code: 2, err: expect.stringContaining('http:// or https://') });
    expect(await cli('context', 'set', 'a', '--server', 'http://u:p@x')).toMatchObject({ code: 2, err: expect.stringContaining('must not carry credentials') });
    expect(await cli('context', 'set', 'a', '--server', 'http://x', '--token-file', 'missing')).toMatchObject({ code: 2, err: expect.stringContaining('no such file') });
    expect(await cli('context', 'use', 'nope')).toMatchObject({ code: 2, err: expect.stringContaining('no context named "nope"') });
    expect(() => remoteFrom({ context: 'nope' }, io)).toThrow(/no context named "nope"/);
    writeFileSync(io.env.STEWARD_CONTEXT_FILE!.replace('/sub', ''), 'contexts: [1]\n');
    expect(() => remoteFrom({}, { ...io, env: { STEWARD_CONTEXT_FILE: io.env.STEWARD_CONTEXT_FILE!.replace('/sub', '') } })).toThrow(/expected a mapping/);
  });
});
