import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { checkFields, parseId, type Fields } from '../../../plugins/postgres/modules/catalog/catalog.entries.js';
import { privateView, sharedView } from '../../agent/result-view.js';
import { FINAL_JSON } from '../../agent/llm.checks.js';
import { compileSchema } from '../../common/json-schema.js';
import { decide, demoAnswer } from './demo-model.js';
import type { ChatMessage, ChatRequest } from './openai-wire.js';

// The agent steps' output schemas as the shipped playbook declares them (its anchors resolved).
const PLAYBOOK = parse(readFileSync(join(import.meta.dirname, '../../../playbooks/postgres/discover-database.yaml'), 'utf8'), { maxAliasCount: -1 }) as {
  steps: { id: string; loop?: { steps: { id: string; agent?: { instruction: string; output: object } }[] } }[];
};
const agentStep = (id: string) => PLAYBOOK.steps.find((s) => s.id === 'rounds')!.loop!.steps.find((s) => s.id === id)!.agent!;
const planSchema = compileSchema(agentStep('plan').output);
const expertSchema = compileSchema(agentStep('structural').output);

type Tool = NonNullable<ChatRequest['tools']>[number];
const tool = (name: string, o: { required?: string[]; properties?: Record<string, unknown>; write?: boolean } = {}): Tool => ({
  type: 'function',
  function: { name, description: `${name}.\n\n${o.write ? 'Effect: write' : 'Read-only.'} Steward tool id: ${name.replaceAll('__', '.')}.`, parameters: { type: 'object', properties: o.properties ?? {}, ...(o.required && { required: o.required }) } },
});
const ASK = tool('steward__ask', { required: ['question'] });
const PLANNER_TOOLS = ['postgres__catalog__list', 'postgres__catalog__search', 'postgres__catalog__get'].map((n) => tool(n));
const STRUCTURAL_TOOLS = ['postgres__schema__schemas', 'postgres__schema__tables', 'postgres__schema__table', 'postgres__relations__declared', 'postgres__relations__inferred'].map((n) => tool(n));
const STATISTICAL_TOOLS = ['postgres__profile__table', 'postgres__profile__column', 'postgres__profile__sample'].map((n) => tool(n));
const SEMANTIC_TOOLS = [...PLANNER_TOOLS, tool('postgres__schema__table'), tool('postgres__schema__tables')];

/** What the runtime sends for the instruction rendered for round `round` (1-based). */
const plannerInstruction = (round: number, answers: string[] = []) =>
  `You plan the discovery of the PostgreSQL database sandbox-db (schemas ["shop"]), round ${round} of at most 3.\nRead its catalog (postgres.catalog.list, search, get) and pick the next tasks, at most 6, each for one expert:\n` +
  `Answers the person gave in earlier rounds: ${JSON.stringify(answers)}.\nSay done: true with no tasks when the catalog describes every table, its key columns and joins.`;
const expertInstruction = (tasks: unknown[]) =>
  `You are one expert of a database discovery team (structural, statistical, semantic or query: your tools say which). The planner's tasks: ${JSON.stringify(tasks)} (do only those of your expertise).\nAct with your tools, then reflect: ...`;

/** A conversation as the agent runtime sends it: system, the task, then turns of tool calls and their results (shared unless said). */
function request(instruction: string, tools: Tool[], turns: { name: string; args: Record<string, unknown>; output: unknown; private?: boolean }[][] = []): ChatRequest {
  const messages: ChatMessage[] = [{ role: 'system', content: 'You are Steward...' }, { role: 'user', content: instruction }];
  turns.forEach((turn, t) => {
    messages.push({ role: 'assistant', content: null, tool_calls: turn.map((c, i) => ({ id: `c${t}_${i}`, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.args) } })) });
    for (const [i, c] of turn.entries()) {
      const id = c.name.replaceAll('__', '.');
      messages.push({ role: 'tool', tool_call_id: `c${t}_${i}`, content: c.private ? privateView(id, c.output) : sharedView(id, c.output, 16_384) });
    }
  });
  return { model: 'steward-demo', messages, tools: [...tools, ASK] };
}

