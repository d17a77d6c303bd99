import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { LoggingConfig } from '../config/config.types.js';
import { selectedContext } from './contexts.js';
import { EXIT } from './exit-codes.js';
import { CliError, type CliIo } from './io.js';
import { RemoteClient } from './remote.js';

const LEVELS: LoggingConfig['level'][] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const configOption = () => new Option('-c, --config <file>', 'steward.yaml to use (default: $STEWARD_CONFIG, then ./steward.yaml)');

export const logLevelOption = () =>
  new Option('--log-level <level>', 'log level of the in-process daemon, written to stderr').choices(LEVELS).default('warn');

/** Repeatable `key=value` options, collected in order. */
export const assignment = (flag: string) => (value: string, previous: [string, string][] = []): [string, string][] => {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected ${flag === '--env' ? 'role=environment' : 'key=value'}`);
  return [...previous, [value.slice(0, eq), value.slice(eq + 1)]];
};

export interface RemoteOptions {
  server?: string;
  token?: string;
  tokenFile?: string;
  context?: string;
}

/** --server / --token / --token-file, shared by every command that can talk to a running daemon. */
export function addRemoteOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('-s, --server <url>', 'talk to this running daemon over HTTP (default: $STEWARD_SERVER; without: in-process on the configured store)'))
    .addOption(new Option('--token <token>', 'bearer token for --server (default: $STEWARD_TOKEN; prefer --token-file or the variable: arguments are visible to other users)'))
    .addOption(new Option('--token-file <file>', 'read the bearer token for --server from this file (e.g. .steward/admin.token)'))
    .addOption(new Option('--context <name>', 'use this saved context (server and token file; default: $STEWARD_CONTEXT, then the current one, see steward context)'));
}

/** `--json`: machine-readable output on stdout. */
export const jsonOption = (description = 'print JSON instead of text') => new Option('--json', description);

/** The daemon to talk to, or undefined for in-process. Exit 2 for a bad URL or a missing token. */
export function remoteFrom(o: RemoteOptions, io: CliIo): RemoteClient | undefined {
  // Flags first, then $STEWARD_SERVER/$STEWARD_TOKEN, then the saved context (its token file only for its server).
  const ctx = o.server === undefined && io.env.STEWARD_SERVER === undefined ? selectedContext(io, o.context) : undefined;
  if (o.context !== undefined && !ctx) throw new CliError(EXIT.INVALID, '--context cannot be combined with --server or $STEWARD_SERVER');
  const server = o.server ?? io.env.STEWARD_SERVER ?? ctx?.server;
  if (!server) {
    if (o.token !== undefined || o.tokenFile !== undefined) throw new CliError(EXIT.INVALID, '--token and --token-file are only used with --server <url>');
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new CliError(EXIT.INVALID, `--server ${JSON.stringify(server)} is not a URL (e.g. http://127.0.0.1:8080)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(EXIT.INVALID, `--server must be an http:// or https:// URL, not ${url.protocol}`);
  if (url.username || url.password) throw new CliError(EXIT.INVALID, '--server must not carry credentials; pass the token with --token-file, --token or $STEWARD_TOKEN');
  let token = o.token;
  if (o.tokenFile !== undefined) {
    try {
      token = readFileSync(resolve(io.cwd, o.tokenFile), 'utf8').trim();
    } catch (e) {
      throw new CliError(EXIT.INVALID, `--token-file ${o.tokenFile}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
  }
  token ??= io.env.STEWARD_TOKEN;
  if (token === undefined && ctx?.tokenFile !== undefined) {
    try {
      token = readFileSync(ctx.tokenFile, 'utf8').trim();
    } catch (e) {
      throw new CliError(EXIT.INVALID, `context "${ctx.name}": token file ${ctx.tokenFile}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
  }
  if (!token) throw new CliError(EXIT.INVALID, `--server ${url.origin} needs a bearer token: --token-file <file>, $STEWARD_TOKEN or --token <token>`);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) || url.hostname.startsWith('127.');
  if (url.protocol === 'http:' && !loopback) io.err(`steward: warning: sending the bearer token unencrypted to ${url.origin}; use https:// for anything but loopback\n`);
  return new RemoteClient(url.href.replace(/\/+$/, ''), token);
}
