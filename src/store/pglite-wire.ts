import { messages, protocol, TransactionAbortedError, type PGlite } from '@electric-sql/pglite';

/** A result column: its name, type and the PGlite parser for that type (none: the text as is). */
interface Column {
  name: string;
  type: number;
  parse: ((text: string, type: number) => unknown) | undefined;
}

/** A statement prepared once by name: its parameter types (to serialise values) and its result columns. */
interface Prepared {
  name: string;
  paramTypes: number[];
  /** Undefined when the statement returns no rows. */
  columns: Column[] | undefined;
}

/** One statement's result, as PGlite's `parseResults` shapes it (the fields Steward uses). */
export interface WireResult<T> {
  rows: T[];
  command?: string;
  /** The count in the command tag (INSERT 0 3, UPDATE 2, SELECT 5); undefined for tags without one. */
  rowCount?: number;
  /** Rows inserted, updated, deleted, copied or merged by the statements of this reply so far. */
  affectedRows: number;
}

/** What one round trip answered. */
interface Reply {
  results: WireResult<unknown>[];
  error?: messages.DatabaseError;
  /** From ParameterDescription / RowDescription (answers to Describe). */
  paramTypes?: number[];
  columns?: Column[];
}

/** A statement that changes the schema: cached plans and row descriptions may no longer hold after it. */
const DDL = /(^|;)\s*(create|alter|drop|truncate|comment|grant|revoke|reindex|cluster|vacuum|import|security|discard)\b/i;

/** PostgreSQL's answer when a named statement's result columns changed under it (DDL since it was prepared). */
const isStalePlan = (e: unknown): boolean =>
  (e as { code?: unknown }).code === '0A000' && /cached plan must not change result type/.test(String((e as Error).message));

const RECEIVE_BUFFER_SIZE = 64 * 1024;
const SYNC = protocol.serialize.sync();
const EXECUTE = protocol.serialize.execute();
const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** ErrorResponse field codes → DatabaseError properties (as node-postgres and PGlite name them). */
const ERROR_FIELDS: Record<string, keyof messages.DatabaseError> = {
  S: 'severity', C: 'code', D: 'detail', H: 'hint', P: 'position', p: 'internalPosition', q: 'internalQuery', W: 'where',
  s: 'schema', t: 'table', c: 'column', d: 'dataType', n: 'constraint', F: 'file', L: 'line', R: 'routine',
};

/** Tags whose count PGlite adds up in `affectedRows`. */
const AFFECTING = new Set(['INSERT', 'UPDATE', 'DELETE', 'COPY', 'MERGE']);

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Talks to PGlite at the wire-protocol level, synchronously, one round trip per statement.
 *
 * PGlite's own `query()` makes six calls into the WebAssembly backend for every statement (Parse, Describe, Bind,
 * Describe, Execute, Sync), parses every answer twice with a parser that copies each value into an ArrayBuffer of its
 * own, hops through its mutexes between calls, and PostgreSQL parses and plans the SQL every time. Here a statement
 * with parameters is prepared once under a name (its parameter types and columns kept), and every later execution is
 * a single Bind + Execute + Sync: the backend reuses the parsed statement and its plan. Parameterless SQL goes through
 * the simple-query protocol (one Query message; several statements allowed), as before.
 *
 * Values are serialised and parsed with PGlite's own serializers and parsers, and results shaped as its
 * `parseResults` shapes them, so callers see what `PGlite.query`/`exec` would return. Durability is PGlite's too:
 * every statement runs through the same backend entry point, and a COMMIT writes its WAL into the data directory
 * before it returns.
 *
 * Not re-entrant by design: the caller (PgliteStore) serialises access.
 */
export class PgliteWire {
  /** Messages to the backend (reused; PGlite is done with them when the round trip returns). */
  private sendBuffer = new Uint8Array(RECEIVE_BUFFER_SIZE);
  /** The backend's answer to the current round trip (reused). */
  private buffer = new Uint8Array(RECEIVE_BUFFER_SIZE);
  /** SQL text → prepared statement, least recently used first. */
  private readonly statements = new Map<string, Prepared>();
  /** Statements dropped from the cache, closed with the next message sent. */
  private closing: Uint8Array[] = [];
  private counter = 0;
  /** Transaction status from the backend's last ReadyForQuery: I (idle), T (in a transaction), E (failed one). */
  status = 'I';

  constructor(
    private readonly db: PGlite,
    private readonly maxStatements = 200,
  ) {}

  /** Runs one SQL text: the simple-query protocol without parameters (several statements allowed), else one prepared statement. */
  query<T>(sql: string, params?: unknown[]): WireResult<T> {
    if (params === undefined || params.length === 0) return this.simple<T>(sql);
    try {
      return this.execute<T>(sql, params);
    } catch (e) {
      // The statement's result columns changed since it was prepared (DDL through a path we did not see):
      // prepare it afresh. Retried only outside a transaction, where the failure left nothing half done.
      if (!isStalePlan(e)) throw e;
      this.forget(sql);
      if (this.status !== 'I') throw e;
      return this.execute<T>(sql, params);
    }
  }

