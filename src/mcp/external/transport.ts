import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Logger } from 'pino';
import type { ExternalServerConfig } from './external.settings.js';

const STDERR_TAIL_LINES = 5;

export type ClientTransport = StdioClientTransport | StreamableHTTPClientTransport;

/** The last lines a stdio server wrote to stderr: what a person needs when it fails to start or exits. */
export class StderrTail {
  private lines: string[] = [];

  push(line: string): void {
    this.lines = [...this.lines, line].slice(-STDERR_TAIL_LINES);
  }

  clear(): void {
    this.lines = [];
  }

  /** `; stderr: <last line>` or empty. */
  suffix(): string {
    const last = this.lines.at(-1);
    return last ? `; stderr: ${last.length > 300 ? `${last.slice(0, 300)}…` : last}` : '';
  }
}

/**
 * A transport for one connection attempt. A stdio child gets only the config's `env` plus what the SDK passes on
 * (HOME, LOGNAME, PATH, SHELL, TERM, USER); its stderr is logged at debug and its last lines kept for reasons.
 */
export function createTransport(config: ExternalServerConfig, logger: Logger, tail: StderrTail): ClientTransport {
  if (config.transport === 'http') {
    return new StreamableHTTPClientTransport(new URL(config.url as string), { requestInit: { headers: { ...config.headers } } });
  }
  const transport = new StdioClientTransport({ command: config.command as string, args: config.args ?? [], env: { ...config.env }, cwd: config.cwd, stderr: 'pipe' });
  let partial = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines.map((l) => l.trimEnd()).filter(Boolean)) {
      tail.push(line);
      logger.debug({ stderr: line }, 'external MCP server stderr');
    }
  });
  return transport;
}
