import { Environment, type ASTNode } from '@marcbachmann/cel-js';
import { fromCel, toCel } from './cel-values.js';

/**
 * Expressions are CEL (Common Expression Language, the language of Kubernetes validation rules), evaluated by
 * @marcbachmann/cel-js: no eval, no globals, no prototype access, no loops beyond the bounded macros
 * (`all`, `exists`, `exists_one`, `filter`, `map`). Values enter through toCel and leave through fromCel.
 */
const ENV = new Environment({
  unlistedVariablesAreDyn: true,
  homogeneousAggregateLiterals: false,
  limits: { maxAstNodes: 2000, maxDepth: 64, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 16 },
});

const MACROS = new Set(['all', 'exists', 'exists_one', 'existsOne', 'filter', 'map', 'transformList', 'transformMap', 'sortBy']);

/** What an expression reads: a free name and the member names written after it (`steps.list.output` → steps, [list, output]). */
export interface Reference {
  root: string;
  path: string[];
  /** Offset of the reference in the expression source. */
  offset: number;
}

/** A scope maps names (inputs, steps, environments, run, loop variables) to JSON-like values; treat them as immutable. */
export type Scope = Readonly<Record<string, unknown>>;

export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly expression: string,
    /** Offset of the problem in the expression source, when known. */
    readonly offset?: number,
  ) {
    super(message);
    this.name = 'ExpressionError';
  }
}

const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim();
const offsetOf = (e: unknown): number | undefined => (e as { range?: { start?: number } })?.range?.start;

/** One parsed, type-checked CEL expression. */
export class Expression {
  private constructor(
    readonly source: string,
    private readonly program: ReturnType<Environment['parse']>,
  ) {}

  /** Parses and type-checks (unknown functions, `"a" + 1`); throws ExpressionError with the offset of the problem. */
  static parse(source: string): Expression {
    let program: ReturnType<Environment['parse']>;
    try {
      program = ENV.parse(source);
    } catch (e) {
      throw new ExpressionError(`invalid expression: ${firstLine(e)}`, source, offsetOf(e));
    }
    const checked = program.check();
    if (!checked.valid) throw new ExpressionError(`invalid expression: ${firstLine(checked.error)}`, source, offsetOf(checked.error));
    return new Expression(source, program);
  }

  /** The free names the expression reads, for static checks (macro variables excluded). */
  references(): Reference[] {
    const out: Reference[] = [];
    collect(this.program.ast, new Set(), out);
    return out;
  }

  /** Evaluates over the scope; the result is JSON-like (whole numbers as numbers). Throws ExpressionError. */
  evaluate(scope: Scope): unknown {
    const context: Record<string, unknown> = Object.create(null);
    for (const [k, v] of Object.entries(scope)) context[k] = toCel(v);
    try {
      const result: unknown = this.program(context);
      if (result instanceof Promise) throw new Error('asynchronous expressions are not supported');
      return fromCel(result);
    } catch (e) {
      throw new ExpressionError(`${firstLine(e)} (in ${this.source.trim()})`, this.source, offsetOf(e));
    }
  }

  /** Evaluates a condition: the result must be a boolean. */
  test(scope: Scope): boolean {
    const v = this.evaluate(scope);
    if (typeof v !== 'boolean') throw new ExpressionError(`condition must be true or false, got ${JSON.stringify(v)} (in ${this.source.trim()})`, this.source);
    return v;
  }

  toJSON(): string {
    return this.source;
  }
}

function collect(node: ASTNode, bound: ReadonlySet<string>, out: Reference[]): void {
  const chain = memberChain(node);
  if (chain) {
    if (!bound.has(chain.root)) out.push({ root: chain.root, path: chain.path, offset: chain.offset });
    for (const index of chain.indexes) collect(index, bound, out);
    return;
  }
  if (node.op === 'rcall' && MACROS.has(node.args[0]) && node.args[2][0]?.op === 'id') {
    const [, receiver, args] = node.args;
    collect(receiver, bound, out);
    const vars = [args[0]!.args as string];
    if (args.length === 3 && args[1]!.op === 'id' && node.args[0] !== 'map') vars.push(args[1]!.args as string);
    const inner = new Set([...bound, ...vars]);
    for (const a of args.slice(vars.length)) collect(a, inner, out);
    return;
  }
  for (const child of children(node)) collect(child, bound, out);
}

/** `a.b["c"][i].d` → root a, path [b, c] (the chain stops at the first computed index, which is walked on its own). */
function memberChain(node: ASTNode): { root: string; path: string[]; offset: number; indexes: ASTNode[] } | undefined {
  const path: string[] = [];
  const indexes: ASTNode[] = [];
  let cur: ASTNode = node;
  for (;;) {
    if (cur.op === 'id') return { root: cur.args, path: path.reverse(), offset: cur.start, indexes };
    if (cur.op === '.' || cur.op === '.?') {
      path.push(cur.args[1]);
      cur = cur.args[0];
    } else if ((cur.op === '[]' || cur.op === '[?]') && cur.args[1].op === 'value' && typeof cur.args[1].args === 'string') {
      path.push(cur.args[1].args);
      cur = cur.args[0];
    } else if (cur.op === '[]' || cur.op === '[?]') {
      path.length = 0; // the part after a computed index is not statically known
      indexes.push(cur.args[1]);
      cur = cur.args[0];
    } else return undefined;
  }
}

function children(node: ASTNode): ASTNode[] {
  switch (node.op) {
    case 'value':
    case 'id':
      return [];
    case 'call':
      return node.args[1];
    case 'rcall':
      return [node.args[1], ...node.args[2]];
    case 'list':
      return node.args;
    case 'map':
      return node.args.flat();
    case '.':
    case '.?':
      return [node.args[0]];
    case '!_':
    case '-_':
      return [node.args];
    default:
      return node.args as ASTNode[];
  }
}
