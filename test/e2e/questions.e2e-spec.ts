import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { pino } from 'pino';
import { runCli, type CliIo } from '../../src/cli/cli.js';
import { openStore } from '../../src/store/store.factory.js';
import { bearer, configYaml, startTestDaemon, TOKENS, type TestDaemon } from '../helpers/daemon.js';
import { waitForRun } from '../helpers/runs.js';
import { until } from '../helpers/wait.js';

const ASK = `
apiVersion: steward/v1
kind: Playbook
metadata: { name: ask-schema }
environments:
  target: { kind: demo }
steps:
  - id: pick
    ask:
      question: "Which schema first?"
      answer: { type: string, enum: [sales, hr] }
  - id: size
    ask:
      question: "How many tables of \${{ steps.pick.output.answer }}?"
      answer: { type: object, additionalProperties: false, required: [count], properties: { count: { type: integer, minimum: 1 }, note: { type: string } } }
      from: [approver]
  - id: echo
    tool: demo.util.echo
    with: { message: "\${{ steps.pick.output.answer }}:\${{ string(steps.size.output.answer.count) }} by \${{ steps.pick.output.answeredBy }}" }
outputs:
  message: \${{ steps.echo.output.message }}
`;

const SHORT = `
apiVersion: steward/v1
kind: Playbook
metadata: { name: ask-short }
environments:
  target: { kind: demo }
steps:
  - id: yes
    ask: { question: "Go on?", answer: { type: boolean }, expires: 1s }
`;

const YES = SHORT.replace('ask-short', 'ask-yes').replace(', expires: 1s', '');

const BAD = `
apiVersion: steward/v1
kind: Playbook
metadata: { name: ask-bad }
environments:
  target: { kind: demo }
steps:
  - id: pick
    ask: { question: "Which?", answer: { type: strin } }
  - id: after
    tool: demo.util.echo
    with: { message: "\${{ steps.pick.output.nope }}" }
`;

function setup(): { dir: string; yaml: string } {
  const dir = mkdtempSync(join(tmpdir(), 'steward-questions-'));
  mkdirSync(join(dir, 'playbooks'));
  writeFileSync(join(dir, 'playbooks', 'ask.yaml'), ASK);
  writeFileSync(join(dir, 'playbooks', 'short.yaml'), SHORT);
  writeFileSync(join(dir, 'playbooks', 'yes.yaml'), YES);
  return { dir, yaml: configYaml(`environments:\n  lab: { kind: demo }\nplaybooks:\n  dirs: [${join(dir, 'playbooks')}]\n`) };
}

const api = (d: TestDaemon) => ({
  get: (path: string, role: 'viewer' | 'operator' | 'approver' | 'admin' = 'viewer') => request(d.url).get(path).set('Authorization', bearer(role)),
  post: (path: string, body: object, role: 'viewer' | 'operator' | 'approver' | 'admin' = 'operator') => request(d.url).post(path).set('Authorization', bearer(role)).send(body),
});

async function pendingQuestion(d: TestDaemon, runId: string, stepKey: string): Promise<any> {
  return until(`a pending question at ${stepKey}`, async () => {
    const r = await api(d).get(`/questions?status=pending&runId=${runId}`).expect(200);
    return r.body.questions.find((q: any) => q.stepKey === stepKey);
  }, 30000, 50);
}

