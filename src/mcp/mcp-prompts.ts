import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CompleteRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  type CompleteResult,
  type GetPromptResult,
  type Prompt,
  type PromptMessage,
} from '@modelcontextprotocol/sdk/types.js';
import type { Principal } from '../auth/roles.js';
import type { ParsedPlaybook, PlaybookInput } from '../playbooks/playbook.types.js';
import { protocolError, readResource } from './mcp-resources.js';
import type { StewardApi } from './steward-api.js';
import { STEWARD_TOOL_WIRE } from './steward-tools.js';

/** A playbook's prompt is `run-<playbook id>`; its environment roles are the arguments `environment.<role>`. */
export const PLAYBOOK_PROMPT = 'run-';
export const ENV_ARG_PREFIX = 'environment.';
const MAX_COMPLETIONS = 100;

const GOVERNANCE: Prompt[] = [
  {
    name: 'well-check-summary',
    title: 'Summarise the well-check findings',
    description: 'Summarises the open governance findings (optionally of one check or environment): by severity, what is new, what to fix first.',
    arguments: [
      { name: 'check', description: 'Only this check id (e.g. dashboard.unreadable).', required: false },
      { name: 'environment', description: 'Only findings of this environment.', required: false },
    ],
  },
  {
    name: 'migration-review',
    title: 'Review a migration run',
    description: 'Reviews the report of a migration run: what moved, what failed and why, which approvals were given, what to verify on the target.',
    arguments: [{ name: 'run', description: 'The run id (run_...).', required: true }],
  },
  {
    name: 'approval-review',
    title: 'Review a pending approval',
    description: 'Explains what an approval would let run (tool, environment, dry-run plan) and what to check before deciding it.',
    arguments: [{ name: 'approval', description: 'The approval id.', required: true }],
  },
];

/** The prompt of a playbook: its inputs and environment roles as arguments (required where the run needs them). */
export function playbookPrompt(p: ParsedPlaybook, api: StewardApi): Prompt {
  return {
    name: `${PLAYBOOK_PROMPT}${p.id}`,
    title: `Run playbook ${p.id}`,
    description: `Asks to run the Steward playbook ${p.id}${p.description ? `: ${p.description}` : ''}`,
    arguments: [
      ...p.inputs.map((i) => ({ name: i.name, description: inputDescription(i), required: i.required && i.default === undefined })),
      ...p.environments.map((r) => {
        const names = environmentsOfKind(api, r.kind);
        return { name: `${ENV_ARG_PREFIX}${r.name}`, description: `Environment for role "${r.name}" (kind ${r.kind}${names.length ? `: ${names.join(', ')}` : ''}).`, required: names.length !== 1 };
      }),
      { name: 'dryRun', description: 'true: plan only, nothing is written.', required: false },
    ],
  };
}

function inputDescription(i: PlaybookInput): string {
  const type = i.type === 'array' ? `list of ${i.items?.type ?? 'values'} (JSON or comma-separated)` : i.type;
  const parts = [i.description, `Type: ${type}.`, i.enum ? `One of: ${i.enum.map(String).join(', ')}.` : undefined, i.default !== undefined ? `Default: ${JSON.stringify(i.default)}.` : undefined];
  return parts.filter(Boolean).join(' ');
}

const environmentsOfKind = (api: StewardApi, kind: string): string[] =>
  Object.entries(api.environments)
    .filter(([, e]) => e.kind === kind)
    .map(([n]) => n)
    .sort();

/** A prompt argument (always a string on the wire) as the input's type; unparsable text is passed on for the run to refuse. */
export function coerceInput(i: PlaybookInput, text: string): unknown {
  const t = text.trim();
  switch (i.type) {
    case 'integer':
    case 'number':
      return t !== '' && Number.isFinite(Number(t)) ? Number(t) : text;
    case 'boolean':
      return t === 'true' ? true : t === 'false' ? false : text;
    case 'array':
      if (t.startsWith('[')) return parseJson(t) ?? text;
      return t === '' ? [] : t.split(',').map((x) => coerceInput({ ...i, type: i.items?.type ?? 'string' }, x.trim()));
    case 'object':
      return parseJson(t) ?? text;
    default:
      return text;
  }
}

