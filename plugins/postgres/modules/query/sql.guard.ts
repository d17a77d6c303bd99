import { ToolError } from '../../../../src/plugins/plugin-api.js';

/**
 * The read-only SQL check made before anything is sent: one statement, a query (SELECT, WITH, VALUES, TABLE), and
 * nothing in it that writes, locks, or changes the session. A lexer (strings, quoted identifiers, dollar quotes and
 * comments understood, so a `;` or a keyword inside them does not count), then rules over its tokens. It is the first
 * of two walls: the statement also runs inside a READ ONLY transaction, which stops what no list can name (a user
 * function that writes).
 */

export interface Token {
  kind: 'word' | 'ident' | 'string' | 'number' | 'param' | 'punct' | 'op';
  /** Words lowercased; quoted identifiers unquoted; strings as written. */
  text: string;
  /** 1-based character position, as PostgreSQL reports it. */
  pos: number;
  /** Index just past the token in the text. */
  end: number;
}

export type GuardRule = 'empty' | 'unterminated' | 'multiple-statements' | 'not-a-query' | 'writes' | 'locks' | 'select-into' | 'function';

export class SqlRefused extends ToolError {
  constructor(
    readonly rule: GuardRule,
    message: string,
    pos?: number,
  ) {
    super('PG_SQL_REFUSED', `refused before it reached the server: ${message}${pos ? ` (at character ${pos})` : ''}`, { rule, ...(pos && { position: pos }) });
  }
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;

export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = sql.length;
  const quoted = (start: number, quote: string, backslash: boolean, what: string): string => {
    let j = i + 1;
    let text = '';
    for (;;) {
      if (j >= n) throw new SqlRefused('unterminated', `${what} opened here is never closed`, start + 1);
      const c = sql[j]!;
      if (backslash && c === '\\') {
        text += sql.slice(j, j + 2);
        j += 2;
        continue;
      }
      if (c === quote) {
        if (sql[j + 1] === quote) {
          text += quote;
          j += 2;
          continue;
        }
        i = j + 1;
        return text;
      }
      text += c;
      j++;
    }
  };
  while (i < n) {
    const c = sql[i]!;
    const start = i;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      let depth = 0;
      do {
        if (i >= n) throw new SqlRefused('unterminated', 'a /* comment opened here is never closed', start + 1);
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          i += 2;
        } else i++;
      } while (depth > 0);
    } else if (c === "'") {
      out.push({ kind: 'string', text: quoted(start, "'", false, 'a string'), pos: start + 1, end: i });
    } else if (c === '"') {
      out.push({ kind: 'ident', text: quoted(start, '"', false, 'a quoted identifier'), pos: start + 1, end: i });
    } else if (c === '$' && /[0-9]/.test(sql[i + 1] ?? '')) {
      i++;
      while (i < n && /[0-9]/.test(sql[i]!)) i++;
      out.push({ kind: 'param', text: sql.slice(start, i), pos: start + 1, end: i });
    } else if (c === '$' && /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.test(sql.slice(i, i + 64))) {
      const tag = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 64))![0];
      const end = sql.indexOf(tag, i + tag.length);
      if (end < 0) throw new SqlRefused('unterminated', `a dollar-quoted string ${tag} opened here is never closed`, start + 1);
      i = end + tag.length;
      out.push({ kind: 'string', text: sql.slice(start + tag.length, end), pos: start + 1, end: i });
    } else if (WORD_START.test(c)) {
      while (i < n && WORD_CHAR.test(sql[i]!)) i++;
      const word = sql.slice(start, i);
      const next = sql[i];
      // E'..' (backslash escapes), B'..', X'..', N'..', U&'..' and U&"..": the prefix belongs to the literal.
      if (next === "'" && /^[ebxn]$/i.test(word)) {
        out.push({ kind: 'string', text: quoted(start, "'", /^e$/i.test(word), 'a string'), pos: start + 1, end: i });
      } else if (/^u$/i.test(word) && next === '&' && (sql[i + 1] === "'" || sql[i + 1] === '"')) {
        i++;
        const q = sql[i]!;
        const text = quoted(start, q, false, q === "'" ? 'a string' : 'a quoted identifier');
        out.push({ kind: q === "'" ? 'string' : 'ident', text, pos: start + 1, end: i });
      } else {
        out.push({ kind: 'word', text: word.toLowerCase(), pos: start + 1, end: i });
      }
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      while (i < n && /[0-9a-zA-Z_.]/.test(sql[i]!)) {
        if ((sql[i] === 'e' || sql[i] === 'E') && (sql[i + 1] === '+' || sql[i + 1] === '-')) i++;
        i++;
      }
      out.push({ kind: 'number', text: sql.slice(start, i), pos: start + 1, end: i });
    } else if ('();,.[]'.includes(c)) {
      i++;
      out.push({ kind: 'punct', text: c, pos: start + 1, end: i });
    } else {
      while (i < n && /[+\-*/<>=~!@#%^&|`?:]/.test(sql[i]!) && !(sql[i] === '-' && sql[i + 1] === '-') && !(sql[i] === '/' && sql[i + 1] === '*')) i++;
      if (i === start) i++;
      out.push({ kind: 'op', text: sql.slice(start, i), pos: start + 1, end: i });
    }
  }
  return out;
}

const QUERY_STARTS = new Set(['select', 'with', 'values', 'table']);

