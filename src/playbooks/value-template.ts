import type { PathSegment } from '../common/json-schema.js';
import { ExpressionError, type Scope } from './expression.js';
import { Template } from './template.js';

type Node =
  | { t: 'literal'; value: unknown }
  | { t: 'template'; template: Template }
  | { t: 'array'; items: Node[] }
  | { t: 'object'; entries: [string, Node][] };

/** One templated string inside a value, with its path relative to the value. */
export interface TemplateAt {
  path: PathSegment[];
  template: Template;
}

export type OnTemplateError = (path: PathSegment[], error: ExpressionError) => void;

/** A JSON value (tool arguments, outputs, literal lists) whose strings may embed `${{ }}`, parsed once. */
export class ValueTemplate {
  private constructor(
    readonly raw: unknown,
    private readonly root: Node,
    readonly templates: readonly TemplateAt[],
  ) {}

  /** Parses every templated string; an invalid one is reported to onError (path relative to raw) and kept literal. */
  static parse(raw: unknown, onError: OnTemplateError = (_p, e) => { throw e; }): ValueTemplate {
    const templates: TemplateAt[] = [];
    const build = (value: unknown, path: PathSegment[]): Node => {
      if (typeof value === 'string' && Template.isTemplated(value)) {
        try {
          const template = Template.parse(value);
          templates.push({ path, template });
          return { t: 'template', template };
        } catch (e) {
          if (!(e instanceof ExpressionError)) throw e;
          onError(path, e);
          return { t: 'literal', value };
        }
      }
      if (Array.isArray(value)) return { t: 'array', items: value.map((v, i) => build(v, [...path, i])) };
      if (value !== null && typeof value === 'object') {
        return { t: 'object', entries: Object.entries(value).map(([k, v]) => [k, build(v, [...path, k])]) };
      }
      return { t: 'literal', value };
    };
    const root = build(raw, []);
    return new ValueTemplate(raw, root, templates);
  }

  get isLiteral(): boolean {
    return this.templates.length === 0;
  }

  /** The value with every template rendered over the scope. Throws ExpressionError. */
  render(scope: Scope): unknown {
    const walk = (n: Node): unknown => {
      switch (n.t) {
        case 'literal':
          return n.value;
        case 'template':
          return n.template.render(scope);
        case 'array':
          return n.items.map(walk);
        case 'object':
          return Object.fromEntries(n.entries.map(([k, v]) => [k, walk(v)]));
      }
    };
    return walk(this.root);
  }

  toJSON(): unknown {
    return this.raw;
  }
}
