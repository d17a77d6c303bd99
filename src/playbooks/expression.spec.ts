import { describe, expect, it } from '@jest/globals';
import { Expression, ExpressionError } from './expression.js';
import { parseCondition, Template } from './template.js';
import { ValueTemplate } from './value-template.js';

const scope = {
  inputs: { names: ['a', 'b'], limit: 20, ratio: 1.5, dryRun: false },
  steps: { list: { output: { items: [{ id: 'x', widgets: new Array(25).fill(0) }, { id: 'y', widgets: [] }] } } },
};
const evaluate = (src: string, s: Record<string, unknown> = scope) => Expression.parse(src).evaluate(s);

describe('Expression (CEL)', () => {
  it('reads members, compares, combines and yields JSON values', () => {
    expect(evaluate('steps.list.output.items[0].id')).toBe('x');
    expect(evaluate('inputs.names')).toEqual(['a', 'b']);
    expect(evaluate('inputs.limit + 1')).toBe(21);
    expect(evaluate('inputs.ratio * 2.0')).toBe(3);
    expect(evaluate('size(inputs.names) == 2 && !inputs.dryRun')).toBe(true);
    expect(evaluate('"b" in inputs.names ? "yes" : "no"')).toBe('yes');
    expect(evaluate('{"n": size(inputs.names), "l": [1, "x"]}')).toEqual({ n: 2, l: [1, 'x'] });
  });

  it('has the list helpers governance checks need', () => {
    expect(evaluate('steps.list.output.items.filter(d, size(d.widgets) > inputs.limit).map(d, d.id)')).toEqual(['x']);
    expect(evaluate('steps.list.output.items.exists(d, d.id == "y")')).toBe(true);
    expect(evaluate('steps.list.output.items.all(d, size(d.widgets) < 30)')).toBe(true);
    expect(evaluate('has(inputs.missing)')).toBe(false);
    expect(evaluate('inputs.names[0].upperAscii()')).toBe('A');
  });

  it('reaches no prototype, constructor or global', () => {
    for (const src of ['inputs.constructor', 'inputs["__proto__"]', 'inputs.names.constructor', 'toString', 'process', 'globalThis']) {
      expect(() => evaluate(src)).toThrow(ExpressionError);
    }
    expect(() => Expression.parse('__proto__')).toThrow(ExpressionError);
    expect(() => evaluate('inputs.missing')).toThrow('No such key: missing (in inputs.missing)');
  });

  it('reports syntax and type errors at parse time with their offset', () => {
    const err = (src: string) => {
      try {
        Expression.parse(src);
      } catch (e) {
        return { message: (e as ExpressionError).message, offset: (e as ExpressionError).offset };
      }
      throw new Error('no error');
    };
    expect(err('size(inputs.names) >')).toEqual({ message: 'invalid expression: Unexpected token: EOF', offset: 20 });
    expect(err('"a" + 1')).toEqual({ message: 'invalid expression: no such overload: string + int', offset: 0 });
    expect(err('nope(1)').message).toBe("invalid expression: found no matching overload for 'nope(int)'");
  });

  it('lists the free names it reads, leaving macro variables out', () => {
    const refs = Expression.parse('steps.list.output.items.filter(d, d.x > inputs.limit).map(d, d.id) + item[inputs.key].y + steps["a-b"].output').references();
    expect(refs.map((r) => `${r.root}:${r.path.join('.')}@${r.offset}`)).toEqual([
      'steps:list.output.items@0',
      'inputs:limit@40',
      'item:@69',
      'inputs:key@74',
      'steps:a-b.output@90',
    ]);
  });

  it('test() insists on a boolean', () => {
    expect(Expression.parse('inputs.limit > 3').test(scope)).toBe(true);
    expect(() => Expression.parse('inputs.limit').test(scope)).toThrow('condition must be true or false, got 20 (in inputs.limit)');
  });
});

describe('Template', () => {
  it('yields the raw value for a whole expression and text otherwise', () => {
    expect(Template.parse('${{ inputs.names }}').render(scope)).toEqual(['a', 'b']);
    expect(Template.parse('  ${{ inputs.limit }} ').render(scope)).toBe(20);
    expect(Template.parse('limit ${{ inputs.limit }}, names ${{ inputs.names }}, ${{ null }}.').render(scope)).toBe('limit 20, names ["a","b"], .');
    expect(Template.parse('plain').isLiteral).toBe(true);
  });

  it('reports an unclosed or empty ${{ and bad expressions at their offset in the text', () => {
    expect(() => Template.parse('a ${{ b')).toThrow(new ExpressionError('unclosed ${{ (expected }})', 'a ${{ b', 2));
    expect(() => Template.parse('a ${{ }}')).toThrow('empty expression ${{ }}');
    try {
      Template.parse('ab ${{ inputs.( }}');
    } catch (e) {
      expect((e as ExpressionError).offset).toBe(14);
    }
  });

  it('parseCondition takes a bare expression or one whole ${{ }}', () => {
    expect(parseCondition('inputs.limit > 1').expression.test(scope)).toBe(true);
    expect(parseCondition('${{ inputs.limit > 100 }}').expression.test(scope)).toBe(false);
    expect(() => parseCondition('${{ true }} and ${{ false }}')).toThrow('must be one expression');
  });
});

describe('ValueTemplate', () => {
  it('renders templated strings anywhere in a JSON value and keeps the rest', () => {
    const v = ValueTemplate.parse({ a: '${{ inputs.limit }}', b: ['x-${{ inputs.names[1] }}', 3], c: { d: true } });
    expect(v.templates.map((t) => t.path)).toEqual([['a'], ['b', 0]]);
    expect(v.render(scope)).toEqual({ a: 20, b: ['x-b', 3], c: { d: true } });
    expect(JSON.stringify(v)).toBe('{"a":"${{ inputs.limit }}","b":["x-${{ inputs.names[1] }}",3],"c":{"d":true}}');
  });

  it('reports each bad template with its path and keeps going', () => {
    const errors: string[] = [];
    ValueTemplate.parse({ a: '${{ 1 + }}', b: ['${{ ok }}', '${{ ( }}'] }, (p, e) => errors.push(`${p.join('.')}: ${e.message}`));
    expect(errors).toEqual(['a: invalid expression: Unexpected token: EOF', 'b.1: invalid expression: Unexpected token: EOF']);
  });
});

describe('values crossing into CEL', () => {
  it('sees changes to unfrozen values and converts frozen ones once', () => {
    const e = Expression.parse('size(steps.a.output.items)');
    const steps: Record<string, unknown> = { a: { output: { items: [1] } } };
    expect(e.evaluate({ steps })).toBe(1);
    (steps.a as { output: { items: number[] } }).output.items.push(2);
    expect(e.evaluate({ steps })).toBe(2);
    const frozen = Object.freeze({ output: Object.freeze({ items: Object.freeze([1, 2, 3]) }) });
    expect(e.evaluate({ steps: { a: frozen } })).toBe(3);
    expect(e.evaluate({ steps: { a: frozen } })).toBe(3);
  });

  it('returns timestamps as ISO text and refuses integers JSON cannot hold', () => {
    expect(evaluate('timestamp("2024-01-01T00:00:00Z")')).toBe('2024-01-01T00:00:00.000Z');
    expect(evaluate('duration("90s")')).toBe(90);
    expect(() => evaluate('9223372036854775807')).toThrow('too large');
  });
});
