import type { Command } from 'commander';
import type { LoggingConfig } from '../../config/config.types.js';
import type { StartPrompt, StartRun } from '../../runs/runs.service.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { collectEnvironments, collectInputs } from '../inputs.js';
import { CliError, type CliIo, safe, useColor } from '../io.js';
import { addRemoteOptions, assignment, configOption, jsonOption, logLevelOption, remoteFrom, type RemoteOptions } from '../options.js';
import { eventJson } from '../event-json.js';
import { EventPrinter, jsonLine, outcome } from '../progress.js';
import { followRun, type RemoteClient } from '../remote.js';

export interface RunOptions extends RemoteOptions {
  input?: [string, string][];
  inputsFile?: string;
  env?: [string, string][];
  dryRun?: boolean;
  approveOnce?: boolean;
  share?: boolean;
  follow?: boolean;
  json?: boolean;
  config?: string;
  logLevel: LoggingConfig['level'];
}

const HELP = `
Inputs: --input key=value is repeatable; the value is read as JSON when it parses (5, true, [1,2], {"a":1},
'"quoted"'), otherwise as text. --inputs-file takes a JSON or YAML mapping; --input values override it.
Environments: --env role=name binds each environment role of the playbook to an environment of steward.yaml.

Without --server the run executes in this process on the configured store (the embedded one by default), as
cli:<OS user> with role operator; the command waits for it, and with --follow prints each event as it happens.
An approval cannot be given to an in-process run while it waits (the embedded store admits one process at a
time): the command then prints the approval ids and how to decide, and exits 1 leaving the run awaiting_approval.
With --server the run is started on that daemon (POST /runs); --follow streams GET /runs/{id}/events,
reconnecting with Last-Event-ID when the connection drops, and waits through approvals.

Exit codes: 0 the run succeeded (or, with --server and no --follow, it was accepted), 1 it failed, was cancelled,
rejected or expired, is waiting for an approval in-process, or a runtime failure, 2 invalid input (unknown
playbook, inputs or environments that do not fit it, bad flags, invalid steward.yaml).
`;

/** `steward run <playbook>`. */
export function registerRun(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('run')
    .description('Run a playbook, in-process on the configured store or on a daemon (--server), and report its outcome.')
    .argument('<playbook>', 'the playbook id (metadata.name)')
    .option('-i, --input <key=value>', 'an input value (repeatable; JSON when it parses, else text)', assignment('--input'))
    .option('--inputs-file <file>', 'inputs from a JSON or YAML file (--input overrides)')
    .option('-e, --env <role=name>', 'bind an environment role to a configured environment (repeatable)', assignment('--env'))
    .option('--dry-run', 'read tools run, mutating tools only report their plan; nothing is changed')
    .option('--approve-once', "plan every write step first and ask one approval of the whole run's plan (a step whose plan changed by then asks again)")
    .option('--no-share', "agent steps: never show tool results to the model, whatever the environments allow")
    .option('-f, --follow', 'print the run\'s events as they happen (one line each)')
    .addOption(jsonOption('print JSON: the outcome as one object {runId, state, reason, outputs}; with --follow one object per event before it'))
    .addOption(configOption())
    .addOption(logLevelOption());
  addRemoteOptions(cmd)
    .addHelpText('after', HELP)
    .action(async (playbook: string, o: RunOptions) => {
      const request: StartRun = {
        playbook,
        inputs: collectInputs(o.input ?? [], o.inputsFile, ctx.io.cwd),
        environments: collectEnvironments(o.env ?? []),
        ...(o.dryRun && { dryRun: true }),
        ...(o.approveOnce && { approveOnce: true }),
        ...(o.share === false && { shareToolResults: false }),
      };
      const remote = remoteFrom(o, ctx.io);
      // In-process needs the whole daemon; loaded only then, so --server and --help stay light.
      ctx.exit(remote ? await runRemote(remote, request, o, ctx.io) : await (await import('./run.local.js')).runLocal(ctx.load(o.config), request, o, ctx.io));
    });
}

/** `steward follow <run-id> --server`: follow a run on a daemon until it ends. */
export function registerFollow(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('follow')
    .description('Follow a run on a daemon (GET /runs/{id}/events) from its first event until it ends; exit with its outcome.')
    .argument('<run-id>', 'the run id (run_...)')
    .addOption(jsonOption('print one JSON object per event, then the outcome {runId, state, reason, outputs}'));
  addRemoteOptions(cmd)
    .addHelpText('after', '\nNeeds --server and a token with role viewer or more. Reconnects with Last-Event-ID when the connection drops.\n\nExit codes: 0 the run succeeded, 1 it did not (failed, cancelled, rejected, expired) or a runtime failure, 2 invalid input.\n')
    .action(async (runId: string, o: RemoteOptions & { json?: boolean }) => {
      const remote = remoteFrom(o, ctx.io);
      if (!remote) throw new CliError(EXIT.INVALID, 'steward follow needs --server <url> (in-process there is nothing to follow: runs execute in the command that starts them)');
      ctx.exit(await follow(remote, runId, ctx.io, o.json));
    });
}

/** POST /runs on a daemon (a playbook run or an ad-hoc prompt); with --follow, stream it to its end. */
export async function runRemote(client: RemoteClient, request: StartRun | StartPrompt, o: Pick<RunOptions, 'follow' | 'json'>, io: CliIo): Promise<number> {
  const res = await client.post<{ id: string; state: string }>('/runs', request);
  if (!o.follow) {
    io.out(o.json ? jsonLine({ runId: res.id, state: res.state }) : `run ${res.id} ${res.state}\n  follow it: steward follow ${res.id} --server ${client.baseUrl}\n`);
    return EXIT.OK;
  }
  return follow(client, res.id, io, o.json);
}

async function follow(client: RemoteClient, runId: string, io: CliIo, json?: boolean): Promise<number> {
  const stop = new AbortController();
  io.onSignal('SIGINT', () => stop.abort(new CliError(EXIT.FAILURE, `stopped following; run ${runId} goes on on the server (steward follow ${runId} --server ${client.baseUrl})`)));
  const printer = new EventPrinter((t) => io.out(t), { approveHint: (id) => `steward approve ${id} --server ${client.baseUrl}`, color: useColor(io) });
  const fin = await followRun(client, runId, {
    signal: stop.signal,
    onEvent: (e) => (json ? io.out(eventJson(e)) : printer.print(e)),
    onNote: (type, data) => io.err(`steward: ${safe(type)}: ${safe((data as { message?: string })?.message ?? data)}\n`),
    onReconnect: (r) => io.err(`steward: event stream interrupted (${safe(r.reason)}); reconnecting in ${r.delayMs} ms after event ${r.lastEventId}\n`),
  });
  printer.end();
  io.out(outcome(json, runId, fin.data.state, fin.data.reason, fin.data.outputs));
  return fin.data.state === 'succeeded' ? EXIT.OK : EXIT.FAILURE;
}