  /** Drops every prepared statement (the backend's too, with the next message). */
  forgetAll(): void {
    for (const sql of [...this.statements.keys()]) this.forget(sql);
  }

  /** COMMIT; throws TransactionAbortedError when the backend rolled back instead (the transaction had failed). */
  commit(): void {
    const r = this.simple('COMMIT');
    if (r.command === 'ROLLBACK') {
      const e = new TransactionAbortedError() as TransactionAbortedError & { query?: string };
      e.query = 'COMMIT';
      throw e;
    }
  }

  private simple<T>(sql: string): WireResult<T> {
    const reply = this.roundTrip(undefined, protocol.serialize.query(sql));
    // A schema change may invalidate what is cached about prepared statements: start over after one.
    if (DDL.test(sql)) this.forgetAll();
    throwIfError(reply, sql, undefined);
    return reply.results[reply.results.length - 1] as WireResult<T>;
  }

  private execute<T>(sql: string, params: unknown[]): WireResult<T> {
    const p = this.prepared(sql, params);
    const values = params.map((v, i) => {
      if (v === null || v === undefined) return null;
      const serialize = this.db.serializers[p.paramTypes[i]];
      return serialize ? (serialize(v) as string) : String(v as string);
    });
    const reply = this.roundTrip(p.columns, this.bindExecuteSync(p.name, values));
    throwIfError(reply, sql, params);
    return reply.results[0] as WireResult<T>;
  }

  /**
   * Bind (text values, text results) + Execute + Sync in one message, written into a reused buffer: what pg-protocol's
   * serializer would produce, without its per-message buffers.
   */
  private bindExecuteSync(statement: string, values: (string | null)[]): Uint8Array {
    let max = 1 + 4 + 1 + 3 * statement.length + 1 + 2 + 2 + 2 + EXECUTE.length + SYNC.length;
    for (const v of values) max += 4 + (v === null ? 0 : 3 * v.length);
    if (max > this.sendBuffer.length) this.sendBuffer = new Uint8Array(Math.max(max, this.sendBuffer.length * 2));
    const buf = this.sendBuffer;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    buf[0] = 0x42; // B
    let at = 5;
    buf[at++] = 0; // unnamed portal
    at += utf8Encoder.encodeInto(statement, buf.subarray(at)).written;
    buf[at++] = 0;
    view.setInt16(at, 0); // parameter formats: all text
    view.setInt16(at + 2, values.length);
    at += 4;
    for (const v of values) {
      if (v === null) {
        view.setInt32(at, -1);
        at += 4;
        continue;
      }
      const written = utf8Encoder.encodeInto(v, buf.subarray(at + 4)).written;
      view.setInt32(at, written);
      at += 4 + written;
    }
    view.setInt16(at, 0); // result formats: all text
    at += 2;
    view.setInt32(1, at - 1);
    buf.set(EXECUTE, at);
    at += EXECUTE.length;
    buf.set(SYNC, at);
    at += SYNC.length;
    return buf.subarray(0, at);
  }

  private prepared(sql: string, params: unknown[]): Prepared {
    const cached = this.statements.get(sql);
    if (cached) {
      // Most recently used last.
      this.statements.delete(sql);
      this.statements.set(sql, cached);
      return cached;
    }
    const name = `steward_${(this.counter++).toString(36)}`;
    const reply = this.roundTrip(undefined, protocol.serialize.parse({ name, text: sql }), protocol.serialize.describe({ type: 'S', name }), SYNC);
    throwIfError(reply, sql, params);
    const p: Prepared = { name, paramTypes: reply.paramTypes ?? [], columns: reply.columns };
    this.statements.set(sql, p);
    if (this.statements.size > this.maxStatements) this.forget(this.statements.keys().next().value!);
    return p;
  }

  private forget(sql: string): void {
    const p = this.statements.get(sql);
    if (!p) return;
    this.statements.delete(sql);
    this.closing.push(protocol.serialize.close({ type: 'S', name: p.name }));
  }

  /**
   * Sends the messages (after any pending Close) to the backend and decodes its answer. `columns`: the row
   * description of a prepared statement executed without Describe.
   */
  private roundTrip(columns: Column[] | undefined, ...parts: Uint8Array[]): Reply {
    if (this.closing.length) {
      // Closing a statement is not an error even when it does not exist, nor inside a failed transaction.
      parts = [...this.closing, SYNC, ...parts];
      this.closing = [];
    }
    // execProtocolRawStream, not execProtocolRawSync: the latter also parses every answer into a list PGlite only
    // clears in its own query paths (it would grow forever here). With syncToFs false it does all its work before
    // returning (NODEFS writes straight to the data directory: there is nothing to sync); the chunks it hands over
    // are views of WebAssembly memory, copied into one reused buffer.
    let received = 0;
    const done = this.db.execProtocolRawStream(concat(parts), {
      syncToFs: false,
      onRawData: (chunk) => {
        if (received + chunk.length > this.buffer.length) {
          const bigger = new Uint8Array(Math.max(this.buffer.length * 2, received + chunk.length));
          bigger.set(this.buffer.subarray(0, received));
          this.buffer = bigger;
        }
        this.buffer.set(chunk, received);
        received += chunk.length;
      },
    });
    const reply = this.decode(received, columns);
    // Do not keep a large statement's or answer's buffer for good.
    if (this.buffer.length > RECEIVE_BUFFER_SIZE * 16) this.buffer = new Uint8Array(RECEIVE_BUFFER_SIZE);
    if (this.sendBuffer.length > RECEIVE_BUFFER_SIZE * 16) this.sendBuffer = new Uint8Array(RECEIVE_BUFFER_SIZE);
    if (reply === undefined) {
      // Every message sent ends with Sync or is a simple Query, both answered by ReadyForQuery: the backend failed.
      const failed = new Error('the embedded database did not answer the statement');
      void done.catch((e: unknown) => {
        failed.cause = e;
      });
      throw failed;
    }
    return reply;
  }