describe('questions: a run asks a person and waits', () => {
  let d: TestDaemon;
  let dir: string;
  let yaml: string;
  beforeAll(async () => {
    ({ dir, yaml } = setup());
    d = await startTestDaemon(yaml, { dir });
  });
  afterAll(() => d.close());

  it('a playbook asks, parks, survives a restart, validates and authorises answers, resumes and uses them', async () => {
    const { body } = await api(d).post('/runs', { playbook: 'ask-schema', environments: { target: 'lab' } }).expect(202);
    const q1 = await pendingQuestion(d, body.id, 'pick');
    expect(q1).toMatchObject({ question: 'Which schema first?', askedBy: 'operator', status: 'pending', schema: { enum: ['sales', 'hr'] }, answer: null });
    const waiting = await waitForRun(d, body.id, ['awaiting_approval'], 30000);
    expect(waiting.waitingFor).toBe('answer');
    expect(waiting.questions).toEqual([expect.objectContaining({ id: q1.id, status: 'pending' })]);

    // A restart while the run waits: the question is still there and an answer resumes the run.
    await d.close();
    d = await startTestDaemon(yaml, { dir });

    const bad = await api(d).post(`/questions/${q1.id}`, { answer: 'finance' }).expect(400);
    expect(bad.body.code).toBe('QUESTION_ANSWER_INVALID');
    expect(bad.body.detail).toMatch(/answer: must be one of: "sales", "hr"/);
    expect((await api(d).post(`/questions/${q1.id}`, { answer: 'sales' }, 'viewer').expect(403)).body.code).toBe('AUTH_FORBIDDEN');
    const answered = await api(d).post(`/questions/${q1.id}`, { answer: 'sales' }).expect(200);
    expect(answered.body).toMatchObject({ status: 'answered', answer: 'sales', answeredBy: 'operator', answeredAt: expect.any(String) });
    expect((await api(d).post(`/questions/${q1.id}`, { answer: 'hr' }).expect(409)).body.code).toBe('QUESTION_NOT_PENDING');

    // The second question renders the first answer, and only approvers (from: [approver]) may answer it.
    const q2 = await pendingQuestion(d, body.id, 'size');
    expect(q2.question).toBe('How many tables of sales?');
    expect(q2.from).toEqual(['approver']);
    expect((await api(d).post(`/questions/${q2.id}`, { answer: { count: 3 } }, 'operator').expect(403)).body.detail).toMatch(/only approver may/);
    const nested = await api(d).post(`/questions/${q2.id}`, { answer: { count: 0 } }, 'approver').expect(400);
    expect(nested.body.detail).toMatch(/answer\.count: must be >= 1/);
    await api(d).post(`/questions/${q2.id}`, { answer: { count: 3 } }, 'admin').expect(200);

    const done = await waitForRun(d, body.id, ['succeeded', 'failed', 'expired'], 30000);
    expect(done).toMatchObject({ state: 'succeeded', outputs: { message: 'sales:3 by operator' }, waitingFor: null });
    expect(done.steps.find((s: any) => s.key === 'pick')).toMatchObject({ state: 'succeeded', kind: 'ask' });

    const events = await request(d.url).get(`/runs/${body.id}/events`).set('Authorization', bearer('viewer')).then((r) => r.text);
    expect(events.match(/event: question\.asked/g)).toHaveLength(2);
    expect(events.match(/event: question\.answered/g)).toHaveLength(2);

    const report = await api(d).get(`/runs/${body.id}/report`).expect(200);
    expect(report.body.questions).toEqual([
      expect.objectContaining({ stepKey: 'pick', question: 'Which schema first?', answer: 'sales', answeredBy: 'operator', status: 'answered' }),
      expect.objectContaining({ stepKey: 'size', answer: { count: 3 }, answeredBy: 'admin' }),
    ]);
    const md = await api(d).get(`/runs/${body.id}/report?format=md`).expect(200);
    expect(md.text).toContain('## Questions');
    expect(md.text).toContain('Which schema first?');
    expect(md.text).toMatch(/sales.*operator/);
  }, 120000);

  it('an answer recorded while the daemon is down (another replica, or a stop between answer and resume) resumes the run at startup', async () => {
    const { body } = await api(d).post('/runs', { playbook: 'ask-yes', environments: { target: 'lab' } }).expect(202);
    const q = await pendingQuestion(d, body.id, 'yes');
    await waitForRun(d, body.id, ['awaiting_approval'], 30000);
    await d.close();
    // Another replica answers while this one is down: only the row changes, no event reaches this daemon.
    const store = await openStore(d.loaded.config.store, { baseDir: dir, logger: pino({ level: 'silent' }) });
    try {
      const r = await store.query(`UPDATE questions SET status = 'answered', answer = 'true'::jsonb, answered_by = 'approver', answered_at = now() WHERE id = $1 AND status = 'pending' RETURNING id`, [q.id]);
      expect(r.rows).toHaveLength(1);
    } finally {
      await store.close();
    }
    d = await startTestDaemon(yaml, { dir });
    const done = await waitForRun(d, body.id, ['succeeded', 'failed', 'expired'], 30000);
    expect(done).toMatchObject({ state: 'succeeded', waitingFor: null });
    expect(done.steps.find((s: any) => s.key === 'yes')).toMatchObject({ state: 'succeeded', output: { answer: true, answeredBy: 'approver' } });
  }, 120000);

  it('an unanswered question expires and ends the run expired; a cancelled run cancels its question', async () => {
    const { body } = await api(d).post('/runs', { playbook: 'ask-short', environments: { target: 'lab' } }).expect(202);
    const q = await pendingQuestion(d, body.id, 'yes');
    const ended = await waitForRun(d, body.id, ['expired', 'succeeded', 'failed'], 30000);
    expect(ended.state).toBe('expired');
    expect(ended.reason).toContain(q.id);
    expect((await api(d).get(`/questions/${q.id}`).expect(200)).body.status).toBe('expired');
    expect((await api(d).post(`/questions/${q.id}`, { answer: true }).expect(409)).body.code).toBe('QUESTION_NOT_PENDING');

    const second = await api(d).post('/runs', { playbook: 'ask-schema', environments: { target: 'lab' } }).expect(202);
    const q2 = await pendingQuestion(d, second.body.id, 'pick');
    await api(d).post(`/runs/${second.body.id}/cancel`, {}).expect(200);
    expect((await api(d).get(`/questions/${q2.id}`).expect(200)).body.status).toBe('cancelled');
  }, 60000);

  it('CLI: steward questions lists a pending one; steward answer reads the value as its schema says, and refuses bad input', async () => {
    const cli = async (args: string[], token: string = TOKENS.operator) => {
      const out: string[] = [];
      const err: string[] = [];
      const io: CliIo = { out: (x) => out.push(x), err: (x) => err.push(x), env: { STEWARD_SERVER: d.url, STEWARD_TOKEN: token }, cwd: dir, onSignal: () => undefined };
      const code = await runCli(['node', 'steward', ...args], io);
      return { code, out: out.join(''), err: err.join('') };
    };
    const { body } = await api(d).post('/runs', { playbook: 'ask-yes', environments: { target: 'lab' } }).expect(202);
    const q = await pendingQuestion(d, body.id, 'yes');
    const listed = await cli(['questions', '--pending', '--run', body.id]);
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(q.id);
    expect(listed.out).toContain('Go on? (boolean)');
    const json = JSON.parse((await cli(['questions', '--run', body.id, '--json'])).out);
    expect(json.questions).toEqual([expect.objectContaining({ id: q.id, status: 'pending' })]);

    const bad = await cli(['answer', q.id, 'perhaps']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/must be true or false/);
    expect((await cli(['answer', q.id])).err).toMatch(/either as a value or with --json/);
    const ok = await cli(['answer', q.id, 'yes']);
    expect(ok).toMatchObject({ code: 0, out: expect.stringContaining(`question ${q.id} answered: true`) });
    expect((await waitForRun(d, body.id, ['succeeded', 'failed', 'expired'], 30000)).state).toBe('succeeded');
    const again = await cli(['answer', q.id, '--json', 'false']);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/QUESTION_NOT_PENDING|no longer pending|is answered/);
  }, 60000);

  it('bad input: unknown question 404, a body without answer 400, a bad filter 400', async () => {
    expect((await api(d).get('/questions/q_nope').expect(404)).body.code).toBe('QUESTION_NOT_FOUND');
    expect((await api(d).post('/questions/q_nope', { value: 1 }).expect(400)).body.code).toBe('VALIDATION_FAILED');
    expect((await api(d).get('/questions?status=maybe').expect(400)).body.code).toBe('VALIDATION_FAILED');
    await request(d.url).get('/questions').expect(401);
  });

  it('validate: an answer schema that is no JSON Schema, and a field the answer does not have, are PLAYBOOK_INVALID', async () => {
    const r = await request(d.url).post('/playbooks/validate').set('Authorization', bearer('operator')).send({ yaml: BAD }).expect(200);
    expect(r.body.valid).toBe(false);
    const messages = r.body.diagnostics.map((x: any) => x.message).join('\n');
    expect(messages).toMatch(/steps\[0\]\.ask\.answer: is not a valid JSON Schema/);
    expect(messages).toMatch(/steps\.pick\.output has no field "nope" \(its fields: answer, answeredBy, answeredAt\)/);
  });
});
