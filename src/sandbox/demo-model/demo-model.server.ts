import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO_MODEL, demoAnswer } from './demo-model.js';
import { readChatRequest, sendAnswer, sendError, sendJson } from './openai-wire.js';

export interface DemoModelServer {
  /** Base URL for `llm.baseUrl` (ends in /v1). */
  url: string;
  close(): Promise<void>;
}

/**
 * The demo model over OpenAI's chat-completions API on 127.0.0.1 (`port` 0: any free port): POST /v1/chat/completions,
 * whole or streamed answers, and GET /v1/models naming `steward-demo`. A request it cannot read gets OpenAI's error
 * shape; a failure while deciding is a 500 naming it (the agent's retries then end the step with that message).
 */
export async function startDemoModel(o: { port?: number } = {}): Promise<DemoModelServer> {
  let seq = 0;
  const server = createServer((req, res) => void handle(req, res));
  async function handle(req: IncomingMessage, res: ServerResponse) {
    try {
      if (req.method === 'GET' && req.url?.split('?')[0].endsWith('/models')) {
        req.resume();
        return sendJson(res, 200, { object: 'list', data: [{ id: DEMO_MODEL, object: 'model', created: 0, owned_by: 'steward-sandbox' }] });
      }
      const body = await readChatRequest(req, res);
      if (!body) return;
      await sendAnswer(res, `chatcmpl-demo-${++seq}`, body, demoAnswer(body), { chunkSize: 24 });
    } catch (e) {
      if (!res.headersSent) sendError(res, 500, `steward-demo could not answer: ${e instanceof Error ? e.message : String(e)}`, 'server_error');
      else res.destroy();
    }
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
