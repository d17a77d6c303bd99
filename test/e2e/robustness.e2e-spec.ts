import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import request from 'supertest';
import { runCli, type CliIo } from '../../src/cli/cli.js';
import { bearer, configYaml, startTestDaemon, TOKENS, type TestDaemon } from '../helpers/daemon.js';
import { waitForRun } from '../helpers/runs.js';
import { until } from '../helpers/wait.js';
import { startScriptedLlm, type ScriptedLlm } from '../llm-sim/scripted-llm.js';

const DEMO = join(new URL('.', import.meta.url).pathname, '../fixtures/playbooks-demo');
/** A "billion laughs" YAML: nine levels of nine aliases each, a few hundred bytes that expand to 9^9 strings. */
const BOMB = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...'bcdefghi'.split('').map((n, i) => `${n}: &${n} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n');

describe('robustness: hostile YAML, hostile requests (real HTTP)', () => {
  let d: TestDaemon;
  let playbooks: string;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-robust-'));
    playbooks = join(dir, 'pb');
    mkdirSync(playbooks);
    writeFileSync(join(playbooks, 'bomb.yaml'), `apiVersion: steward/v1\nkind: Playbook\n${BOMB}\n`);
    d = await startTestDaemon(configYaml(`environments:\n  lab: { kind: demo }\nplaybooks:\n  dirs: [${DEMO}, ${playbooks}]\n`), { dir });
  });
  afterAll(() => d?.close());

  const api = (role: keyof typeof TOKENS = 'admin') => ({
    get: (path: string) => request(d.url).get(path).set('Authorization', bearer(role)),
    post: (path: string) => request(d.url).post(path).set('Authorization', bearer(role)),
  });

  describe('13: an alias bomb is a diagnostic with its path, never a crash or a 500', () => {
    it('the daemon started without the file and GET /playbooks names it with file:line:col', async () => {
      const res = await api('viewer').get('/playbooks').expect(200);
      expect(res.body.playbooks.map((p: { id: string }) => p.id)).toContain('demo-read');
      expect(res.body.diagnostics).toContainEqual({ file: 'pb/bomb.yaml', line: 4, col: 8, severity: 'error', message: expect.stringContaining('Excessive alias count') });
    });

    it('POST /reload answers 200 and keeps the diagnostic; a bomb in steward.yaml is a reload problem with its line', async () => {
      await api().post('/reload').expect(200);
      const listed = await api('viewer').get('/playbooks').expect(200);
      expect(JSON.stringify(listed.body.diagnostics)).toContain('Excessive alias count');
      writeFileSync(join(d.dir, 'steward.yaml'), `${d.loaded.config ? readFileSync(join(d.dir, 'steward.yaml'), 'utf8') : ''}\n${BOMB}\n`);
      const res = await api().post('/reload').expect(200);
      expect(res.body.ok).toBe(false);
      expect(JSON.stringify(res.body)).toMatch(/steward\.yaml:\d+:\d+.*Excessive alias count/);
    });

    it('POST /playbooks/validate answers 200 valid:false with the position', async () => {
      const res = await api('viewer').post('/playbooks/validate').send({ yaml: BOMB, file: 'x.yaml' }).expect(200);
      expect(res.body).toEqual({ valid: false, diagnostics: [{ file: 'x.yaml', line: 2, col: 8, severity: 'error', message: expect.stringContaining('Excessive alias count') }] });
    });
  });

  describe('14: size limits, loading between requests', () => {
    /** A valid playbook of about `kb` KB of dense steps (~4 ms per KB to parse and validate). */
    const dense = (name: string, kb: number) => {
      const steps: string[] = [];
      for (let i = 0; steps.join('').length < kb * 1024 - 300; i++) {
        steps.push(`  - id: s${i}\n    check:\n      assert:\n        - id: a${i}\n          that: inputs.x == "y${i}"\n          message: m${i}\n`);
      }
      return `apiVersion: steward/v1\nkind: Playbook\nmetadata: { name: ${name} }\ninputs:\n  x: { type: string, default: y }\nsteps:\n${steps.join('')}`;
    };

    it('a file over playbooks.maxFileBytes (256 KiB) is a diagnostic; /health answers while a reload of big files runs', async () => {
      writeFileSync(join(playbooks, 'huge.yaml'), dense('huge', 300));
      for (let i = 0; i < 8; i++) writeFileSync(join(playbooks, `big-${i}.yaml`), dense(`big-${i}`, 100));
      const order: string[] = [];
      // The daemon runs in this process: a file being parsed shows as a timer firing late. Once one has, the reload is
      // under way, and /health must still be answered before it ends.
      let last = Date.now();
      let stalled = false;
      const probe = setInterval(() => {
        if (Date.now() - last > 150) stalled = true;
        last = Date.now();
      }, 10);
      const reload = api().post('/reload').then((r) => order.push(`reload ${r.status}`));
      await until('reload under way', () => (stalled || order.length > 0 ? true : undefined), 60_000, 10);
      clearInterval(probe);
      const health = request(d.url).get('/health').then((r) => order.push(`health ${r.status}`));
      await Promise.all([reload, health]);
      expect(order).toEqual(['health 200', 'reload 200']);
      const listed = await api('viewer').get('/playbooks').expect(200);
      expect(listed.body.playbooks.map((p: { id: string }) => p.id)).toEqual(expect.arrayContaining(['big-0', 'big-3']));
      expect(listed.body.diagnostics).toContainEqual({ file: 'pb/huge.yaml', line: 1, col: 1, severity: 'error', message: expect.stringMatching(/^file is \d+ bytes, over the limit of 262144 bytes/) });
    }, 120_000);

    it('POST /playbooks/validate over playbooks.maxFileBytes is a diagnostic, not parsed', async () => {
      const res = await api('viewer').post('/playbooks/validate').send({ yaml: `# ${'x'.repeat(1024 * 1024)}` }).set('Content-Type', 'application/json');
      // The body limit (1 MiB) answers first for this one; both are 4xx.
      expect(res.status).toBe(413);
    });
  });

  describe('18: 400-family answers for hostile input', () => {
    it('JSON nested 10,000 deep', async () => {
      const deep = `{"playbook":"demo-read","environments":{"target":"lab"},"inputs":{"greeting":${'['.repeat(10000)}${']'.repeat(10000)}}}`;
      const res = await api('operator').post('/runs').set('Content-Type', 'application/json').send(deep);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.detail).toMatch(/nested deeper than 64/);
    });

    it.each([
      ['U+0000', 'he\u0000llo'],
      ['a lone surrogate', 'he\ud800llo'],
    ])('%s in an input', async (_label, greeting) => {
      const body = JSON.stringify({ playbook: 'demo-read', environments: { target: 'lab' }, inputs: { greeting } }).replace('\\u0000', '\\u0000');
      const res = await api('operator').post('/runs').set('Content-Type', 'application/json').send(body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'inputs.greeting' }] });
    });

    it.each(['/runs/run_%00abc', '/runs/run_%ED%A0%80', '/runs/run_%E0%A4%A', '/runs?state=%00', '/approvals/apr_%00x'])('GET %s', async (path) => {
      const res = await api('viewer').get(path);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    });

    it('Content-Encoding: gzip with a body that is not gzip', async () => {
      const res = await api('operator').post('/runs').set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send('{"playbook":"demo-read"}');
      expect(res.status).toBe(400);
      expect(res.body.detail).toMatch(/Content-Encoding/);
    });

    it('a real gzip body is still accepted', async () => {
      const res = await fetch(`${d.url}/playbooks/validate`, {
        method: 'POST',
        headers: { Authorization: bearer('viewer'), 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
        body: gzipSync(JSON.stringify({ yaml: 'a: 1' })),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ valid: false, diagnostics: expect.any(Array) });
    });

    it('over MCP a NUL argument is an invalid-params error naming the argument, not the database', async () => {
      const client = new Client({ name: 'e2e', version: '1' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${d.url}/mcp`), { requestInit: { headers: { Authorization: bearer('operator') } } }));
      try {
        const call = client.callTool({ name: 'demo__notes__write', arguments: { key: 'k', text: 'a\u0000b', environment: 'lab' } });
        await expect(call).rejects.toMatchObject({ code: -32602, message: expect.stringMatching(/params\.arguments\.text.*U\+0000/) });
      } finally {
        await client.close();
      }
    });
  });

  describe('22: the Bearer scheme in any case', () => {
    it.each(['bearer', 'BEARER'])('%s', async (scheme) => {
      await request(d.url).get('/whoami').set('Authorization', `${scheme} ${TOKENS.viewer}`).expect(200, { name: 'viewer', role: 'viewer' });
    });
  });
});

describe('20: /mcp sessions per token (real HTTP)', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon(configYaml('server: { mcpSessions: { max: 5, perToken: 3, idleTimeoutMs: 600000 } }\nenvironments:\n  lab: { kind: demo }\n'));
  });
  afterAll(() => d?.close());

  const HEADERS = { Accept: 'application/json, text/event-stream', 'Content-Type': 'application/json' };
  const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } };
  const open = async (role: keyof typeof TOKENS) => {
    const res = await fetch(`${d.url}/mcp`, { method: 'POST', headers: { ...HEADERS, Authorization: bearer(role) }, body: JSON.stringify(INIT) });
    await res.text();
    return { status: res.status, id: res.headers.get('mcp-session-id') };
  };
  const ping = async (role: keyof typeof TOKENS, id: string) => {
    const res = await fetch(`${d.url}/mcp`, {
      method: 'POST',
      headers: { ...HEADERS, Authorization: bearer(role), 'Mcp-Session-Id': id, 'Mcp-Protocol-Version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }),
    });
    await res.text();
    return res.status;
  };
  /** A session with its standalone SSE stream open: busy, never reclaimed. */
  const busy = async (role: keyof typeof TOKENS, id: string) => {
    const ac = new AbortController();
    const res = await fetch(`${d.url}/mcp`, { headers: { Accept: 'text/event-stream', Authorization: bearer(role), 'Mcp-Session-Id': id, 'Mcp-Protocol-Version': '2025-06-18' }, signal: ac.signal });
    expect(res.status).toBe(200);
    return () => ac.abort();
  };

  it('a token past its cap reclaims its own oldest idle session; other tokens are unaffected; all busy is a 503', async () => {
    const a = [await open('operator'), await open('operator'), await open('operator')];
    expect(a.map((s) => s.status)).toEqual([200, 200, 200]);
    const v = await open('viewer');
    expect(v.status).toBe(200);
    expect(await ping('operator', a[0]!.id!)).toBe(200); // a[0] used again: a[1] is now the oldest idle
    const fourth = await open('operator');
    expect(fourth.status).toBe(200);
    expect(await ping('operator', a[1]!.id!)).toBe(404);
    expect(await ping('operator', a[0]!.id!)).toBe(200);
    expect(await ping('viewer', v.id!)).toBe(200);

    // Every operator session busy (a stream open on each): the next one is refused, naming the cap.
    const stops = [await busy('operator', a[0]!.id!), await busy('operator', a[2]!.id!), await busy('operator', fourth.id!)];
    const refused = await fetch(`${d.url}/mcp`, { method: 'POST', headers: { ...HEADERS, Authorization: bearer('operator') }, body: JSON.stringify(INIT) });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/token "operator" has 3 MCP sessions open .* all busy/);
    for (const stop of stops) stop();
  });

  it('past the overall cap a new token reclaims the oldest idle session of another token', async () => {
    // 3 operator + 1 viewer sessions exist from the test above (max 5).
    const approver = await open('approver');
    expect(approver.status).toBe(200);
    const admin = await open('admin');
    expect(admin.status).toBe(200);
    expect(d.logs.text).toMatch(/mcp session reclaimed \(overall cap\)/);
  });
});

describe('21: secrets echoed back by a provider or a target are never stored or served (real HTTP)', () => {
  const API_KEY = 'sk-robustness-0123456789abcdef';
  const ENV_TOKEN = 'lab-token-fedcba9876543210';
  let d: TestDaemon;
  let llm: ScriptedLlm;
  beforeAll(async () => {
    llm = await startScriptedLlm();
    d = await startTestDaemon(
      configYaml(`environments:\n  lab: { kind: demo, token: "\${env:LAB_TOKEN}" }\nplaybooks:\n  dirs: [${DEMO}]\nllm:\n  provider: openai-compatible\n  baseUrl: ${llm.url}\n  model: scripted\n  apiKey: \${env:LLM_KEY}\n  maxRetries: 0\n`),
      { env: { LLM_KEY: API_KEY, LAB_TOKEN: ENV_TOKEN } },
    );
  });
  afterAll(async () => {
    await d?.close();
    await llm?.close();
  });

  it("a provider error quoting llm.apiKey: the run's reason and steps hold [REDACTED]", async () => {
    llm.push({ status: 401, message: `Incorrect API key provided: ${API_KEY}. You can find your API key at https://example.invalid` });
    const res = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ prompt: 'hello', environments: ['lab'] }).expect(202);
    const run = await waitForRun(d, res.body.id, ['failed', 'succeeded']);
    expect(run.state).toBe('failed');
    const served = JSON.stringify(run);
    expect(served).not.toContain(API_KEY);
    expect(served).toContain('[REDACTED]');
    const stored = await d.store.query<{ row: unknown }>(`SELECT to_jsonb(r) AS row FROM runs r WHERE id = $1 UNION ALL SELECT to_jsonb(s) FROM run_steps s WHERE run_id = $1`, [res.body.id]);
    expect(JSON.stringify(stored.rows)).not.toContain(API_KEY);
  });

  it("a target echoing an environment's credential: the step output is stored and served redacted", async () => {
    const res = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'demo-read', environments: { target: 'lab' }, inputs: { greeting: `token=${ENV_TOKEN}` } }).expect(202);
    const run = await waitForRun(d, res.body.id, ['failed', 'succeeded']);
    expect(run.steps.find((s: { key: string }) => s.key === 'echo').output).toEqual({ message: 'token=[REDACTED]' });
    const stored = await d.store.query<{ output: unknown }>(`SELECT output FROM run_steps WHERE run_id = $1`, [res.body.id]);
    expect(JSON.stringify(stored.rows)).not.toContain(ENV_TOKEN);
  });
});

