import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;
const GSS_REQUEST = 80877104;
const PROTOCOL_3 = 196608;

/** A PGlite database served over the PostgreSQL wire protocol on loopback: what `pg` and psql connect to. */
export interface PgliteServer {
  readonly port: number;
  /** `postgres://<user>@127.0.0.1:<port>/<database>`: PGlite accepts any user and password. */
  url(user?: string, database?: string): string;
  close(): Promise<void>;
}

/**
 * Serves one PGlite instance to several wire-protocol connections. PGlite is one backend, so messages are run one at
 * a time, and while a connection holds an open transaction only that connection's messages run (the others wait);
 * a connection that closes inside a transaction has it rolled back. SSL and GSS requests are declined ('N'), cancel
 * requests are dropped (PGlite has no second backend to signal). Written here rather than taken from
 * @electric-sql/pglite-socket, whose releases pin one exact PGlite version and eight extension packages as peers.
 */
export async function servePglite(db: PGlite, opts: { port?: number; host?: string } = {}): Promise<PgliteServer> {
  await db.waitReady;
  const queue = new WireQueue(db);
  const sockets = new Set<Socket>();
  let nextId = 1;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const id = nextId++;
    let buffer = Buffer.alloc(0);
    let started = false;
    let chain = Promise.resolve();
    socket.on('data', (data: Buffer) => {
      buffer = Buffer.concat([buffer, data]);
      const messages: Buffer[] = [];
      for (;;) {
        if (!started) {
          if (buffer.length < 8) break;
          const len = buffer.readInt32BE(0);
          const code = buffer.readInt32BE(4);
          if (buffer.length < len) break;
          const msg = buffer.subarray(0, len);
          buffer = buffer.subarray(len);
          if (code === SSL_REQUEST || code === GSS_REQUEST) socket.write('N');
          else if (code === CANCEL_REQUEST) socket.end();
          else if (code === PROTOCOL_3) {
            started = true;
            messages.push(msg);
          } else socket.destroy();
          continue;
        }
        if (buffer.length < 5) break;
        const len = 1 + buffer.readInt32BE(1);
        if (buffer.length < len) break;
        messages.push(buffer.subarray(0, len));
        buffer = buffer.subarray(len);
      }
      for (const m of messages) {
        chain = chain.then(() =>
          queue.run(id, new Uint8Array(m), (out) => {
            if (!socket.destroyed) socket.write(out);
          }),
        ).catch(() => void socket.destroy());
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      void chain.then(() => queue.release(id));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host ?? '127.0.0.1';
  return {
    port,
    url: (user = 'postgres', database = 'postgres') => `postgres://${encodeURIComponent(user)}@${host}:${port}/${encodeURIComponent(database)}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** One message at a time; while a connection is inside a transaction, only its messages run. */
class WireQueue {
  private owner: number | null = null;
  private busy = false;
  private readonly waiting: { id: number; message: Uint8Array; write: (b: Uint8Array) => void; done: () => void; fail: (e: unknown) => void }[] = [];

  constructor(private readonly db: PGlite) {}

  run(id: number, message: Uint8Array, write: (b: Uint8Array) => void): Promise<void> {
    return new Promise((done, fail) => {
      this.waiting.push({ id, message, write, done, fail });
      void this.pump();
    });
  }

  /** A connection went away: roll back the transaction it left open, drop what it queued. */
  async release(id: number): Promise<void> {
    for (let i = this.waiting.length - 1; i >= 0; i--) if (this.waiting[i]!.id === id) this.waiting.splice(i, 1)[0]!.fail(new Error('connection closed'));
    if (this.owner === id) {
      this.owner = null;
      await this.db.runExclusive(async () => {
        if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
      });
      void this.pump();
    }
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (;;) {
        const i = this.owner === null ? 0 : this.waiting.findIndex((w) => w.id === this.owner);
        if (i < 0 || i >= this.waiting.length) break;
        const job = this.waiting.splice(i, 1)[0]!;
        try {
          await this.db.runExclusive(() => this.db.execProtocolRawStream(job.message, { onRawData: (b) => job.write(b) }));
          this.owner = this.db.isInTransaction() ? job.id : null;
          job.done();
        } catch (e) {
          job.fail(e);
        }
      }
    } finally {
      this.busy = false;
    }
  }
}
