import { stringify } from './cel-values.js';
import { Expression, ExpressionError, type Scope } from './expression.js';

const OPEN = '${{';
const CLOSE = '}}';

/** One `${{ ... }}` found in text: the parsed expression and where its source starts in the text. */
export interface Embedded {
  expression: Expression;
  /** Offset of the expression source (just after `${{`) in the template text. */
  offset: number;
}

/**
 * Text that may embed `${{ expr }}`. A template that is exactly one expression (surrounding blanks aside) renders to
 * the raw value (list, map, number, ...); otherwise each expression is stringified into the text (strings as they
 * are, null as nothing, lists and maps as JSON). An expression ends at the first `}}`, even inside a CEL string.
 */
export class Template {
  private constructor(
    readonly source: string,
    private readonly parts: readonly (string | Embedded)[],
  ) {}

  /** Throws ExpressionError (offset relative to the text) for an unclosed `${{` or an invalid expression. */
  static parse(text: string): Template {
    const parts: (string | Embedded)[] = [];
    let at = 0;
    for (;;) {
      const open = text.indexOf(OPEN, at);
      if (open < 0) break;
      if (open > at) parts.push(text.slice(at, open));
      const close = text.indexOf(CLOSE, open + OPEN.length);
      if (close < 0) throw new ExpressionError('unclosed ${{ (expected }})', text, open);
      const source = text.slice(open + OPEN.length, close);
      const offset = open + OPEN.length;
      if (source.trim() === '') throw new ExpressionError('empty expression ${{ }}', text, open);
      try {
        parts.push({ expression: Expression.parse(source), offset });
      } catch (e) {
        if (!(e instanceof ExpressionError)) throw e;
        throw new ExpressionError(e.message, text, offset + (e.offset ?? leading(source)));
      }
      at = close + CLOSE.length;
    }
    if (at < text.length) parts.push(text.slice(at));
    return new Template(text, parts);
  }

  /** True when the text holds `${{` at all (cheap test before parsing). */
  static isTemplated(text: string): boolean {
    return text.includes(OPEN);
  }

  get expressions(): Embedded[] {
    return this.parts.filter((p): p is Embedded => typeof p !== 'string');
  }

  get isLiteral(): boolean {
    return this.expressions.length === 0;
  }

  /** The expression when the whole text is one `${{ }}` (blanks around it allowed). */
  get whole(): Expression | undefined {
    const meaningful = this.parts.filter((p) => typeof p !== 'string' || p.trim() !== '');
    return meaningful.length === 1 && typeof meaningful[0] !== 'string' ? meaningful[0]!.expression : undefined;
  }

  /** Renders over the scope. Throws ExpressionError. */
  render(scope: Scope): unknown {
    const whole = this.whole;
    if (whole) return whole.evaluate(scope);
    return this.parts.map((p) => (typeof p === 'string' ? p : stringify(p.expression.evaluate(scope)))).join('');
  }

  /** Renders and stringifies whatever comes out (messages, asset names). */
  renderText(scope: Scope): string {
    return stringify(this.render(scope));
  }

  toJSON(): string {
    return this.source;
  }
}

const leading = (s: string): number => s.length - s.trimStart().length;

/**
 * A condition or list field (`if`, `that`, `foreach`): a bare CEL expression, or one wrapped whole as `${{ ... }}`.
 * Returns the expression and the offset of its source in the text. Throws ExpressionError.
 */
export function parseCondition(text: string): Embedded {
  if (!Template.isTemplated(text)) {
    try {
      return { expression: Expression.parse(text), offset: 0 };
    } catch (e) {
      if (e instanceof ExpressionError && e.offset === undefined) throw new ExpressionError(e.message, text, leading(text));
      throw e;
    }
  }
  const t = Template.parse(text);
  const whole = t.whole;
  if (!whole) throw new ExpressionError('must be one expression: write it bare or wrap all of it in ${{ }}', text, text.indexOf(OPEN));
  return t.expressions[0]!;
}
