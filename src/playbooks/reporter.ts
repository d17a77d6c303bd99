import { dottedPath, type PathSegment } from '../common/json-schema.js';
import type { Diagnostic } from './diagnostics.js';
import type { Position, YamlSource } from './yaml-source.js';

/** Collects diagnostics for one file: each message prefixed with its YAML path, positioned through the source. */
export class Reporter {
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    readonly file: string,
    readonly src: YamlSource,
  ) {}

  get failed(): boolean {
    return this.diagnostics.some((d) => d.severity === 'error');
  }

  /** A problem with the value at path (or with its key, keyOf). */
  error(path: readonly PathSegment[], message: string, keyOf = false): void {
    this.push(path, message, this.src.locate(path, keyOf), 'error');
  }

  warning(path: readonly PathSegment[], message: string, keyOf = false): void {
    this.push(path, message, this.src.locate(path, keyOf), 'warning');
  }

  /** A problem at an offset inside the string value at path (an expression inside a template). */
  errorInText(path: readonly PathSegment[], value: string, offset: number, message: string): void {
    const lineStart = value.lastIndexOf('\n', offset - 1) + 1;
    const lineEnd = value.indexOf('\n', offset) < 0 ? value.length : value.indexOf('\n', offset);
    const needle = value.slice(lineStart, lineEnd);
    const pos = needle ? this.src.locateIn(path, needle, offset - lineStart, lineStart) : this.src.locate(path);
    this.push(path, message, pos, 'error');
  }

  /** A position-less problem (a file that cannot be read): line 1, column 1. */
  fileError(message: string): void {
    this.diagnostics.push({ file: this.file, line: 1, col: 1, message, severity: 'error' });
  }

  at(pos: Position, message: string): void {
    this.diagnostics.push({ file: this.file, line: pos.line, col: pos.col, message, severity: 'error' });
  }

  private push(path: readonly PathSegment[], message: string, pos: Position, severity: Diagnostic['severity']): void {
    const where = dottedPath([...path]);
    const d: Diagnostic = { file: this.file, line: pos.line, col: pos.col, message: where ? `${where}: ${message}` : message, severity };
    if (!this.diagnostics.some((o) => o.line === d.line && o.col === d.col && o.message === d.message)) this.diagnostics.push(d);
  }
}
