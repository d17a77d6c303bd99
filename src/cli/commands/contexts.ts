import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { type CliContext, EXIT_HELP } from '../context.js';
import { checkContextName, contextFilePath, readContexts, writeContexts } from '../contexts.js';
import { EXIT } from '../exit-codes.js';
import { CliError, safe } from '../io.js';
import { jsonOption } from '../options.js';

const HELP = `
A context names a daemon and the file holding its token, so --server/--token-file need not be repeated. They are kept
in $STEWARD_CONTEXT_FILE, else ~/.config/steward/contexts.yaml (mode 0600; it names token files, never tokens).
Which one applies: --context <name>, then $STEWARD_CONTEXT, then the current one. --server/$STEWARD_SERVER and
--token/--token-file/$STEWARD_TOKEN still win over any context.
${EXIT_HELP}`;

/** `steward context set|use|list|delete`. */
export function registerContexts(program: Command, { io }: CliContext): void {
  const cmd = program.command('context').description('Save daemons to talk to (server URL and token file) and pick the current one.').addHelpText('after', HELP);
  const file = () => {
    const f = contextFilePath(io);
    if (!f) throw new CliError(EXIT.INVALID, 'no place for the context file: set $STEWARD_CONTEXT_FILE or $HOME');
    return f;
  };

  cmd
    .command('set')
    .description('Create or change a context (and make it current with --use, or when it is the first one).')
    .argument('<name>', 'the context name')
    .requiredOption('-s, --server <url>', 'the daemon URL, e.g. http://127.0.0.1:8080')
    .option('--token-file <file>', 'the file holding the bearer token (stored as an absolute path)')
    .option('--use', 'make it the current context')
    .addOption(jsonOption())
    .addHelpText('after', HELP)
    .action((name: string, o: { server: string; tokenFile?: string; use?: boolean; json?: boolean }) => {
      checkContextName(name);
      let url: URL;
      try {
        url = new URL(o.server);
      } catch {
        throw new CliError(EXIT.INVALID, `--server ${JSON.stringify(o.server)} is not a URL (e.g. http://127.0.0.1:8080)`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(EXIT.INVALID, `--server must be an http:// or https:// URL, not ${url.protocol}`);
      if (url.username || url.password) throw new CliError(EXIT.INVALID, '--server must not carry credentials; use --token-file');
      const tokenFile = o.tokenFile === undefined ? undefined : resolve(io.cwd, o.tokenFile);
      if (tokenFile && !existsSync(tokenFile)) throw new CliError(EXIT.INVALID, `--token-file ${o.tokenFile}: no such file`);
      const f = file();
      const data = readContexts(f);
      data.contexts[name] = { server: url.href.replace(/\/+$/, ''), ...(tokenFile && { tokenFile }) };
      if (o.use || !data.current) data.current = name;
      writeContexts(f, data);
      if (o.json) io.out(`${JSON.stringify({ file: f, name, ...data.contexts[name], current: data.current === name })}\n`);
      else io.out(`context ${name} saved in ${f}${data.current === name ? ' (current)' : ''}\n`);
    });

  cmd
    .command('use')
    .description('Make a context the current one.')
    .argument('<name>', 'the context name')
    .addOption(jsonOption())
    .addHelpText('after', HELP)
    .action((name: string, o: { json?: boolean }) => {
      const f = file();
      const data = readContexts(f);
      if (!data.contexts[name]) throw new CliError(EXIT.INVALID, `no context named "${name}" in ${f} (steward context list)`);
      data.current = name;
      writeContexts(f, data);
      if (o.json) io.out(`${JSON.stringify({ file: f, current: name, ...data.contexts[name] })}\n`);
      else io.out(`current context: ${name} (${data.contexts[name].server})\n`);
    });

  cmd
    .command('list')
    .description('The saved contexts; * marks the current one.')
    .addOption(jsonOption())
    .addHelpText('after', HELP)
    .action((o: { json?: boolean }) => {
      const f = file();
      const data = readContexts(f);
      if (o.json) return io.out(`${JSON.stringify({ file: f, current: data.current ?? null, contexts: data.contexts }, null, 2)}\n`);
      const names = Object.keys(data.contexts).sort();
      if (!names.length) return io.out(`no contexts in ${f} (steward context set <name> --server <url> --token-file <file>)\n`);
      for (const n of names) io.out(`${n === data.current ? '*' : ' '} ${n}  ${safe(data.contexts[n].server)}${data.contexts[n].tokenFile ? `  token file ${safe(data.contexts[n].tokenFile)}` : ''}\n`);
    });

  cmd
    .command('delete')
    .description('Remove a context.')
    .argument('<name>', 'the context name')
    .addOption(jsonOption())
    .addHelpText('after', HELP)
    .action((name: string, o: { json?: boolean }) => {
      const f = file();
      const data = readContexts(f);
      if (!data.contexts[name]) throw new CliError(EXIT.INVALID, `no context named "${name}" in ${f}`);
      delete data.contexts[name];
      if (data.current === name) delete data.current;
      writeContexts(f, data);
      io.out(o.json ? `${JSON.stringify({ file: f, deleted: name, current: data.current ?? null })}\n` : `context ${name} deleted\n`);
    });
}
