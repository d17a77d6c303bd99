import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * Makes a session's SSE streams resumable (Last-Event-ID): the last `capacity` messages of the session, in memory,
 * in an insertion-ordered Map (dropping the oldest is O(1)). Event ids are `<streamId>_<seq>` so the stream of a
 * replayed id is known without a lookup.
 */
export class BoundedEventStore implements EventStore {
  private readonly events = new Map<string, { streamId: string; message: JSONRPCMessage }>();
  private seq = 0;

  constructor(private readonly capacity = 1000) {}

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const id = `${streamId}_${++this.seq}`;
    this.events.set(id, { streamId, message });
    if (this.events.size > this.capacity) this.events.delete(this.events.keys().next().value!);
    return id;
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    const cut = eventId.lastIndexOf('_');
    return cut > 0 ? eventId.slice(0, cut) : undefined;
  }

  async replayEventsAfter(lastEventId: string, { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> }): Promise<string> {
    const streamId = (await this.getStreamIdForEventId(lastEventId)) ?? '';
    if (!this.events.has(lastEventId)) return streamId;
    let after = false;
    for (const [id, e] of this.events) {
      if (after && e.streamId === streamId) await send(id, e.message);
      if (id === lastEventId) after = true;
    }
    return streamId;
  }
}
