import type { RunnableConfig } from '@langchain/core/runnables';
import { MemorySaver, type Checkpoint, type CheckpointListOptions, type CheckpointMetadata, type CheckpointTuple, type PendingWrite } from '@langchain/langgraph-checkpoint';
import { scrubStored } from '../logging/stored.js';
import type { Store } from '../store/store.types.js';

type Stored = [Uint8Array, Uint8Array, string | undefined];
type Write = [string, string, Uint8Array, string?];
interface Snapshot {
  storage: Record<string, Record<string, [string, string, string | null]>>;
  writes: Record<string, Record<string, [string, string, string, string?]>>;
}

const b64 = (u: Uint8Array): string => Buffer.from(u).toString('base64');
/**
 * Serialised state as stored: LangGraph's JSON with every secret known to the daemon redacted (a model's answer or a
 * tool result quoting a credential). The conversation in memory keeps what was said; a resumed one reads [REDACTED].
 */
const stored = (u: Uint8Array): string => {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(u).toString('utf8'));
  } catch {
    return b64(u); // not JSON: stored as it is
  }
  const clean = scrubStored(value);
  return clean === value ? b64(u) : Buffer.from(JSON.stringify(clean), 'utf8').toString('base64');
};
const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
const threadOf = (outerKey: string): string => (JSON.parse(outerKey) as string[])[0];

/**
 * LangGraph checkpoints in Steward's store (PGlite or PostgreSQL), so an agent run that waits for an approval, or a
 * daemon restart, continues exactly where the conversation stood. LangGraph's MemorySaver does the bookkeeping; this
 * loads a conversation from the store before it is read and writes it back (one row per conversation, the latest
 * KEEP checkpoints only) after every change. Conversations are dropped from memory when their run stops executing.
 */
export class StoreCheckpointSaver extends MemorySaver {
  private static readonly KEEP = 3;
  private readonly loaded = new Set<string>();
  private readonly saving = new Map<string, Promise<void>>();

  constructor(private readonly store: Store) {
    super();
  }

  override async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    await this.load(config);
    return super.getTuple(config);
  }

  override async *list(config: RunnableConfig, options?: CheckpointListOptions): AsyncGenerator<CheckpointTuple> {
    await this.load(config);
    yield* super.list(config, options);
  }

  override async put(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata): Promise<RunnableConfig> {
    await this.load(config);
    const out = await super.put(config, checkpoint, metadata);
    await this.save(this.thread(config));
    return out;
  }

  override async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string, taskPath?: string): Promise<void> {
    await this.load(config);
    await super.putWrites(config, writes, taskId, taskPath);
    await this.save(this.thread(config));
  }

  override async deleteThread(threadId: string): Promise<void> {
    await super.deleteThread(threadId);
    this.loaded.delete(threadId);
    await this.store.query('DELETE FROM agent_checkpoints WHERE thread_id = $1', [threadId]);
  }

  /** Forget a conversation in memory (it stays in the store). */
  evict(threadId: string): void {
    delete this.storage[threadId];
    for (const k of Object.keys(this.writes)) if (threadOf(k) === threadId) delete this.writes[k];
    this.loaded.delete(threadId);
  }

  private thread(config: RunnableConfig): string {
    const t = config.configurable?.thread_id as unknown;
    if (typeof t !== 'string' || !t) throw new Error('checkpoint config has no thread_id');
    return t;
  }

  private async load(config: RunnableConfig): Promise<void> {
    const threadId = this.thread(config);
    if (this.loaded.has(threadId)) return;
    const r = await this.store.query<{ data: Snapshot }>('SELECT data FROM agent_checkpoints WHERE thread_id = $1', [threadId]);
    if (this.loaded.has(threadId)) return; // loaded concurrently
    const snap = r.rows[0]?.data;
    if (snap) {
      const storage: Record<string, Record<string, Stored>> = {};
      for (const [ns, cps] of Object.entries(snap.storage)) {
        storage[ns] = {};
        for (const [id, [cp, meta, parent]] of Object.entries(cps)) storage[ns][id] = [bytes(cp), bytes(meta), parent ?? undefined];
      }
      this.storage[threadId] = storage;
      for (const [outer, inner] of Object.entries(snap.writes)) {
        this.writes[outer] = {};
        for (const [k, [task, channel, value, path]] of Object.entries(inner)) this.writes[outer][k] = [task, channel, bytes(value), path] as Write;
      }
    }
    this.loaded.add(threadId);
  }

  /** Saves one after another per conversation, each writing the state as it is when it runs (never an older one last). */
  private save(threadId: string): Promise<void> {
    const next = (this.saving.get(threadId) ?? Promise.resolve()).catch(() => undefined).then(() => this.write(threadId));
    this.saving.set(threadId, next);
    void next.finally(() => {
      if (this.saving.get(threadId) === next) this.saving.delete(threadId);
    }).catch(() => undefined);
    return next;
  }

  private async write(threadId: string): Promise<void> {
    const snap: Snapshot = { storage: {}, writes: {} };
    const keep = new Set<string>();
    for (const [ns, cps] of Object.entries(this.storage[threadId] ?? {})) {
      const ids = Object.keys(cps).sort().reverse();
      for (const old of ids.slice(StoreCheckpointSaver.KEEP)) delete cps[old];
      snap.storage[ns] = {};
      for (const id of ids.slice(0, StoreCheckpointSaver.KEEP)) {
        const [cp, meta, parent] = cps[id];
        snap.storage[ns][id] = [stored(cp), stored(meta), parent ?? null];
        keep.add(JSON.stringify([threadId, ns, id]));
      }
    }
    for (const [outer, inner] of Object.entries(this.writes)) {
      if (threadOf(outer) !== threadId) continue;
      if (!keep.has(outer)) {
        delete this.writes[outer];
        continue;
      }
      snap.writes[outer] = {};
      for (const [k, [task, channel, value, path]] of Object.entries(inner)) snap.writes[outer][k] = [task, channel, stored(value), path];
    }
    await this.store.query(
      `INSERT INTO agent_checkpoints (thread_id, data, updated_at) VALUES ($1, $2::jsonb, now())
       ON CONFLICT (thread_id) DO UPDATE SET data = excluded.data, updated_at = now()`,
      [threadId, JSON.stringify(snap)],
    );
  }
}
