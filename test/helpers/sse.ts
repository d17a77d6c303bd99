/** A small Server-Sent Events reader over fetch, for tests: collects events until a predicate or a timeout. */
export interface SseMessage {
  id?: string;
  event: string;
  data: any;
}

export async function readSse(
  url: string,
  headers: Record<string, string>,
  opts: { until?: (m: SseMessage, all: SseMessage[]) => boolean; timeoutMs?: number; onOpen?: () => void } = {},
): Promise<{ status: number; messages: SseMessage[]; comments: string[]; ended: boolean; body?: any }> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), opts.timeoutMs ?? 10000);
  const res = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, signal: ac.signal });
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  if (!res.headers.get('content-type')?.startsWith('text/event-stream')) {
    clearTimeout(timer);
    return { status: res.status, messages, comments, ended: true, body: await res.json().catch(() => undefined) };
  }
  opts.onOpen?.();
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  let ended = false;
  try {
    outer: for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        ended = true;
        break;
      }
      buf += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        const m: SseMessage = { event: 'message', data: undefined };
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) comments.push(line.slice(1).trim());
          else if (line.startsWith('id: ')) m.id = line.slice(4);
          else if (line.startsWith('event: ')) m.event = line.slice(7);
          else if (line.startsWith('data: ')) data += line.slice(6);
        }
        if (!data) continue;
        m.data = JSON.parse(data);
        messages.push(m);
        if (opts.until?.(m, messages)) break outer;
      }
    }
  } catch {
    /* aborted by timeout */
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return { status: res.status, messages, comments, ended };
}
