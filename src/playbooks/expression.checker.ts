import type { PathSegment } from '../common/json-schema.js';
import { ExpressionError, type Expression } from './expression.js';
import { checkReference, type RefScope } from './references.js';
import type { Reporter } from './reporter.js';
import { parseCondition, Template, type Embedded } from './template.js';
import { ValueTemplate } from './value-template.js';

/** Parses the expressions of a playbook field by field, reporting syntax errors and unreadable references in place. */
export class ExpressionChecker {
  constructor(private readonly report: Reporter) {}

  /** `if`, `that`: a bare expression or one whole `${{ }}`. */
  condition(path: PathSegment[], text: string, scope: RefScope): Expression | undefined {
    try {
      const e = parseCondition(text);
      this.references(path, text, e, scope);
      return e.expression;
    } catch (err) {
      return this.fail(path, text, err);
    }
  }

  /** Messages, asset names, instructions: text with embedded `${{ }}`. */
  template(path: PathSegment[], text: string, scope: RefScope): Template | undefined {
    try {
      const t = Template.parse(text);
      for (const e of t.expressions) this.references(path, text, e, scope);
      return t;
    } catch (err) {
      return this.fail(path, text, err);
    }
  }

  /** Tool arguments and outputs: any JSON whose strings may be templates. */
  value(path: PathSegment[], raw: unknown, scope: RefScope): ValueTemplate {
    const v = ValueTemplate.parse(raw, (p, err) => this.fail([...path, ...p], lookup(raw, p), err));
    for (const { path: p, template } of v.templates) {
      for (const e of template.expressions) this.references([...path, ...p], template.source, e, scope);
    }
    return v;
  }

  /** `foreach`: an expression yielding a list, or a literal list. */
  items(path: PathSegment[], raw: string | unknown[], scope: RefScope): Expression | ValueTemplate | undefined {
    return typeof raw === 'string' ? this.condition(path, raw, scope) : this.value(path, raw, scope);
  }

  private references(path: PathSegment[], text: string, e: Embedded, scope: RefScope): void {
    for (const ref of e.expression.references()) {
      const why = checkReference(ref, scope);
      if (why) this.report.errorInText(path, text, e.offset + ref.offset, why);
    }
  }

  private fail(path: PathSegment[], text: string, err: unknown): undefined {
    if (!(err instanceof ExpressionError)) throw err;
    this.report.errorInText(path, text, err.offset ?? 0, err.message);
    return undefined;
  }
}

function lookup(raw: unknown, path: PathSegment[]): string {
  let v: unknown = raw;
  for (const seg of path) v = (v as Record<string | number, unknown>)[seg];
  return String(v);
}
