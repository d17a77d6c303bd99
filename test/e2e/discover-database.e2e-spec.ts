import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { seedDemo } from '../../plugins/postgres/sandbox/demo.seed.js';
import { servePglite, type PgliteServer } from '../../plugins/postgres/sandbox/pglite.server.js';
import { bearer, configYaml, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitForRun } from '../helpers/runs.js';
import { until } from '../helpers/wait.js';
import { scriptedLlmYaml, startScriptedLlm, type ChatRequest, type ScriptedLlm } from '../llm-sim/scripted-llm.js';

const ROOT = join(new URL('.', import.meta.url).pathname, '../..');
const CONFIG = (llm: string, db: string) =>
  configYaml(
    `environments:\n  sandbox-db: { kind: postgres, url: "${db}", policy: { requireFor: [destructive] } }\n` +
      `playbooks:\n  dirs: [${join(ROOT, 'playbooks/postgres')}, ${join(ROOT, 'test/fixtures/playbooks-discover')}]\n` +
      scriptedLlmYaml(llm, { maxRetries: 1, timeoutMs: 10000 }),
  );
const offered = (req: ChatRequest) => (req.tools ?? []).map((t) => t.function.name).filter((n) => !n.startsWith('steward__')).sort();

/** discover-database on the seeded demo shop (PGlite over the wire), driven by a scripted model through two rounds. */
describe('discover-database', () => {
  let pg: PGlite;
  let server: PgliteServer;
  let llm: ScriptedLlm;
  let d: TestDaemon;
  beforeAll(async () => {
    pg = new PGlite();
    await seedDemo((sql) => pg.exec(sql));
    server = await servePglite(pg);
    llm = await startScriptedLlm();
    d = await startTestDaemon(CONFIG(llm.url, server.url()));
  }, 120_000);
  afterAll(async () => {
    await d?.close();
    await llm?.close();
    await server?.close();
    await pg?.close();
  });

  it('plans, lets an expert act and reflect, writes the catalog, asks one question, stops when the planner is done, records findings; the catalog survives a restart', async () => {
    llm.push(
      (req) => {
        expect(offered(req)).toEqual(['postgres__catalog__get', 'postgres__catalog__list', 'postgres__catalog__search']);
        return { toolCalls: [{ name: 'postgres__catalog__list', args: { kinds: ['table'] } }] };
      },
      { content: JSON.stringify({ tasks: [{ expert: 'structural', target: 'shop.order_items', why: 'no join to products is declared' }], done: false }) },
      (req) => {
        expect(offered(req).every((n) => /^postgres__(schema|relations)__/.test(n))).toBe(true);
        return { toolCalls: [{ name: 'postgres__schema__table', args: { schema: 'shop', table: 'order_items' } }] };
      },
      {
        content: JSON.stringify({
          catalog: [
            { id: 'relation:shop.order_items.product_id->shop.products.id', declared: false, cardinality: 'many-to-one', confidence: 0.8, source: 'structural', evidence: ['postgres.schema.table: product_id integer, no foreign key'] },
            { id: 'column:shop.order_items.product_id', description: 'The product sold on this line', source: 'structural' },
          ],
          insights: [{ id: 'insight:order-items-missing-fk', description: 'order_items.product_id has no foreign key to products', severity: 'warning' }],
          questions: ['Does shop.order_items.product_id always name a row of shop.products?'],
        }),
      },
      (req) => {
        expect(JSON.stringify(req.messages)).toContain('Yes, always');
        return { content: JSON.stringify({ tasks: [], done: true }) };
      },
    );
    const res = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'discover-database', environments: { db: 'sandbox-db' }, inputs: { rounds: 3 } }).expect(202);
    const q = await until('the question', async () => (await request(d.url).get(`/questions?status=pending&runId=${res.body.id}`).set('Authorization', bearer('viewer')).expect(200)).body.questions[0], 60_000, 100);
    expect(q).toMatchObject({ question: 'Does shop.order_items.product_id always name a row of shop.products?', stepKey: 'rounds[0].ask' });
    await request(d.url).post(`/questions/${q.id}`).set('Authorization', bearer('operator')).send({ answer: 'Yes, always' }).expect(200);
    const run = await waitForRun(d, res.body.id, ['succeeded', 'failed'], 60_000);
    expect(run.state).toBe('succeeded');
    expect(run.outputs).toMatchObject({ rounds: 2, answers: ['Yes, always'] });
    expect(run.outputs.findings).toBeGreaterThan(0);
    const keys = run.steps.map((s: { key: string }) => s.key);
    expect(keys).toEqual(expect.arrayContaining(['rounds[0].plan', 'rounds[0].structural', 'rounds[0].write[0].upsert', 'rounds[0].ask', 'rounds[1].plan']));
    expect(run.steps.find((s: { key: string }) => s.key === 'rounds[0].statistical')).toMatchObject({ state: 'skipped' });
    expect(run.steps.find((s: { key: string }) => s.key === 'rounds[0].write[0].upsert')).toMatchObject({ state: 'succeeded', output: { created: 3 } });
    expect(llm.remaining()).toBe(0);

    const dir = d.dir;
    await d.close();
    d = await startTestDaemon(CONFIG(llm.url, server.url()), { dir });
    const read = async (id: string) => {
      const r = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'catalog-read', environments: { db: 'sandbox-db' }, inputs: { id } }).expect(202);
      return (await waitForRun(d, r.body.id, ['succeeded', 'failed'], 30_000)).outputs.entry;
    };
    expect(await read('relation:shop.order_items.product_id->shop.products.id')).toMatchObject({ declared: false, cardinality: 'many-to-one', runId: res.body.id, stepKey: 'rounds[0].write[0].upsert' });
    expect(await read('table:shop.orders')).toMatchObject({ source: 'structural', tags: ['table'] });
  }, 240_000);

  it('a budget spent by the planner: the experts are skipped, the loop stops with stoppedBy budget, the governance check still records findings', async () => {
    llm.clear();
    llm.push({ toolCalls: [{ name: 'postgres__catalog__list', args: { kinds: ['table'] } }] });
    const res = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'discover-database', environments: { db: 'sandbox-db' }, inputs: { rounds: 3, maxModelCalls: 1 } }).expect(202);
    const run = await waitForRun(d, res.body.id, ['succeeded', 'failed'], 60_000);
    expect(run.state).toBe('succeeded');
    expect(run.outputs).toMatchObject({ rounds: 1, answers: [] });
    expect(run.outputs.findings).toBeGreaterThan(0);
    const by = Object.fromEntries(run.steps.map((s: { key: string }) => [s.key, s]));
    expect(by['rounds[0].plan']).toMatchObject({ state: 'failed', error: { code: 'LOOP_BUDGET_SPENT' } });
    for (const expert of ['structural', 'statistical', 'semantic', 'query', 'ask']) expect(by[`rounds[0].${expert}`]).toMatchObject({ state: 'skipped' });
    expect(by['rounds[1].plan']).toBeUndefined();
    expect(llm.remaining()).toBe(0);
  }, 120_000);
});
