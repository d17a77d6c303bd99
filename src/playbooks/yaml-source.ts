import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import { yamlToJs } from '../common/yaml-locate.js';
import type { PathSegment } from '../common/json-schema.js';

export interface Position {
  line: number;
  col: number;
}

/** A YAML file parsed with positions, so any JSON path (and any text inside a string value) maps to line:col. */
export class YamlSource {
  private constructor(
    readonly text: string,
    private readonly doc: Document | undefined,
    private readonly lines: LineCounter,
    /** YAML syntax errors, each with its position. */
    readonly syntaxErrors: { message: string; pos: Position }[],
    private readonly json: unknown,
  ) {}

  static parse(text: string): YamlSource {
    const lines = new LineCounter();
    const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const list = Array.isArray(docs) ? docs : [];
    const errors = list.flatMap((d) => d.errors).map((e) => ({ message: `YAML syntax error: ${e.message.split('\n')[0]}`, pos: lines.linePos(e.pos[0]) }));
    const real = list.filter((d) => d.contents !== null || d.errors.length > 0);
    if (real.length > 1) {
      const second = real[1]!.range?.[0] ?? 0;
      errors.push({ message: 'a playbook file holds one YAML document; found another', pos: lines.linePos(second) });
    }
    let json: unknown;
    if (errors.length === 0 && list[0]) {
      // "Excessive alias count" (an alias bomb) and the like: a diagnostic at the first alias, never a throw.
      const js = yamlToJs(list[0]);
      if (js.ok) json = js.value ?? undefined;
      else errors.push({ message: js.message, pos: lines.linePos(js.offset) });
    }
    return new YamlSource(text, list[0], lines, errors, json);
  }

  /** The document as plain JSON (undefined for an empty file, or one with syntax errors). */
  toJSON(): unknown {
    return this.json;
  }

  /** Position of the value at path (of its key with keyOf), or of the deepest node that exists on the way. */
  locate(path: readonly PathSegment[], keyOf = false): Position {
    const { node, key } = this.find(path);
    const target = (keyOf && key) || node;
    const start = (target as { range?: [number, number, number] } | undefined)?.range?.[0] ?? 0;
    return this.lines.linePos(start);
  }

  /**
   * Position of `needle` inside the source of the string value at path, plus `inNeedle` characters; `hint` is the
   * needle's offset in the parsed string (the source is never shorter than the value, so the search starts there).
   * Falls back to the value's own position.
   */
  locateIn(path: readonly PathSegment[], needle: string, inNeedle = 0, hint = 0): Position {
    const { node } = this.find(path);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (!range || !isScalar(node)) return this.locate(path);
    const raw = this.text.slice(range[0], range[1]);
    const at = raw.indexOf(needle, Math.min(hint, raw.length));
    const found = at >= 0 ? at : raw.indexOf(needle);
    return this.lines.linePos(range[0] + (found >= 0 ? found + inNeedle : 0));
  }

  private find(path: readonly PathSegment[]): { node: unknown; key: unknown } {
    let node: unknown = this.doc?.contents;
    let key: unknown;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === seg);
        if (!pair) break;
        key = pair.key;
        node = pair.value ?? pair.key;
      } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
        key = undefined;
        node = node.items[seg];
      } else break;
    }
    return { node, key };
  }
}

