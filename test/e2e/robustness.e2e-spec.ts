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
import { startScriptedLlm, toolMessages, type ScriptedLlm } from '../llm-sim/scripted-llm.js';

const DEMO = join(new URL('.', import.meta.url).pathname, '../fixtures/playbooks-demo');
/** The llm: section for the scripted model server at `url` (no retries: a scripted error is the answer). */
const llmYaml = (url: string, extra = '') => `llm:\n  provider: openai-compatible\n  baseUrl: ${url}\n  model: scripted\n${extra}  maxRetries: 0\n`;
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
      writeFileSync(join(d.dir, 'steward.yaml'), `${readFileSync(join(d.dir, 'steward.yaml'), 'utf8')}\n${BOMB}\n`);
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
      // The files are loaded one at a time with the event loop free in between: /health, asked again and again while
      // the reload runs, is answered before the reload ends (were the reload one blocking stretch, never).
      let reloaded: number | undefined;
      const reload = api().post('/reload').then((r) => (reloaded = r.status), () => (reloaded = -1));
      let answeredDuring = 0;
      while (reloaded === undefined) {
        const health = await request(d.url).get('/health');
        expect(health.status).toBe(200);
        if (reloaded === undefined) answeredDuring++;
      }
      await reload;
      expect(reloaded).toBe(200);
      expect(answeredDuring).toBeGreaterThan(0);
      const listed = await api('viewer').get('/playbooks').expect(200);
      expect(listed.body.playbooks.map((p: { id: string }) => p.id)).toEqual(expect.arrayContaining(['big-0', 'big-7']));
      expect(listed.body.diagnostics).toContainEqual({ file: 'pb/huge.yaml', line: 1, col: 1, severity: 'error', message: expect.stringMatching(/^file is \d+ bytes, over the limit of 262144 bytes/) });
    }, 120_000);

    it('POST /playbooks/validate over playbooks.maxFileBytes is a diagnostic, not parsed', async () => {
      const res = await api('viewer').post('/playbooks/validate').send({ yaml: `# ${'x'.repeat(300 * 1024)}\n&a [*a` }).expect(200);
      expect(res.body).toEqual({ valid: false, diagnostics: [expect.objectContaining({ line: 1, col: 1, message: expect.stringMatching(/^file is \d+ bytes, over the limit of 262144 bytes \(playbooks\.maxFileBytes\); it was not parsed$/) })] });
    });

    it('a body over server.bodyLimitBytes (1 MiB) is a 413 before anything reads it', async () => {
      const res = await api('viewer').post('/playbooks/validate').send({ yaml: `# ${'x'.repeat(1024 * 1024)}` });
      expect(res.status).toBe(413);
      expect(res.body.code).toBe('BODY_TOO_LARGE');
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
      const body = JSON.stringify({ playbook: 'demo-read', environments: { target: 'lab' }, inputs: { greeting } });
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
  const open = async (role: keyof typeof TOKENS, on: TestDaemon = d) => {
    const res = await fetch(`${on.url}/mcp`, { method: 'POST', headers: { ...HEADERS, Authorization: bearer(role) }, body: JSON.stringify(INIT) });
    await res.text();
    return { status: res.status, id: res.headers.get('mcp-session-id') };
  };
  const ping = async (role: keyof typeof TOKENS, id: string, on: TestDaemon = d) => {
    const res = await fetch(`${on.url}/mcp`, {
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
    const small = await startTestDaemon(configYaml('server: { mcpSessions: { max: 2, perToken: 2, idleTimeoutMs: 600000 } }\nenvironments:\n  lab: { kind: demo }\n'));
    try {
      const first = await open('viewer', small);
      const second = await open('viewer', small);
      expect(await ping('viewer', second.id!, small)).toBe(200);
      expect(await ping('viewer', first.id!, small)).toBe(200); // second is now the oldest idle
      const approver = await open('approver', small);
      expect(approver.status).toBe(200);
      expect(await ping('viewer', second.id!, small)).toBe(404);
      expect(await ping('viewer', first.id!, small)).toBe(200);
      expect(await ping('approver', approver.id!, small)).toBe(200);
      expect(small.logs.text).toMatch(/mcp session reclaimed \(overall cap\)/);
    } finally {
      await small.close();
    }
  });
});

describe('21: secrets echoed back by a provider or a target are never stored or served (real HTTP)', () => {
  const API_KEY = 'sk-robustness-0123456789abcdef';
  const ENV_TOKEN = 'lab-token-fedcba9876543210';
  let d: TestDaemon;
  let llm: ScriptedLlm;
  beforeAll(async () => {
    llm = await startScriptedLlm();
    const extra = mkdtempSync(join(tmpdir(), 'steward-robust-pb-'));
    // A gated write whose input carries U+0000 and whatever the caller passes (here an environment's credential).
    writeFileSync(
      join(extra, 'nul-write.yaml'),
      'apiVersion: steward/v1\nkind: Playbook\nmetadata: { name: nul-write }\ninputs:\n  text: { type: string }\nenvironments:\n  target: { kind: demo }\n' +
        'steps:\n  - id: write\n    tool: demo.notes.write\n    with: { key: nul, text: "a\\0b ${{ inputs.text }}" }\n',
    );
    d = await startTestDaemon(
      configYaml(`environments:\n  lab: { kind: demo, token: "\${env:LAB_TOKEN}" }\nplaybooks:\n  dirs: [${DEMO}, ${extra}]\n${llmYaml(llm.url, '  apiKey: ${env:LLM_KEY}\n')}`),
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

  it("an approval's input: stored and served redacted, U+0000 stored as U+FFFD (not a database error)", async () => {
    const res = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'nul-write', environments: { target: 'lab' }, inputs: { text: `token=${ENV_TOKEN}` } }).expect(202);
    const run = await waitForRun(d, res.body.id, ['awaiting_approval', 'failed']);
    expect(run.state).toBe('awaiting_approval');
    const listed = await request(d.url).get(`/approvals?runId=${res.body.id}`).set('Authorization', bearer('viewer')).expect(200);
    expect(listed.body.approvals).toEqual([expect.objectContaining({ input: expect.objectContaining({ text: 'a\uFFFDb token=[REDACTED]' }) })]);
    const stored = await d.store.query(`SELECT to_jsonb(a) AS row FROM approvals a WHERE run_id = $1`, [res.body.id]);
    expect(JSON.stringify(stored.rows)).not.toContain(ENV_TOKEN);
  });

  it("a thread's messages (the model's answer quoting the key, a tool call's arguments) are served redacted", async () => {
    llm.push({ toolCalls: [{ name: 'demo__util__echo', args: { message: `token=${ENV_TOKEN}` } }] }, { content: `the key is ${API_KEY}` });
    const thread = await request(d.url).post('/threads').set('Authorization', bearer('operator')).send({ environments: ['lab'] }).expect(201);
    const sent = await request(d.url).post(`/threads/${thread.body.id}/messages`).set('Authorization', bearer('operator')).send({ content: 'hello' }).expect(202);
    await waitForRun(d, sent.body.runId, ['succeeded', 'failed'], 15_000, 'operator');
    const served = await request(d.url).get(`/threads/${thread.body.id}`).set('Authorization', bearer('operator')).expect(200);
    expect(served.body.messages).toContainEqual({ role: 'assistant', content: 'the key is [REDACTED]' });
    expect(JSON.stringify(served.body)).not.toMatch(new RegExp(`${API_KEY}|${ENV_TOKEN}`));
    // The conversation as stored (LangGraph's checkpoints, serialised JSON in base64) holds neither.
    const checkpoints = await d.store.query<{ data: unknown }>('SELECT data FROM agent_checkpoints');
    const decoded = JSON.stringify(checkpoints.rows).replace(/"([A-Za-z0-9+/]{16,}={0,2})"/g, (_m, b: string) => Buffer.from(b, 'base64').toString('utf8'));
    expect(decoded).toContain('the key is [REDACTED]');
    expect(decoded).not.toMatch(new RegExp(`${API_KEY}|${ENV_TOKEN}`));
  });

  it('rows stored before redaction at write, and problem details, are served redacted', async () => {
    const res = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'demo-read', environments: { target: 'lab' }, inputs: { greeting: 'hi' } }).expect(202);
    await waitForRun(d, res.body.id, ['succeeded', 'failed']);
    await d.store.query(`UPDATE runs SET reason = $2 WHERE id = $1`, [res.body.id, `an old row quoting ${API_KEY}`]);
    const run = await request(d.url).get(`/runs/${res.body.id}`).set('Authorization', bearer('viewer')).expect(200);
    expect(run.body.reason).toBe('an old row quoting [REDACTED]');
    const missing = await request(d.url).get(`/runs/run_${ENV_TOKEN}`).set('Authorization', bearer('viewer')).expect(404);
    expect(missing.body.detail).toBe('run run_[REDACTED] does not exist');
  });
});

