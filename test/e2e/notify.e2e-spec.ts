import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { installClock } from '../../src/schedule/clock.js';
import { ManualClock } from '../../src/schedule/manual-clock.js';
import { ScheduleService } from '../../src/schedule/schedule.service.js';
import { bearer, configYaml, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/process-daemon.js';
import { until } from '../helpers/wait.js';

const FIXTURES = join(new URL('.', import.meta.url).pathname, '../fixtures/playbooks-scheduled');
const SECRET = 'webhook-secret-0123456789abcdef';

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  json: any;
  at: number;
}

/** A local webhook receiver: /ok answers 200, /flaky 503 twice then 200, /gone 410, /slow answers after 1 s. */
class Receiver {
  readonly got: Received[] = [];
  private flaky = 0;
  private server!: Server;
  url = '';

  async start() {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        this.got.push({ path: req.url!, headers: req.headers, body, json: JSON.parse(body), at: Date.now() });
        if (req.url === '/flaky' && ++this.flaky <= 2) return void res.writeHead(503, { 'Retry-After': '0' }).end('busy');
        if (req.url === '/gone') return void res.writeHead(410).end('no such hook');
        if (req.url === '/slow') return void setTimeout(() => res.writeHead(200).end('ok'), 1000).unref();
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop() {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(r));
  }

  on(path: string, event?: string) {
    return this.got.filter((g) => g.path === path && (!event || g.headers['x-steward-event'] === event));
  }
}

const get = (d: TestDaemon, path: string) => request(d.url).get(path).set('Authorization', bearer('viewer'));

