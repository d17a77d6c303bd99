import { FINAL_JSON } from '../../agent/llm.checks.js';
import { textOf, type ChatRequest } from './openai-wire.js';

/**
 * What the demo model reads of a request: the tools offered, the task (the last message of the person or the
 * playbook step, not Steward's own follow-ups), the tool results since, and a request for JSON valid against a
 * schema. Everything it decides is a function of this, so it keeps no state between requests.
 */
export interface ToolResult {
  /** The wire name of the tool called (postgres__schema__table). */
  name: string;
  args: Record<string, unknown>;
  ok: boolean;
  /** The result was shown (environments share tool results); otherwise only its size is. */
  shared: boolean;
  /** The tool's output, when shared. */
  result?: unknown;
  /** Privacy mode's item count, when given. */
  count?: number;
  /** The message as received (an error's text). */
  text: string;
}

export interface Conversation {
  /** Wire name → its description and JSON Schema of arguments. */
  tools: Map<string, { description: string; parameters: Record<string, unknown> }>;
  /** The task's text: the last user message that is not one of Steward's repair requests. */
  instruction: string;
  /** Tool results after the instruction, in the order they came. */
  results: ToolResult[];
  /** Assistant messages in the whole conversation (numbers tool call ids, unique within a thread). */
  turns: number;
  /** Set when the last message asks for a JSON value valid against this schema (the agent's repair request). */
  repairSchema?: Record<string, unknown>;
  /** The schema the system prompt says the final answer must match (an agent step's output), if it says one. */
  outputSchema?: Record<string, unknown>;
}

/** The agent runtime's repair request (src/agent/agent.runtime.ts, structured()): the schema is its second line. */
const REPAIR = 'Your answer must be only a JSON value valid against this JSON Schema:';
/** The runtime's request to resend tool calls whose arguments were not JSON. */
const BAD_ARGS = 'Your last reply called ';

export function readConversation(req: ChatRequest): Conversation {
  const tools = new Map((req.tools ?? []).map((t) => [t.function.name, { description: t.function.description ?? '', parameters: (t.function.parameters ?? {}) as Record<string, unknown> }]));
  const messages = req.messages;
  const isNudge = (text: string) => text.startsWith(REPAIR) || text.startsWith(BAD_ARGS);
  let at = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i].role === 'user' && !isNudge(textOf(messages[i].content))) {
      at = i;
      break;
    }
  }
  const calls = new Map<string, { name: string; args: Record<string, unknown> }>();
  const results: ToolResult[] = [];
  for (const m of messages.slice(at + 1)) {
    if (m.role === 'assistant') for (const c of m.tool_calls ?? []) calls.set(c.id, { name: c.function.name, args: parseObject(c.function.arguments) });
    if (m.role === 'tool') {
      const call = calls.get(m.tool_call_id ?? '');
      results.push(readResult(call?.name ?? '', call?.args ?? {}, textOf(m.content)));
    }
  }
  const last = messages[messages.length - 1];
  const lastText = last?.role === 'user' ? textOf(last.content) : '';
  let repairSchema: Record<string, unknown> | undefined;
  if (lastText.startsWith(REPAIR)) {
    const schema = parseObject(lastText.slice(REPAIR.length).trim().split('\n')[0] ?? '');
    if (Object.keys(schema).length) repairSchema = schema;
  }
  const system = textOf(messages.find((m) => m.role === 'system')?.content ?? '');
  const marked = system.indexOf(FINAL_JSON);
  const outputSchema = marked >= 0 ? parseObject(system.slice(marked + FINAL_JSON.length).trim().split('\n')[0] ?? '') : {};
  return {
    tools,
    ...(Object.keys(outputSchema).length && { outputSchema }),
    instruction: at >= 0 ? textOf(messages[at].content) : '',
    results,
    turns: messages.filter((m) => m.role === 'assistant').length,
    ...(repairSchema && { repairSchema }),
  };
}

/** A tool message as Steward writes it: {tool, ok, result} (shared), {tool, ok, count, size, note} (privacy mode), or "CODE: message". */
function readResult(name: string, args: Record<string, unknown>, text: string): ToolResult {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { name, args, ok: false, shared: false, text };
  }
  if (!v || typeof v !== 'object' || (v as { ok?: unknown }).ok !== true) return { name, args, ok: false, shared: false, text };
  const o = v as { result?: unknown; count?: unknown };
  if ('result' in o) return { name, args, ok: true, shared: true, result: o.result, text };
  return { name, args, ok: true, shared: false, ...(typeof o.count === 'number' && { count: o.count }), text };
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The JSON value that starts at `text[from]` ('[' or '{'), or undefined. Strings (and brackets in them) are skipped. */
export function jsonAt(text: string, from: number): unknown {
  const open = text[from];
  if (open !== '[' && open !== '{') return undefined;
  let depth = 0;
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') {
      depth--;
      if (depth === 0) {
        try {
          return JSON.parse(text.slice(from, i + 1));
        } catch {
          return undefined;
        }
      }
    }
  }
  return undefined;
}

/** The JSON value following `label` in the text (`The planner's tasks: [...]`), or undefined. */
export function jsonAfter(text: string, label: string): unknown {
  const i = text.indexOf(label);
  if (i < 0) return undefined;
  const j = text.slice(i + label.length).search(/\S/);
  return j < 0 ? undefined : jsonAt(text, i + label.length + j);
}
