import type { Command } from 'commander';
import { type CliContext, EXIT_HELP } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { CliError, safe } from '../io.js';
import { addRemoteOptions, jsonOption, remoteFrom, type RemoteOptions } from '../options.js';
import { table, withParent } from './runs.js';

interface ThreadItem {
  id: string;
  title?: string | null;
  environments?: string[];
  createdAt?: string | null;
  updatedAt?: string | null;
  [k: string]: unknown;
}

const needsServer = (what: string) =>
  new CliError(EXIT.INVALID, `steward ${what} needs --server <url> (or a context): threads belong to the token that started them`);

/** `steward threads`, `steward threads get <id>`: the calling token's conversations with the agent. */
export function registerThreads(program: Command, ctx: CliContext): void {
  const list = program
    .command('threads')
    .description("The calling token's conversations with the agent, newest first (threads get <id> for one).")
    .option('--limit <n>', 'at most this many (1-999)', '50')
    .addOption(jsonOption());
  addRemoteOptions(list)
    .addHelpText('after', `\nNeeds a daemon (--server or a context) and a token with role operator or more.\n${EXIT_HELP}`)
    .action(async (o: RemoteOptions & { json?: boolean; limit: string }) => {
      if (!/^[1-9][0-9]{0,2}$/.test(o.limit)) throw new CliError(EXIT.INVALID, '--limit must be a whole number from 1 to 999');
      const remote = remoteFrom(o, ctx.io);
      if (!remote) throw needsServer('threads');
      const { threads } = await remote.get<{ threads: ThreadItem[] }>(`/threads?limit=${o.limit}`);
      if (o.json) return ctx.io.out(`${JSON.stringify({ threads }, null, 2)}\n`);
      if (!threads.length) return ctx.io.out('no threads\n');
      ctx.io.out(table(['ID', 'TITLE', 'ENVIRONMENTS', 'UPDATED'], threads.map((t) => [t.id, safe(t.title ?? '-'), (t.environments ?? []).join(','), t.updatedAt ?? t.createdAt ?? '-'])));
    });

  const get = list.command('get').description('One thread with its messages and runs.').argument('<thread-id>', 'the thread id').addOption(jsonOption());
  addRemoteOptions(get)
    .addHelpText('after', `\nNeeds a daemon (--server or a context); the thread's owner or an admin.\n${EXIT_HELP}`)
    .action(async (id: string, _o: RemoteOptions & { json?: boolean }, cmd: Command) => {
      const o = withParent<RemoteOptions & { json?: boolean }>(cmd);
      const remote = remoteFrom(o, ctx.io);
      if (!remote) throw needsServer('threads get');
      const t = await remote.get<ThreadItem & { messages?: { role: string; content: unknown }[] }>(`/threads/${encodeURIComponent(id)}`);
      if (o.json) return ctx.io.out(`${JSON.stringify(t, null, 2)}\n`);
      ctx.io.out(`thread ${safe(t.id)}${t.title ? `: ${safe(t.title)}` : ''}\n`);
      for (const m of t.messages ?? []) ctx.io.out(`  ${safe(m.role)}: ${safe(m.content)}\n`);
    });
}