  /** Decodes `length` bytes of backend messages; undefined when they do not end with ReadyForQuery. */
  private decode(length: number, prepared: Column[] | undefined): Reply | undefined {
    const buf = this.buffer;
    const view = new DataView(buf.buffer, buf.byteOffset, length);
    const reply: Reply = { results: [] };
    let columns = prepared;
    let rows: unknown[] = [];
    let affectedRows = 0;
    let ready = false;
    let at = 0;
    const cstring = (): string => {
      const end = buf.indexOf(0, at);
      const s = utf8.decode(buf.subarray(at, end));
      at = end + 1;
      return s;
    };
    while (at + 5 <= length) {
      const code = buf[at];
      const size = view.getInt32(at + 1);
      const next = at + 1 + size;
      if (next > length) break;
      at += 5;
      ready = false;
      switch (code) {
        case 0x44: {
          // D: DataRow
          const n = view.getInt16(at);
          at += 2;
          const row: Record<string, unknown> = {};
          for (let i = 0; i < n; i++) {
            const len = view.getInt32(at);
            at += 4;
            const c = columns![i];
            let value: unknown = null;
            if (len >= 0) {
              const text = utf8.decode(buf.subarray(at, at + len));
              at += len;
              value = c.parse ? c.parse(text, c.type) : text;
            }
            if (c.name === '__proto__') Object.defineProperty(row, c.name, { value, enumerable: true, writable: true, configurable: true });
            else row[c.name] = value;
          }
          rows.push(row);
          break;
        }
        case 0x43: {
          // C: CommandComplete, e.g. "INSERT 0 3", "UPDATE 2", "SELECT 5", "CREATE TABLE"
          const tag = cstring();
          const words = tag.split(' ');
          const command = words[0];
          const count = parseInt(words[words.length - 1], 10);
          if (AFFECTING.has(command)) affectedRows += count;
          const result: WireResult<unknown> = { rows, command, affectedRows };
          if (!Number.isNaN(count)) result.rowCount = count;
          reply.results.push(result);
          rows = [];
          columns = prepared;
          break;
        }
        case 0x54: {
          // T: RowDescription
          const n = view.getInt16(at);
          at += 2;
          columns = [];
          for (let i = 0; i < n; i++) {
            const name = cstring();
            const type = view.getInt32(at + 6);
            at += 18;
            columns.push({ name, type, parse: this.db.parsers[type] as Column['parse'] });
          }
          reply.columns = columns;
          break;
        }
        case 0x74: {
          // t: ParameterDescription
          const n = view.getInt16(at);
          reply.paramTypes = Array.from({ length: n }, (_, i) => view.getInt32(at + 2 + 4 * i));
          break;
        }
        case 0x45: {
          // E: ErrorResponse (the first one is what failed)
          if (reply.error) break;
          const fields: Record<string, string> = {};
          while (buf[at] !== 0) {
            const field = String.fromCharCode(buf[at++]);
            fields[field] = cstring();
          }
          const error = new messages.DatabaseError(fields.M ?? 'unknown error', size, 'error');
          for (const [k, prop] of Object.entries(ERROR_FIELDS)) (error as unknown as Record<string, string | undefined>)[prop] = fields[k];
          reply.error = error;
          break;
        }
        case 0x5a:
          // Z: ReadyForQuery
          this.status = String.fromCharCode(buf[at]);
          ready = true;
          break;
        default:
        // ParseComplete, BindComplete, CloseComplete, NoData, EmptyQueryResponse, NoticeResponse, ParameterStatus…
      }
      at = next;
    }
    if (!ready) return undefined;
    if (reply.results.length === 0) reply.results.push({ rows: [], affectedRows: 0 });
    return reply;
  }
}

/** Throws the error the backend reported, annotated like PGlite's own errors (query and parameters). */
function throwIfError(reply: Reply, query: string, params: unknown[] | undefined): void {
  const error = reply.error as (messages.DatabaseError & { query?: string; params?: unknown[] }) | undefined;
  if (!error) return;
  error.query = query;
  error.params = params;
  throw error;
}