describe('18: arguments the store cannot hold, from the agent in-process (real HTTP)', () => {
  let d: TestDaemon;
  let llm: ScriptedLlm;
  beforeAll(async () => {
    llm = await startScriptedLlm();
    d = await startTestDaemon(configYaml(`environments:\n  lab: { kind: demo }\n${llmYaml(llm.url)}`));
  });
  afterAll(async () => {
    await d?.close();
    await llm?.close();
  });

  it.each([
    ['U+0000', 'a\u0000b', /input\.text: contains U\+0000/],
    ['a lone surrogate', 'a\ud800b', /input\.text: contains a lone UTF-16 surrogate \(U\+D800\)/],
  ])('%s in a write the model proposes: a tool error the model reads, no approval, the run goes on', async (_label, text, named) => {
    let seen = '';
    llm.push({ toolCalls: [{ name: 'demo__notes__write', args: { key: 'k', text, environment: 'lab' } }] }, (req) => {
      seen = toolMessages(req).map((m) => m.content).join('\n');
      return { content: 'my arguments were wrong' };
    });
    const res = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ prompt: 'write it', environments: ['lab'] }).expect(202);
    const run = await waitForRun(d, res.body.id, ['succeeded', 'failed', 'awaiting_approval']);
    expect(run).toMatchObject({ state: 'succeeded', reason: null });
    expect(seen).toMatch(/^TOOL_INPUT_INVALID: input for demo\.notes\.write is invalid: /);
    expect(seen).toMatch(named);
    const approvals = await request(d.url).get(`/approvals?runId=${res.body.id}`).set('Authorization', bearer('viewer')).expect(200);
    expect(approvals.body.approvals).toHaveLength(0);
  });
});

describe('21: the command line prints no secret in an error', () => {
  it('an error quoting a configured secret shows [REDACTED]', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-robust-cli-'));
    const secret = 'sk-cli-secret-0123456789';
    writeFileSync(join(dir, 'steward.yaml'), configYaml(llmYaml('http://127.0.0.1:9', '  apiKey: ${env:KEY}\n')));
    const out: string[] = [];
    const io: CliIo = { out: (s) => out.push(s), err: (s) => out.push(s), env: { KEY: secret }, cwd: dir, onSignal: () => undefined };
    expect(await runCli(['node', 'steward', 'run', secret], io)).not.toBe(0);
    expect(out.join('')).toContain('no playbook "[REDACTED]"');
    expect(out.join('')).not.toContain(secret);
  }, 60_000);
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
