import { readConversation, type Conversation } from './conversation.js';
import { discoveryRole, expert, planner, type Decision } from './discovery.js';
import type { ChatRequest, WireAnswer } from './openai-wire.js';
import { exampleOf } from './schema-example.js';

/**
 * `steward-demo`: the sandbox's demo model. Not a language model - a script that decides each reply from the request
 * alone (the tools offered, the task's text, the tool results so far), so it keeps no state and a daemon restart
 * changes nothing. It plays discover-database's planner and experts (./discovery.ts); any other agent gets a valid
 * answer: the smallest JSON its output schema accepts when the runtime asks for one, else a note that this is the
 * demo model, after one read tool call that the task's words point at (so an ad-hoc question shows the tool path).
 */
export const DEMO_MODEL = 'steward-demo';

export const DEMO_NOTE =
  "This is steward-demo, the Steward sandbox's scripted demo model - not a language model. It plays the planner and experts of discover-database and answers anything else with this note. " +
  'For real answers give the sandbox a model: an llm: block in the sandbox directory\'s llm.yaml (see the README\'s quickstart).';

export function decide(req: ChatRequest): Decision {
  return decideFor(readConversation(req));
}

function decideFor(c: Conversation): Decision {
  if (c.repairSchema) return { text: JSON.stringify(exampleOf(c.repairSchema)) };
  const role = discoveryRole(c);
  if (role === 'planner') return planner(c);
  if (role) return expert(c, role);
  return general(c);
}

/** Any other task: one read tool named by the task's words (first turn), then the note with what the call returned. */
function general(c: Conversation): Decision {
  if (!c.results.length) {
    const pick = pickTool(c);
    if (pick) return { calls: [pick] };
    if (c.outputSchema) return { text: JSON.stringify(exampleOf(c.outputSchema)) };
    return { text: DEMO_NOTE };
  }
  if (c.outputSchema) return { text: JSON.stringify(exampleOf(c.outputSchema)) };
  const seen = c.results.map((r) => {
    const tool = toolId(r.text) ?? r.name;
    if (!r.ok) return `${tool} failed (${r.text.slice(0, 200)})`;
    const count = r.shared ? countOf(r.result) : r.count;
    return `${tool} answered${count !== undefined ? ` with ${count} item(s)` : ''}${r.shared ? '' : ' (its result was not shown to me: privacy mode)'}`;
  });
  return { text: `I called ${seen.join('; ')}. The run report holds what the tools returned. ${DEMO_NOTE}` };
}

const STOP = new Set(['which', 'what', 'where', 'when', 'there', 'their', 'this', 'that', 'with', 'from', 'have', 'does', 'show', 'list', 'tell', 'give', 'about', 'many', 'every', 'some', 'into']);
const stem = (w: string) => w.toLowerCase().replace(/ies$/, 'y').replace(/s$/, '');

/** The read tool whose name shares the most words with the task, if it needs no argument beyond its environment. */
function pickTool(c: Conversation): { name: string; args: Record<string, unknown> } | undefined {
  const words = new Set((c.instruction.match(/[A-Za-z]{4,}/g) ?? []).map(stem).filter((w) => !STOP.has(w)));
  let best: { name: string; score: number; args: Record<string, unknown> } | undefined;
  for (const [name, t] of c.tools) {
    if (name.startsWith('steward__') || !/Read-only\./.test(t.description)) continue;
    const args = argsFor(t.parameters);
    if (!args) continue;
    const score = name.split(/__|_/).map(stem).filter((p) => words.has(p)).length;
    if (score > 0 && (!best || score > best.score || (score === best.score && name < best.name))) best = { name, score, args };
  }
  return best && { name: best.name, args: best.args };
}

/** Arguments for a tool that requires nothing but an environment (the first one offered); undefined otherwise. */
function argsFor(parameters: Record<string, unknown>): Record<string, unknown> | undefined {
  const required = (parameters.required as string[] | undefined) ?? [];
  const props = (parameters.properties ?? {}) as Record<string, { enum?: unknown[] }>;
  const args: Record<string, unknown> = {};
  for (const name of required) {
    if (name !== 'environment' || !props.environment?.enum?.length) return undefined;
    args.environment = props.environment.enum[0];
  }
  return args;
}

function toolId(text: string): string | undefined {
  try {
    const v = JSON.parse(text) as { tool?: unknown };
    return typeof v.tool === 'string' ? v.tool : undefined;
  } catch {
    return undefined;
  }
}

function countOf(v: unknown): number | undefined {
  if (Array.isArray(v)) return v.length;
  const lists = v && typeof v === 'object' ? Object.values(v).filter(Array.isArray) : [];
  return lists.length === 1 ? lists[0].length : undefined;
}

/**
 * The wire answer of a decision: tool call ids numbered by the conversation's assistant turns (unique in a thread,
 * the same again for the same request), usage about a token per four characters - modest, as budgets count it.
 */
export function demoAnswer(req: ChatRequest): WireAnswer {
  const c = readConversation(req);
  const d = decideFor(c);
  const turn = c.turns;
  const toolCalls = 'calls' in d ? d.calls.map((x, i) => ({ id: `call_demo_${turn}_${i}`, type: 'function' as const, function: { name: x.name, arguments: JSON.stringify(x.args) } })) : undefined;
  const content = 'text' in d ? d.text : null;
  const out = (content ?? '') + (toolCalls ?? []).map((t) => t.function.name + t.function.arguments).join('');
  const prompt = JSON.stringify(req.messages).length;
  return { content, ...(toolCalls && { toolCalls }), usage: { prompt_tokens: Math.max(1, Math.ceil(prompt / 4)), completion_tokens: Math.max(1, Math.ceil(out.length / 4)) } };
}