function parseJson(t: string): unknown {
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}

const text = (t: string): PromptMessage => ({ role: 'user', content: { type: 'text', text: t } });

async function embedded(api: StewardApi, uri: string, who: Principal): Promise<PromptMessage> {
  const c = (await readResource(api, uri, who)).contents[0]!;
  return { role: 'user', content: { type: 'resource', resource: { uri: c.uri, mimeType: c.mimeType, text: 'text' in c ? c.text : '' } } };
}

function runPlaybook(p: ParsedPlaybook, args: Record<string, string>, api: StewardApi): GetPromptResult {
  const missing = playbookPrompt(p, api).arguments!.filter((a) => a.required && (args[a.name] ?? '').trim() === '').map((a) => a.name);
  if (missing.length) throw protocolError(ErrorCode.InvalidParams, `prompt ${PLAYBOOK_PROMPT}${p.id} needs the argument(s) ${missing.join(', ')}`);
  const inputs = Object.fromEntries(p.inputs.filter((i) => args[i.name] !== undefined && args[i.name] !== '').map((i) => [i.name, coerceInput(i, args[i.name]!)]));
  const environments = Object.fromEntries(
    p.environments.map((r) => [r.name, args[`${ENV_ARG_PREFIX}${r.name}`]?.trim() || environmentsOfKind(api, r.kind)[0]]).filter(([, n]) => n),
  );
  const call = { playbook: p.id, ...(Object.keys(inputs).length && { inputs }), ...(Object.keys(environments).length && { environments }), ...(args.dryRun?.trim() === 'true' && { dryRun: true }) };
  return {
    description: `Run the playbook ${p.id}`,
    messages: [
      text(
        `Run the Steward playbook "${p.id}"${p.description ? ` (${p.description})` : ''}.\n\n` +
          `Call the tool ${STEWARD_TOOL_WIRE.start} (steward.runs.start) with these arguments:\n\n${JSON.stringify(call, null, 2)}\n\n` +
          `Then follow the run with ${STEWARD_TOOL_WIRE.get} (or read the resource steward://runs/<run id>) until it ends, and summarise its report ` +
          '(steward://runs/<run id>/report.md): what it did, what it found, what failed. Steps that write wait for a person to approve them in Steward; ' +
          'if the run waits for an approval, say which and where it is approved.',
      ),
    ],
  };
}

async function governance(name: string, args: Record<string, string>, api: StewardApi, who: Principal): Promise<GetPromptResult | undefined> {
  const need = (arg: string) => {
    const v = args[arg]?.trim();
    if (!v) throw protocolError(ErrorCode.InvalidParams, `prompt ${name} needs the argument ${arg}`);
    return v;
  };
  if (name === 'well-check-summary') {
    const findings = await api.findings({ state: 'open', check: args.check?.trim() || undefined, environment: args.environment?.trim() || undefined, limit: 200 });
    const scope = [args.check && `check ${args.check}`, args.environment && `environment ${args.environment}`].filter(Boolean).join(', ');
    return {
      description: 'Summary of the open findings',
      messages: [
        text(
          `Summarise Steward's open governance findings${scope ? ` (${scope})` : ''}: count them by severity, name the checks with the most findings, ` +
            'point out findings seen for the first time recently and those reopened, and propose what to fix first and why. Quote asset names exactly.',
        ),
        { role: 'user', content: { type: 'resource', resource: { uri: args.check ? `steward://findings/${encodeURIComponent(args.check)}` : 'steward://findings', mimeType: 'application/json', text: JSON.stringify({ findings }, null, 2) } } },
      ],
    };
  }
  if (name === 'migration-review') {
    const run = need('run');
    return {
      description: `Review of run ${run}`,
      messages: [
        text(
          `Review the Steward migration run ${run} from its report below: what was moved and where, what was skipped and why, what failed and why ` +
            '(each failed asset), which approvals were given and by whom, and what a person should verify on the target before calling it done.',
        ),
        await embedded(api, `steward://runs/${run}/report.md`, who),
      ],
    };
  }
  if (name === 'approval-review') {
    const id = need('approval');
    return {
      description: `Review of approval ${id}`,
      messages: [
        text(
          `Explain the Steward approval ${id} below to the person who will decide it: which tool would run, against which environment, with which arguments, ` +
            'and what its dry-run plan says it would create, change, delete or fail. Point out anything risky or surprising and what to check before approving. Do not decide it yourself.',
        ),
        await embedded(api, `steward://approvals/${id}`, who),
      ],
    };
  }
  return undefined;
}