describe('13: steward config check on an alias bomb', () => {
  it('exits 2 with the position and no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-robust-cli-'));
    writeFileSync(join(dir, 'steward.yaml'), `logging: { level: info }\n${BOMB}\n`);
    const out: string[] = [];
    const io: CliIo = { out: (s) => out.push(s), err: (s) => out.push(s), env: {}, cwd: dir, onSignal: () => undefined };
    expect(await runCli(['node', 'steward', 'config', 'check'], io)).toBe(2);
    expect(out.join('')).toBe(
      `steward: invalid configuration (${join(dir, 'steward.yaml')}), 1 error:\n` +
        '  3:8: YAML: Excessive alias count indicates a resource exhaustion attack (at most 100 aliases are expanded)\n',
    );
  });
});

describe('19: a 500 leaves a log line that says what failed (real HTTP)', () => {
  it("the requestId's log line carries the error's message and stack, not [object Object]", async () => {
    const d = await startTestDaemon();
    try {
      await d.store.close(); // every query now fails with "store ... is closed"
      const res = await request(d.url).get('/runs').set('Authorization', bearer('viewer'));
      expect(res.status).toBeGreaterThanOrEqual(500);
      const line = d.logs.lines.map((l) => JSON.parse(l) as Record<string, any>).find((l) => l.requestId === res.body.requestId && l.err);
      expect(line?.err).toMatchObject({ message: expect.stringMatching(/is closed/), stack: expect.stringContaining('\n') });
      expect(d.logs.text).not.toContain('[object Object]');
    } finally {
      await d.close();
    }
  });
});
