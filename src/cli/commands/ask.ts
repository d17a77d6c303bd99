import type { Command } from 'commander';
import type { StartPrompt } from '../../runs/runs.service.js';
import type { CliContext } from '../context.js';
import { addRemoteOptions, configOption, jsonOption, logLevelOption, remoteFrom, type RemoteOptions } from '../options.js';
import { EXIT } from '../exit-codes.js';
import { CliError } from '../io.js';
import { RemoteError } from '../remote.js';
import { runRemote, type RunOptions } from './run.js';

interface AskOptions extends RemoteOptions, Pick<RunOptions, 'follow' | 'logLevel' | 'config' | 'json'> {
  env?: string[];
  tool?: string[];
  share: boolean;
}

const HELP = `
The agent (llm: in steward.yaml) answers with the tools of the given environments, as a run: every mutating call it
proposes waits for an approval like any playbook step. --tool narrows the tools (ids or patterns such as
sisense.dashboard.*). Privacy mode is the default: tool results reach the model only from environments marked
shareToolResults: true, and --no-share keeps them from it in any case.

Without --server the agent runs in this process on the configured store; with --server it runs on that daemon.

Exit codes: 0 answered (or, with --server and no --follow, accepted), 1 the run failed, was cancelled, rejected or
expired, waits for an approval in-process, or a runtime failure, 2 invalid input (no model configured, unknown
environment, no usable tool, bad flags).
`;

const repeatable = (v: string, prev: string[] = []) => [...prev, v];

/** `steward ask "<question>" --env <name>`. */
export function registerAsk(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('ask')
    .description('Ask the agent: an ad-hoc natural-language run over the tools of the given environments, behind the same approvals.')
    .argument('<prompt>', 'what to do or find out, in plain words')
    .requiredOption('-e, --env <name>', 'an environment the agent may use (repeatable)', repeatable)
    .option('-t, --tool <pattern>', 'allow only these tools: an id or plugin.module.* / plugin.* (repeatable)', repeatable)
    .option('--no-share', 'never show tool results to the model, whatever the environments allow')
    .option('-f, --follow', "print the run's events as they happen (one line each)")
    .addOption(jsonOption('print JSON: the outcome as one object {runId, state, reason, outputs}; with --follow one object per event before it'))
    .addOption(configOption())
    .addOption(logLevelOption());
  addRemoteOptions(cmd)
    .addHelpText('after', HELP)
    .action(async (prompt: string, o: AskOptions) => {
      const request: StartPrompt = { prompt, environments: o.env ?? [], ...(o.tool?.length ? { tools: o.tool } : {}), ...(o.share === false ? { shareToolResults: false } : {}) };
      const remote = remoteFrom(o, ctx.io);
      // The daemon answers 409 when it has no model; the help (and in-process) call that invalid input: exit 2.
      const asked = remote ? runRemote(remote, request, o, ctx.io).catch((e: unknown) => {
        throw e instanceof RemoteError && e.code === 'LLM_NOT_CONFIGURED' ? new CliError(EXIT.INVALID, e.message) : e;
      }) : undefined;
      ctx.exit(asked ? await asked : await (await import('./run.local.js')).askLocal(ctx.load(o.config), request, o, ctx.io));
    });
}