describe('webhook notifications against a local receiver', () => {
  const rx = new Receiver();
  let d: TestDaemon;
  let clock: ManualClock;
  let downUrl: string;

  beforeAll(async () => {
    await rx.start();
    downUrl = `http://127.0.0.1:${await freePort()}/nobody-listens`;
    // Only the slow hook has a short timeout: on a loaded machine a quick answer can take longer than 200 ms, and a
    // timed-out 410 or 200 would be retried (attempts 2) where the test expects one attempt.
    const hook = (name: string, url: string, extra = '', timeoutMs = 5000) =>
      `    - { name: ${name}, url: "${url}", events: [run.failed, findings.new, approval.requested, approval.expired], timeoutMs: ${timeoutMs}, retry: { attempts: 3, initialDelayMs: 20, maxDelayMs: 100 }${extra} }\n`;
    clock = new ManualClock('2026-06-01T03:00:00Z');
    installClock(clock);
    d = await startTestDaemon(
      configYaml(
        `environments:\n  lab: { kind: demo }\n  gated: { kind: demo, policy: { expiresAfter: 1s } }\nplaybooks:\n  dirs: [${FIXTURES}]\n` +
          `schedules:\n  entries:\n    nightly-gate:\n      playbook: sched-gate\n      cron: "0 2 * * *"\n      environments: { target: gated }\n` +
          `notifications:\n  publicUrl: https://steward.example.com/\n  webhooks:\n` +
          hook('signed', `${rx.url}/ok`, `, secret: ${SECRET}, minSeverity: info`) +
          hook('slack', `${rx.url}/slack`, ', format: slack, minSeverity: critical') +
          hook('teams', `${rx.url}/teams`, ', format: teams') +
          hook('flaky', `${rx.url}/flaky`) +
          hook('down', downUrl) +
          hook('slow', `${rx.url}/slow`, '', 200) +
          hook('gone', `${rx.url}/gone`),
      ),
    );
  });
  afterAll(async () => {
    await d.close();
    await rx.stop();
    installClock(undefined);
  });

  const deliveries = async (q: string) => (await get(d, `/notifications?${q}`).expect(200)).body.deliveries as any[];
  const settled = (q: string, n = 1) =>
    until(`deliveries ${q}`, async () => {
      const l = await deliveries(q);
      return l.length >= n && l.every((x) => x.status !== 'pending') ? l : undefined;
    });

  it('a failed run is reported to every webhook without waiting for them: signed JSON, Slack, Teams; retries, timeouts and refusals recorded', async () => {
    const started = Date.now();
    const { body } = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'sched-fail', environments: { target: 'lab' } }).expect(202);
    const run = await until('the run to fail', async () => {
      const r = (await get(d, `/runs/${body.id}`)).body;
      return r.state === 'failed' ? r : undefined;
    });
    // The run ended while the slow and unreachable webhooks were still being tried.
    expect(new Date(run.finishedAt).getTime() - started).toBeLessThan(5000);
    expect((await deliveries(`runId=${body.id}&event=run.failed`)).some((x) => x.status === 'pending')).toBe(true);

    const all = await settled(`runId=${body.id}&event=run.failed`, 7);
    const by = Object.fromEntries(all.map((x) => [x.webhook, x]));
    expect(by.signed).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 200, lastError: null, subject: `Run failed: sched-fail on target=lab` });
    expect(by.flaky).toMatchObject({ status: 'delivered', attempts: 3, lastStatus: 200 });
    expect(by.down).toMatchObject({ status: 'failed', attempts: 3, lastStatus: null, lastError: 'ECONNREFUSED' });
    expect(by.slow).toMatchObject({ status: 'failed', attempts: 3, lastError: 'no answer within 200 ms' });
    expect(by.gone).toMatchObject({ status: 'failed', attempts: 1, lastStatus: 410, lastError: 'HTTP 410: no such hook' });
    expect(rx.on('/gone')).toHaveLength(1); // a 4xx is not retried

    // Signed: X-Steward-Signature = sha256=HMAC(secret, "<timestamp>.<body>").
    const [signed] = rx.on('/ok', 'run.failed');
    const ts = String(signed!.headers['x-steward-timestamp']);
    expect(signed!.headers['x-steward-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(`${ts}.${signed!.body}`).digest('hex')}`);
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(60);
    expect(signed!.headers).toMatchObject({ 'content-type': 'application/json', 'x-steward-event': 'run.failed', 'x-steward-delivery': by.signed.id, 'user-agent': expect.stringMatching(/^steward\//) });
    expect(signed!.json).toMatchObject({
      version: 1, event: 'run.failed', title: 'Run failed: sched-fail on target=lab', link: `https://steward.example.com/console/runs/${body.id}`,
      run: { id: body.id, playbook: 'sched-fail', state: 'failed', environments: { target: 'lab' }, requestedBy: 'operator', reason: expect.stringMatching(/TIMEOUT/) },
    });
    expect(rx.on('/teams')[0]!.headers['x-steward-signature']).toBeUndefined(); // no secret, no signature

    const slack = rx.on('/slack', 'run.failed')[0]!.json;
    expect(slack.text).toBe('Run failed: sched-fail on target=lab');
    expect(slack.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '*Run failed: sched-fail on target=lab*' } });
    expect(slack.blocks.at(-1).elements[0].text).toContain(`<https://steward.example.com/console/runs/${body.id}|open>`);
    const teams = rx.on('/teams', 'run.failed')[0]!.json;
    expect(teams).toMatchObject({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', version: '1.4' } }] });
    expect(teams.attachments[0].content.body[0]).toMatchObject({ type: 'TextBlock', text: 'Run failed: sched-fail on target=lab', weight: 'Bolder' });
    expect(teams.attachments[0].content.body.at(-1)).toMatchObject({ type: 'FactSet', facts: expect.arrayContaining([{ title: 'Run', value: body.id }]) });
    const one = (await get(d, `/notifications/${by.signed.id}`).expect(200)).body;
    expect(one.body).toEqual(signed!.json);
    const effective = (await request(d.url).get('/config').set('Authorization', bearer('admin')).expect(200)).body;
    expect(effective.notifications.webhooks[0]).toMatchObject({ name: 'signed', secret: '[REDACTED]' });
    expect(JSON.stringify(effective)).not.toContain(SECRET);
  });

  it('a scheduled run at a gate: the approver is notified, nobody decides, the approval expires and so does the run (never approved)', async () => {
    await clock.runTo('2026-06-02T02:00:01Z', () => d.app.get(ScheduleService).settled());
    const [run] = (await get(d, '/runs?scheduleId=config:nightly-gate')).body.runs;
    expect(run).toMatchObject({ requestedBy: 'scheduler', environments: { target: 'gated' } });
    const requested = await until('approval.requested', () => rx.on('/ok', 'approval.requested').find((g) => g.json.run.id === run.id));
    expect(requested.json).toMatchObject({
      event: 'approval.requested', title: 'Approval needed: Go ahead with the nightly job on gated?', link: expect.stringMatching(/^https:\/\/steward\.example\.com\/console\/approvals\/apr_[0-9a-z]+$/),
      run: { id: run.id, scheduleId: 'config:nightly-gate' }, approval: { status: 'pending', kind: 'gate', expiresAt: expect.any(String) },
    });
    const ended = await until('the run to expire', async () => {
      const r = (await get(d, `/runs/${run.id}`)).body;
      return r.state === 'expired' ? r : undefined;
    });
    expect(ended.reason).toMatch(/expired/);
    const { approvals } = (await get(d, `/approvals?runId=${run.id}`)).body;
    expect(approvals[0]).toMatchObject({ status: 'expired', decisions: [] });
    const expired = await until('approval.expired', () => rx.on('/ok', 'approval.expired').find((g) => g.json.run.id === run.id));
    expect(expired.json).toMatchObject({ event: 'approval.expired', approval: { id: approvals[0].id, status: 'expired' } });
    expect(rx.on('/teams', 'approval.expired').some((g) => g.json.attachments[0].content.body[0].text.startsWith('Approval expired'))).toBe(true);
  });

  it('new findings at or above each webhook\'s minSeverity', async () => {
    const put = async (key: string, text: string) => {
      const { body } = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'note-put', environments: { target: 'lab' }, inputs: { key, text } }).expect(202);
      const apr = await until('approval', async () => (await get(d, `/approvals?runId=${body.id}&status=pending`)).body.approvals[0]);
      await request(d.url).post(`/approvals/${apr.id}`).set('Authorization', bearer('approver')).send({ decision: 'approve' }).expect(200);
      await until('note written', async () => ((await get(d, `/runs/${body.id}`)).body.state === 'succeeded' ? true : undefined));
    };
    await put('todo', 'TODO');
    // The approval's message carries its plan's totals and links to its console page.
    const asked = await until('approval.requested of note-put', () => rx.on('/ok', 'approval.requested').find((g) => g.json.run.playbook === 'note-put'));
    expect(asked.json).toMatchObject({ plan: { totals: { create: 1, update: 0, delete: 0, skip: 0, fail: 0 } }, link: `https://steward.example.com/console/approvals/${asked.json.approval.id}` });
    expect(asked.json.text).toContain('Plan: 1 to create, 0 to update, 0 to delete, 0 skipped, 0 failing.');
    await put('pw', 'password in here');
    const { body } = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'notes-governance', environments: { target: 'lab' } }).expect(202);
    const signed = await until('findings.new (info)', () => rx.on('/ok', 'findings.new').find((g) => g.json.run.id === body.id));
    expect(signed.json.findings).toMatchObject({ minSeverity: 'info', baselineRunId: null, counts: { new: 2, open: 0, resolved: 0 }, more: 0 });
    expect(signed.json.findings.items.map((i: any) => `${i.severity} ${i.asset}`)).toEqual(['critical pw', 'warning todo']);
    const slack = await until('findings.new (critical)', () => rx.on('/slack', 'findings.new').find((g) => g.json.text.includes('notes-governance')));
    expect(slack.json.text).toBe('1 new finding (critical or worse): notes-governance on target=lab');
    expect(slack.json.blocks[1].text.text).toContain('critical: notes-governance/no-password — pw: note pw mentions a password');
    const teams = await until('findings.new (warning)', () => rx.on('/teams', 'findings.new')[0]);
    expect(teams.json.attachments[0].content.body[0].text).toBe('2 new findings (warning or worse): notes-governance on target=lab');

    // The same findings again: nothing new, nothing sent.
    const again = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'notes-governance', environments: { target: 'lab' } }).expect(202);
    await until('second run', async () => ((await get(d, `/runs/${again.body.id}`)).body.state === 'succeeded' ? true : undefined));
    await new Promise((r) => setTimeout(r, 200));
    expect(rx.on('/ok', 'findings.new').filter((g) => g.json.run.id === again.body.id)).toEqual([]);
  });
});