/** Why a statement that does not start as a query is refused, by its first word. */
const NOT_A_QUERY: [RegExp, string][] = [
  [/^(insert|update|delete|merge|truncate)$/, 'changes data'],
  [/^copy$/, 'reads or writes files and tables (COPY)'],
  [/^(set|reset|discard)$/, 'changes session settings'],
  [/^do$/, 'runs procedural code (DO)'],
  [/^call$/, 'calls a procedure (CALL)'],
  [/^lock$/, 'takes table locks (LOCK)'],
  [/^(begin|start|commit|end|rollback|abort|savepoint|release|prepare)$/, 'controls transactions'],
  [/^(create|alter|drop|grant|revoke|comment|security|reindex|cluster|vacuum|analyze|analyse|refresh|import|load|checkpoint|reassign)$/, 'changes the schema, privileges or storage'],
  [/^(listen|notify|unlisten)$/, 'uses notifications'],
  [/^(declare|fetch|move|close|execute|deallocate)$/, 'uses cursors or prepared statements'],
  [/^explain$/, 'is an EXPLAIN: use postgres.query.explain (or postgres.query.explain-analyze)'],
  [/^show$/, "is a SHOW: select current_setting('name') instead"],
];

/** Functions whose call is refused wherever it appears, with why. */
const FUNCTIONS: [RegExp, string][] = [
  [/^pg_(try_)?advisory_/, 'takes advisory locks (session locks outlive the transaction)'],
  [/^set_config$/, 'changes settings (the statement timeout among them)'],
  [/^(nextval|setval)$/, 'changes a sequence'],
  [/^pg_(terminate|cancel)_backend$/, 'stops other sessions'],
  [/^pg_(reload_conf|rotate_logfile|switch_wal|switch_xlog|create_restore_point|promote|log_backend_memory_contexts|import_system_collations)$/, 'acts on the server'],
  [/^pg_stat_reset/, 'resets statistics'],
  [/^pg_(create|drop|copy)_.*replication_slot$|^pg_replication_origin_|^pg_logical_(emit_message|slot_get_)/, 'acts on replication'],
  [/^pg_notify$/, 'sends a notification'],
  [/^lo_/, 'uses large objects (lo_import and lo_export touch server files)'],
  [/^dblink/, 'runs SQL on another connection (dblink)'],
  [/^(query|cursor)_to_xml/, 'runs SQL given as text'],
  [/^pg_(read_file|read_binary_file|ls_|stat_file|file_write|file_unlink|file_rename)/, 'reads or writes server files'],
];

const WRITES = new Set(['insert', 'update', 'delete', 'merge', 'truncate']);

/**
 * The statement, without trailing semicolons, if it is one read-only query; else SqlRefused (PG_SQL_REFUSED) naming
 * the rule, the word and its position.
 */
export function checkReadOnlySql(sql: string): { sql: string; tokens: Token[] } {
  const tokens = tokenize(sql);
  if (tokens.length === 0) throw new SqlRefused('empty', 'the statement is empty');
  let end = tokens.length;
  while (end > 0 && tokens[end - 1]!.kind === 'punct' && tokens[end - 1]!.text === ';') end--;
  if (end === 0) throw new SqlRefused('empty', 'the statement is empty');
  const body = tokens.slice(0, end);
  const semi = body.find((t) => t.kind === 'punct' && t.text === ';');
  if (semi) throw new SqlRefused('multiple-statements', 'only one statement can be run: remove the ";" and what follows it', semi.pos);

  const first = body.find((t) => !(t.kind === 'punct' && t.text === '('))!;
  if (first.kind !== 'word' || !QUERY_STARTS.has(first.text)) {
    const why = first.kind === 'word' ? NOT_A_QUERY.find(([re]) => re.test(first.text))?.[1] : undefined;
    const label = first.kind === 'word' ? first.text.toUpperCase() : `"${first.text}"`;
    throw new SqlRefused('not-a-query', `only a query (SELECT, WITH, VALUES or TABLE) can be run; this statement starts with ${label}${why ? `, which ${why}` : ''}`, first.pos);
  }

  for (let k = 0; k < body.length; k++) {
    const t = body[k]!;
    const next = body[k + 1];
    if (t.kind === 'word' && t.text === 'for' && next?.kind === 'word' && ['update', 'share', 'no', 'key'].includes(next.text)) {
      throw new SqlRefused('locks', `FOR ${next.text.toUpperCase()}${next.text === 'no' || next.text === 'key' ? ' …' : ''} takes row locks; read tools only read`, t.pos);
    }
    if (t.kind === 'word' && WRITES.has(t.text)) {
      const inWith = first.text === 'with';
      throw new SqlRefused('writes', `${t.text.toUpperCase()} changes data${inWith ? ' (a data-modifying WITH)' : ''}; read tools only read (quote it, "${t.text}", if it is a column name)`, t.pos);
    }
    if (t.kind === 'word' && t.text === 'into') throw new SqlRefused('select-into', 'SELECT … INTO creates a table; read tools only read', t.pos);
    if ((t.kind === 'word' || t.kind === 'ident') && next?.kind === 'punct' && next.text === '(') {
      const name = t.kind === 'word' ? t.text : t.text.toLowerCase();
      const why = FUNCTIONS.find(([re]) => re.test(name))?.[1];
      if (why) throw new SqlRefused('function', `${name}() ${why}; read tools may not call it`, t.pos);
    }
  }
  return { sql: sql.slice(0, body[body.length - 1]!.end).trim(), tokens: body };
}