const text = (req: ChatRequest) => {
  const d = decide(req);
  if (!('text' in d)) throw new Error(`expected an answer, got calls ${JSON.stringify(d)}`);
  return d.text;
};
const calls = (req: ChatRequest) => {
  const d = decide(req);
  if (!('calls' in d)) throw new Error(`expected tool calls, got ${JSON.stringify(d)}`);
  return d.calls;
};

/** The catalog as the structural pass (no model) leaves it: five tables without descriptions. */
const seededTables = (described: string[] = []) => ({
  entries: [
    ['customers', 'about 200 rows, 7 columns'],
    ['events', 'about 10 rows, 64 columns'],
    ['order_items', 'about 5000 rows, 4 columns, no primary key'],
    ['orders', 'about 2000 rows, 5 columns'],
    ['products', 'about 50 rows, 5 columns'],
  ].map(([t, ev]) => ({ id: `table:shop.${t}`, kind: 'table', name: `shop.${t}`, source: 'structural', tags: ['table'], evidence: [`postgres.schema.tables: ${ev}`], ...(described.includes(t!) && { description: 'described' }), version: 1, updatedAt: '2024-01-01T00:00:00Z', runId: 'run_1', stepKey: 'seed[0].write-tables' })),
  nextCursor: null,
});
const list = (output: unknown, extra: Partial<{ private: boolean }> = {}) => ({ name: 'postgres__catalog__list', args: { kinds: ['table'], limit: 100 }, output, ...extra });

/** Every entry is one the catalog's upsert takes (its kind's fields only), and ids are not repeated. */
function upsertable(reflection: { catalog: Fields[]; insights: Fields[] }): void {
  const all = [...reflection.catalog, ...reflection.insights];
  expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
  for (const { id, ...fields } of all) checkFields(parseId(id as string).kind, fields as Fields, id as string);
}

const orderItems = { schema: 'shop', name: 'order_items', kind: 'table', owner: 'postgres', rowEstimate: 5000, totalBytes: 400000, comment: null, primaryKey: [], columns: [
  { name: 'order_id', position: 1, type: 'bigint', nullable: false, default: null, identity: null, generated: null, comment: null },
  { name: 'product_id', position: 2, type: 'integer', nullable: false, default: null, identity: null, generated: null, comment: null },
  { name: 'quantity', position: 3, type: 'integer', nullable: false, default: null, identity: null, generated: null, comment: null },
  { name: 'unit_price', position: 4, type: 'numeric(10,2)', nullable: false, default: null, identity: null, generated: null, comment: null },
] };
const customers = { schema: 'shop', name: 'customers', kind: 'table', owner: 'postgres', rowEstimate: 200, totalBytes: 40000, comment: 'People who ordered at least once', primaryKey: ['id'], columns: [
  { name: 'id', position: 1, type: 'integer', nullable: false, default: "nextval('shop.customers_id_seq'::regclass)", identity: null, generated: null, comment: null },
  { name: 'email', position: 2, type: 'text', nullable: true, default: null, identity: null, generated: null, comment: null },
  { name: 'phone', position: 3, type: 'text', nullable: true, default: null, identity: null, generated: null, comment: 'Contact phone, as typed by the customer' },
  { name: 'country', position: 4, type: 'text', nullable: false, default: null, identity: null, generated: null, comment: null },
] };
const join_ = (column: string, table: string, matched: number) => ({
  from: { schema: 'shop', table: 'order_items', column, type: 'integer' },
  to: { schema: 'shop', table, column: 'id', type: 'integer' },
  confidence: 0.95,
  declared: false,
  evidence: { rule: `${column} → ${table}.id`, nameScore: 1, sameType: true, sampledValues: 50, matchedValues: matched, overlap: matched / 50 },
});
const inferred = { relations: [join_('order_id', 'orders', 50), join_('product_id', 'products', 50), { ...join_('customer_id', 'customers', 50), from: { schema: 'shop', table: 'orders', column: 'customer_id', type: 'integer' } }], checked: { columns: 20, candidates: 3 } };