function filter(values: string[], prefix: string): CompleteResult {
  const hits = [...new Set(values)].filter((v) => v.toLowerCase().startsWith(prefix.toLowerCase())).sort();
  return { completion: { values: hits.slice(0, MAX_COMPLETIONS), total: hits.length, hasMore: hits.length > MAX_COMPLETIONS } };
}

async function checks(api: StewardApi): Promise<string[]> {
  return (await api.findings({ limit: 500 })).map((f) => f.check);
}

/** Completion values for an argument of a prompt (undefined: no such prompt). */
async function completePrompt(name: string, arg: string, api: StewardApi, who: Principal): Promise<string[] | undefined> {
  if (name.startsWith(PLAYBOOK_PROMPT)) {
    const p = api.playbooks().find((x) => `${PLAYBOOK_PROMPT}${x.id}` === name);
    if (!p) return undefined;
    if (arg === 'dryRun') return ['true', 'false'];
    if (arg.startsWith(ENV_ARG_PREFIX)) {
      const role = p.environments.find((r) => `${ENV_ARG_PREFIX}${r.name}` === arg);
      return role ? environmentsOfKind(api, role.kind) : [];
    }
    const input = p.inputs.find((i) => i.name === arg);
    if (input?.enum) return input.enum.map(String);
    if (input?.type === 'boolean') return ['true', 'false'];
    return [];
  }
  if (!GOVERNANCE.some((g) => g.name === name)) return undefined;
  if (arg === 'environment') return Object.keys(api.environments);
  if (arg === 'check') return checks(api);
  if (arg === 'run') return (await api.runs({ limit: 50 }, who)).map((r) => r.id);
  if (arg === 'approval') return (await api.approvals({ status: 'pending', limit: 50 }, who)).map((a) => a.id);
  return [];
}

async function completeTemplate(uriTemplate: string, api: StewardApi, who: Principal): Promise<string[]> {
  if (uriTemplate.startsWith('steward://runs/{id}')) return (await api.runs({ limit: 50 }, who)).map((r) => r.id);
  if (uriTemplate === 'steward://approvals/{id}') return (await api.approvals({ limit: 50 }, who)).map((a) => a.id);
  if (uriTemplate === 'steward://playbooks/{id}') return api.playbooks().map((p) => p.id);
  if (uriTemplate === 'steward://findings/{check}') return checks(api);
  return [];
}

/** Registers prompts/list, prompts/get and completion/complete on `server` for `who`. */
export function registerPrompts(server: Server, api: StewardApi, who: Principal): void {
  server.setRequestHandler(ListPromptsRequestSchema, async () => ({ prompts: [...api.playbooks().map((p) => playbookPrompt(p, api)), ...GOVERNANCE] }));
  server.setRequestHandler(GetPromptRequestSchema, async (req) => {
    const { name } = req.params;
    const args = req.params.arguments ?? {};
    const p = name.startsWith(PLAYBOOK_PROMPT) ? api.playbooks().find((x) => `${PLAYBOOK_PROMPT}${x.id}` === name) : undefined;
    const result = p ? runPlaybook(p, args, api) : await governance(name, args, api, who);
    if (!result) throw protocolError(ErrorCode.InvalidParams, `Invalid prompt name: no prompt "${name}" (prompts/list names them)`);
    return result;
  });
  server.setRequestHandler(CompleteRequestSchema, async (req) => {
    const { ref, argument } = req.params;
    const values = ref.type === 'ref/prompt' ? await completePrompt(ref.name, argument.name, api, who) : await completeTemplate(ref.uri, api, who);
    if (!values) throw protocolError(ErrorCode.InvalidParams, `Invalid prompt name: no prompt "${(ref as { name: string }).name}"`);
    return filter(values, argument.value);
  });
}
