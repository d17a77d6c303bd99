import { type Command, Option } from 'commander';
import type { Decision } from '../../approvals/approval.types.js';
import type { LoggingConfig } from '../../config/config.types.js';
import { type ApprovalView, formatApprovalPlan, formatApprovals, formatPendingPlans } from '../approval-text.js';
import { type CliContext, EXIT_HELP } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { CliError, type CliIo, safe, useColor } from '../io.js';
import { addRemoteOptions, configOption, jsonOption, logLevelOption, remoteFrom, type RemoteOptions } from '../options.js';
import type { RemoteClient } from '../remote.js';

interface ListOptions extends RemoteOptions {
  pending?: boolean;
  run?: string;
  limit: string;
  json?: boolean;
  config?: string;
  logLevel: LoggingConfig['level'];
}

export interface DecideOptions extends RemoteOptions {
  comment?: string;
  /** approve only: the decision on an interrupted step (an unknown_step approval). */
  step?: 'retry' | 'skip';
  json?: boolean;
  config?: string;
  logLevel: LoggingConfig['level'];
}

const IN_PROCESS = `
Without --server these work on the configured store directly, acting as cli:<OS user> (role approver). A decision
in-process also continues the run in this process, up to its end or its next approval; with the embedded store
that works only while no daemon has the store open (use --server then).
`;

/** `steward approvals`, `steward approve <id>`, `steward reject <id>`. */
export function registerApprovals(program: Command, ctx: CliContext): void {
  const list = program
    .command('approvals')
    .description('List approvals, newest first: what waits for a decision, on which run and step, who asked, until when; then the plan of each pending one.')
    .option('--pending', 'only those waiting for a decision')
    .option('--run <run-id>', 'only those of this run')
    .option('--limit <n>', 'at most this many (1-999)', '100')
    .option('--json', 'print the API\'s JSON instead of a table (each approval with its plan as a structure: planView)')
    .addOption(configOption())
    .addOption(logLevelOption());
  addRemoteOptions(list)
    .addHelpText('after', IN_PROCESS + EXIT_HELP)
    .action(async (o: ListOptions) => {
      if (!/^[1-9][0-9]{0,2}$/.test(o.limit)) throw new CliError(EXIT.INVALID, '--limit must be a whole number from 1 to 999');
      if (o.run !== undefined && !/^run_[0-9a-z]+$/.test(o.run)) throw new CliError(EXIT.INVALID, '--run must be a run id (run_...)');
      const filter = { status: o.pending ? 'pending' : undefined, runId: o.run, limit: Number(o.limit) };
      const remote = remoteFrom(o, ctx.io);
      const approvals = remote ? await listRemote(remote, filter) : await (await import('./approvals.local.js')).listLocal(ctx.load(o.config), filter, ctx.io, o.logLevel);
      if (o.json) ctx.io.out(`${JSON.stringify({ approvals }, null, 2)}\n`);
      else if (!approvals.length) ctx.io.out(`no ${o.pending ? 'pending ' : ''}approvals${o.run ? ` for ${o.run}` : ''}\n`);
      else {
        // The table, then the plan of each approval that waits for a decision: what approving it would do.
        const plans = formatPendingPlans(approvals, useColor(ctx.io));
        ctx.io.out(`${formatApprovals(approvals)}${plans ? `\n${plans}` : ''}`);
      }
    });

  for (const decision of ['approve', 'reject'] as const) {
    const cmd = program
      .command(decision)
      .description(decision === 'approve' ? 'Approve a pending approval (the waiting step or tool call may then run, once).' : 'Reject a pending approval (its run ends rejected).')
      .argument('<approval-id>', 'the approval id (apr_...)')
      .option('-m, --comment <text>', decision === 'approve' ? 'why (required when the policy wants a reason, e.g. for destructive actions)' : 'why')
      .addOption(jsonOption('print JSON: the approval as the API shows it (in-process, then the outcome of the run it released)'))
      .addOption(configOption())
      .addOption(logLevelOption());
    if (decision === 'approve') {
      cmd.addOption(new Option('--step <retry|skip>', 'for a step interrupted by a restart (kind unknown_step): run it again, or skip it').choices(['retry', 'skip']));
    }
    addRemoteOptions(cmd)
      .addHelpText('after', `${IN_PROCESS}\nExit codes: 0 decision recorded, 1 refused (not pending, expired, self-approval, already decided) or a runtime\nfailure, 2 invalid input (no such approval, a decision that does not fit it, bad flags, invalid steward.yaml).\n`)
      .action(async (id: string, o: DecideOptions) => {
        if (!/^apr_[0-9a-z]+$/.test(id)) throw new CliError(EXIT.INVALID, `${JSON.stringify(id)} is not an approval id (apr_...)`);
        const remote = remoteFrom(o, ctx.io);
        const d: Decision = o.step ?? decision;
        ctx.exit(remote ? await decideRemote(remote, id, d, o.comment, ctx.io, o.json) : await (await import('./approvals.local.js')).decideLocal(ctx.load(o.config), id, d, o, ctx.io));
      });
  }
}

export interface Filter {
  status?: string;
  runId?: string;
  limit: number;
}

async function listRemote(client: RemoteClient, f: Filter): Promise<ApprovalView[]> {
  const q = new URLSearchParams({ limit: String(f.limit), ...(f.status && { status: f.status }), ...(f.runId && { runId: f.runId }) });
  return (await client.get<{ approvals: ApprovalView[] }>(`/approvals?${q}`)).approvals;
}

async function decideRemote(client: RemoteClient, id: string, decision: Decision, comment: string | undefined, io: CliIo, json?: boolean): Promise<number> {
  const a = await client.post<ApprovalView>(`/approvals/${encodeURIComponent(id)}`, { decision, ...(comment !== undefined && { comment }) });
  if (json) {
    io.out(`${JSON.stringify(a, null, 2)}\n`);
    return EXIT.OK;
  }
  io.out(describeDecision(a, decision));
  io.out(formatApprovalPlan(a, useColor(io)));
  if (a.runId && a.status !== 'pending') io.out(`run ${a.runId} continues on the server: steward follow ${a.runId} --server ${client.baseUrl}\n`);
  return EXIT.OK;
}

export function describeDecision(a: ApprovalView, decision: Decision): string {
  const last = [...a.decisions].reverse().find((d) => d.decision === decision);
  const votes = a.decisions.filter((d) => d.decision === 'approve').length;
  const more = a.status === 'pending' ? `; ${a.requiredApprovals - votes} more approval(s) needed from other people` : '';
  return `approval ${safe(a.id)} ${safe(a.status)} (${decision}${last ? ` by ${safe(last.by)}` : ''}${more})\n`;
}