describe('the demo model in discover-database', () => {
  it('planner, round 1: lists the catalog, then hands the undescribed tables out (no key: structural, largest: statistical, rest: semantic)', () => {
    expect(calls(request(plannerInstruction(1), PLANNER_TOOLS))).toEqual([{ name: 'postgres__catalog__list', args: { kinds: ['table'], limit: 100 } }]);
    const plan = JSON.parse(text(request(plannerInstruction(1), PLANNER_TOOLS, [[list(seededTables())]]))) as { tasks: { expert: string; target: string }[]; done: boolean };
    expect(planSchema(plan)).toBe(true);
    expect(plan.done).toBe(false);
    expect(plan.tasks.map((t) => `${t.expert} ${t.target}`)).toEqual(['structural shop.order_items', 'statistical shop.orders', 'semantic shop.customers', 'semantic shop.events', 'semantic shop.products']);
  });

  it('planner: done in round 2, when every table is described, or when the catalog is not shown to it (privacy mode)', () => {
    for (const req of [
      request(plannerInstruction(2, ['Yes']), PLANNER_TOOLS, [[list(seededTables())]]),
      request(plannerInstruction(1), PLANNER_TOOLS, [[list(seededTables(['customers', 'events', 'order_items', 'orders', 'products']))]]),
      request(plannerInstruction(1), PLANNER_TOOLS, [[list(seededTables(), { private: true })]]),
    ]) expect(JSON.parse(text(req))).toEqual({ tasks: [], done: true });
  });

  it('planner: pages through the catalog with nextCursor', () => {
    const page = { ...seededTables(), nextCursor: 'table:shop.products' };
    expect(calls(request(plannerInstruction(1), PLANNER_TOOLS, [[list(page)]]))).toEqual([{ name: 'postgres__catalog__list', args: { kinds: ['table'], limit: 100, cursor: 'table:shop.products' } }]);
  });

  it('structural expert: describes its table and infers joins in one turn, then reflects into catalog entries, an insight and exactly one question', () => {
    const instruction = expertInstruction([{ expert: 'structural', target: 'shop.order_items', why: 'no key' }, { expert: 'semantic', target: 'shop.customers', why: 'x' }]);
    expect(calls(request(instruction, STRUCTURAL_TOOLS))).toEqual([
      { name: 'postgres__schema__table', args: { schema: 'shop', table: 'order_items' } },
      { name: 'postgres__relations__inferred', args: { schema: 'shop', minConfidence: 0.7 } },
    ]);
    const out = JSON.parse(text(request(instruction, STRUCTURAL_TOOLS, [[
      { name: 'postgres__schema__table', args: { schema: 'shop', table: 'order_items' }, output: orderItems },
      { name: 'postgres__relations__inferred', args: { schema: 'shop' }, output: inferred },
    ]])));
    expect(expertSchema(out)).toBe(true);
    upsertable(out);
    expect(out.catalog.map((e: { id: string }) => e.id)).toEqual([
      'table:shop.order_items',
      'relation:shop.order_items.order_id->shop.orders.id',
      'column:shop.order_items.order_id',
      'relation:shop.order_items.product_id->shop.products.id',
      'column:shop.order_items.product_id',
    ]);
    expect(out.catalog[0]).toMatchObject({ description: expect.stringContaining('no primary key'), source: expect.stringContaining('steward-demo') });
    expect(out.insights).toEqual([expect.objectContaining({ id: 'insight:undeclared-joins-shop.order_items', severity: 'warning' })]);
    expect(out.questions).toEqual([expect.stringMatching(/^shop\.order_items has no foreign keys, but order_id .* and product_id \(→ shop\.products\.id, 100% of sampled values match\)/)]);
  });

  it('statistical expert: profiles the table, then its low-cardinality columns, then reflects with ratios and no values', () => {
    const instruction = expertInstruction([{ expert: 'statistical', target: 'shop.orders', why: 'largest' }]);
    expect(calls(request(instruction, STATISTICAL_TOOLS))).toEqual([{ name: 'postgres__profile__table', args: { schema: 'shop', table: 'orders' } }]);
    const table = { name: 'postgres__profile__table', args: { schema: 'shop', table: 'orders' }, output: { schema: 'shop', table: 'orders', rowEstimate: 2000, rowCount: 2000, rowCountExact: true, sample: {}, columns: [
      { name: 'id', type: 'bigint', nullCount: 0, nullRatio: 0, distinctCount: 2000, distinctRatio: 1, unique: true },
      { name: 'customer_id', type: 'integer', nullCount: 40, nullRatio: 0.02, distinctCount: 200, distinctRatio: 0.1, unique: false },
      { name: 'status', type: 'text', nullCount: 0, nullRatio: 0, distinctCount: 3, distinctRatio: 0.0015, unique: false },
    ] } };
    expect(calls(request(instruction, STATISTICAL_TOOLS, [[table]]))).toEqual([{ name: 'postgres__profile__column', args: { schema: 'shop', table: 'orders', column: 'status' } }]);
    const column = { name: 'postgres__profile__column', args: { schema: 'shop', table: 'orders', column: 'status' }, output: { schema: 'shop', table: 'orders', column: 'status', type: 'text', family: 'text', nullRatio: 0, distinctCount: 3, topShare: 0.9, top: [{ value: 'shipped', count: 1800, ratio: 0.9 }], dataValues: true } };
    const answer = text(request(instruction, STATISTICAL_TOOLS, [[table], [column]]));
    const out = JSON.parse(answer);
    expect(expertSchema(out)).toBe(true);
    upsertable(out);
    expect(answer).not.toContain('shipped');
    expect(out.catalog).toEqual([
      expect.objectContaining({ id: 'table:shop.orders', description: expect.stringContaining('2000 rows') }),
      expect.objectContaining({ id: 'column:shop.orders.status', tags: ['skewed'], semanticType: 'category code' }),
    ]);
    expect(out.insights).toEqual([expect.objectContaining({ id: 'insight:skew-orders.status', severity: 'notice' })]);
    expect(out.questions).toEqual([]);
  });

  it('semantic expert: describes each table, marks personal-data columns (a comment, when there is one, is the description) and asks nothing', () => {
    const instruction = expertInstruction([{ expert: 'semantic', target: 'shop.customers', why: 'x' }, { expert: 'semantic', target: 'shop.customers.email', why: 'same table' }]);
    expect(calls(request(instruction, SEMANTIC_TOOLS))).toEqual([{ name: 'postgres__schema__table', args: { schema: 'shop', table: 'customers' } }]);
    const out = JSON.parse(text(request(instruction, SEMANTIC_TOOLS, [[{ name: 'postgres__schema__table', args: { schema: 'shop', table: 'customers' }, output: customers }]])));
    expect(expertSchema(out)).toBe(true);
    upsertable(out);
    expect(out.catalog).toEqual([
      expect.objectContaining({ id: 'table:shop.customers', description: expect.stringMatching(/^People who ordered at least once: 4 columns/), grain: 'one row per customer (primary key id)' }),
      expect.objectContaining({ id: 'column:shop.customers.email', pii: true, semanticType: 'email address' }),
      expect.objectContaining({ id: 'column:shop.customers.phone', pii: true, description: 'Contact phone, as typed by the customer' }),
      expect.objectContaining({ id: 'glossary:customer', refersTo: ['table:shop.customers'] }),
    ]);
    expect(out.insights).toEqual([expect.objectContaining({ id: 'insight:pii-uncommented-shop.customers', about: ['column:shop.customers.email'] })]);
    expect(out.questions).toEqual([]);
  });

  it('an expert whose results were withheld (privacy mode) reflects an empty, valid answer', () => {
    const instruction = expertInstruction([{ expert: 'structural', target: 'shop.order_items', why: 'x' }]);
    const out = JSON.parse(text(request(instruction, STRUCTURAL_TOOLS, [[{ name: 'postgres__schema__table', args: {}, output: orderItems, private: true }]])));
    expect(out).toEqual({ catalog: [], insights: [], questions: [] });
  });
});

describe('the demo model elsewhere', () => {
  it('answers the runtime\'s repair request with the smallest value the schema accepts', () => {
    const schema = { type: 'object', additionalProperties: false, required: ['verdict', 'score', 'items'], properties: { verdict: { enum: ['keep', 'drop'] }, score: { type: 'integer', minimum: 1 }, items: { type: 'array', minItems: 1, items: { type: 'string', minLength: 2 } } } };
    const req = request('Judge the dashboards', [tool('sisense__dashboard__list')]);
    req.messages.push({ role: 'assistant', content: 'Keep them.' }, { role: 'user', content: `Your answer must be only a JSON value valid against this JSON Schema:\n${JSON.stringify(schema)}\nIt was not valid JSON (Unexpected token). Reply with the corrected JSON only.` });
    const value = JSON.parse(text(req));
    expect(compileSchema(schema)(value)).toBe(true);
    expect(value).toEqual({ verdict: 'keep', score: 1, items: ['demo'] });
  });

  it('an agent step with an output schema (in the system prompt): answers with the smallest valid value, after the tool it picked', () => {
    const schema = { type: 'object', additionalProperties: false, required: ['keys'], properties: { keys: { type: 'array', items: { type: 'string' } } } };
    const tools = [tool('sisense__dashboard__list', { required: ['environment'], properties: { environment: { type: 'string', enum: ['sandbox-source'] } } })];
    const withSchema = (req: ChatRequest) => {
      req.messages[0] = { role: 'system', content: `You are Steward...\n${FINAL_JSON}\n${JSON.stringify(schema)}` };
      return req;
    };
    expect(calls(withSchema(request('Pick the dashboards to keep', tools)))).toEqual([{ name: 'sisense__dashboard__list', args: { environment: 'sandbox-source' } }]);
    const after = withSchema(request('Pick the dashboards to keep', tools, [[{ name: 'sisense__dashboard__list', args: {}, output: { dashboards: [] } }]]));
    expect(JSON.parse(text(after))).toEqual({ keys: [] });
    expect(JSON.parse(text(withSchema(request('Pick some keys', []))))).toEqual({ keys: [] });
  });

  it('ad hoc: calls the read tool the question names (its environment filled in), then says what it is', () => {
    const tools = [
      tool('sisense__dashboard__list', { required: ['environment'], properties: { environment: { type: 'string', enum: ['sandbox-source', 'sandbox-target'] } } }),
      tool('sisense__datamodel__list', { required: ['environment'], properties: { environment: { type: 'string', enum: ['sandbox-source'] } } }),
      tool('sisense__dashboard__delete', { write: true }),
      tool('sisense__dashboard__get', { required: ['id'] }),
    ];
    const first = request('Which dashboards are there?', tools);
    expect(calls(first)).toEqual([{ name: 'sisense__dashboard__list', args: { environment: 'sandbox-source' } }]);
    const answer = text(request('Which dashboards are there?', tools, [[{ name: 'sisense__dashboard__list', args: {}, output: { dashboards: [1, 2, 3] }, private: true }]]));
    expect(answer).toMatch(/^I called sisense\.dashboard\.list answered with 3 item\(s\) \(its result was not shown to me: privacy mode\)\. .*steward-demo, the Steward sandbox's scripted demo model - not a language model/);
    expect(text(request('Hello there', tools))).toMatch(/^This is steward-demo/);
  });

  it('is stateless: the same request gets the same answer, tool call ids numbered by turn', () => {
    const req = request(plannerInstruction(1), PLANNER_TOOLS, [[list(seededTables())]]);
    expect(demoAnswer(req)).toEqual(demoAnswer(structuredClone(req)));
    const first = demoAnswer(request(plannerInstruction(1), PLANNER_TOOLS));
    expect(first).toMatchObject({ content: null, toolCalls: [{ id: 'call_demo_0_0', type: 'function', function: { name: 'postgres__catalog__list' } }] });
    // Usage: about a token per four characters, so budgets are spent modestly.
    expect(first.usage.prompt_tokens).toBe(Math.ceil(JSON.stringify(request(plannerInstruction(1), PLANNER_TOOLS).messages).length / 4));
  });
});
