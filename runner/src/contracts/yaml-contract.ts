import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import * as ajvFormats from 'ajv-formats';
import type { TSchema, Static } from '@sinclair/typebox';
import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Document, type Node } from 'yaml';
import { didYouMean, type Problem } from './problems.js';

// ajv-formats is CommonJS with `exports.default`; from ESM the callable sits on .default.
const addFormats = ajvFormats.default.default;

/** One ajv instance for every contract: strict, all errors, with the parent schema for hints. */
function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true });
  addFormats(ajv, ['date-time', 'uri', 'date']);
  return ajv;
}

const sharedAjv = createAjv();
const compiled = new WeakMap<object, ValidateFunction>();

export function compile<S extends TSchema>(schema: S): ValidateFunction<Static<S>> {
  let v = compiled.get(schema);
  if (!v) {
    v = sharedAjv.compile(schema);
    compiled.set(schema, v);
  }
  return v as ValidateFunction<Static<S>>;
}

/** A parsed YAML file that can point at any of its values by path, for positioned messages. */
export class YamlSource {
  readonly file: string;
  private readonly doc: Document;
  private readonly lines: LineCounter;

  private constructor(file: string, doc: Document, lines: LineCounter) {
    this.file = file;
    this.doc = doc;
    this.lines = lines;
  }

  /** With uniqueKeys false, a key given twice is no problem and the last one wins, as PyYAML reads it. */
  static parse(file: string, text: string, opts: { uniqueKeys?: boolean } = {}): { source: YamlSource; problems: Problem[] } {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: opts.uniqueKeys ?? true });
    const source = new YamlSource(file, doc, lines);
    const problems = [...doc.errors, ...doc.warnings].map((e) => {
      const pos = lines.linePos(e.pos[0]);
      // The yaml library's messages carry a source excerpt after the first line; keep the sentence.
      const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      return { file, line: pos.line, column: pos.col, path: '', message: `invalid YAML: ${message}` };
    });
    return { source, problems };
  }

  toJS(): unknown {
    return this.doc.toJS({ maxAliasCount: 50 });
  }

  /**
   * Where a path points: the value's node, or for `key: true` the key itself (unknown keys are
   * reported at the key). Falls back to the deepest existing ancestor.
   */
  position(path: readonly (string | number)[], key = false): { line: number; column: number } {
    let node: unknown = this.doc.contents;
    let best: Node | null = isNode(node) ? node : null;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        if (last && key && isNode(pair.key)) {
          best = pair.key;
          break;
        }
        node = pair.value;
        if (isNode(node)) best = node;
        else if (isNode(pair.key)) best = pair.key;
      } else if (isSeq(node)) {
        const item = node.items[Number(seg)];
        if (!isNode(item)) break;
        node = item;
        best = item;
      } else {
        break;
      }
    }
    const offset = best?.range?.[0];
    if (offset === undefined) return { line: 1, column: 1 };
    const p = this.lines.linePos(offset);
    return { line: p.line, column: p.col };
  }

  problem(path: readonly (string | number)[], message: string, atKey = false): Problem {
    const { line, column } = this.position(path, atKey);
    return { file: this.file, line, column, path: pointer(path), message };
  }
}

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && 'range' in v;
}

export function pointer(path: readonly (string | number)[]): string {
  return path.length === 0 ? '' : '/' + path.map((s) => String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

function segments(instancePath: string): string[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** A path as people write it: `phases[0].start`. */
export function dotted(path: readonly (string | number)[]): string {
  return path.map((s, i) => (typeof s === 'number' || /^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function describePath(path: readonly string[]): string {
  return path.length === 0 ? 'at the top level' : `under "${dotted(path)}"`;
}

function typeWord(t: unknown): string {
  const words: Record<string, string> = {
    string: 'text',
    number: 'a number',
    integer: 'a whole number',
    boolean: 'true or false',
    array: 'a list',
    object: 'a mapping of keys to values',
    null: 'empty',
  };
  const list = Array.isArray(t) ? t : [t];
  return list.map((x) => words[String(x)] ?? String(x)).join(' or ');
}

function keysOf(schema: unknown): string[] {
  if (typeof schema === 'object' && schema !== null && 'properties' in schema) {
    const props = (schema as { properties?: Record<string, unknown> }).properties;
    return props ? Object.keys(props) : [];
  }
  return [];
}

/** Turn ajv's errors into messages that say where, what, and what is allowed. */
export function explainSchemaErrors(source: YamlSource, errors: readonly ErrorObject[]): Problem[] {
  const out: Problem[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    // if/then and union wrappers only repeat what their inner errors say.
    if (e.keyword === 'if' || e.keyword === 'anyOf' || e.keyword === 'oneOf') continue;
    const path = segments(e.instancePath);
    let p: Problem;
    switch (e.keyword) {
      case 'additionalProperties': {
        const extra = String((e.params as { additionalProperty: string }).additionalProperty);
        const allowed = keysOf(e.parentSchema);
        p = source.problem(
          [...path, extra],
          `unknown key "${extra}" ${describePath(path)}.${didYouMean(extra, allowed)} Allowed keys: ${allowed.join(', ')}.`,
          true,
        );
        break;
      }
      case 'required': {
        const missing = String((e.params as { missingProperty: string }).missingProperty);
        p = source.problem(path, `missing required key "${missing}" ${describePath(path)}.`, path.length > 0);
        break;
      }
      case 'type':
        p = source.problem(
          path,
          `${path.length ? `"${dotted(path)}"` : 'the file'} must be ${typeWord((e.params as { type: unknown }).type)}.`,
        );
        break;
      case 'enum': {
        const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
        const got = String(e.data);
        p = source.problem(
          path,
          `"${dotted(path)}" is "${got}", which is not allowed.${didYouMean(got, allowed)} Allowed: ${allowed.join(', ')}.`,
        );
        break;
      }
      case 'const':
        p = source.problem(path, `"${dotted(path)}" must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}.`);
        break;
      case 'format': {
        const fmt = String((e.params as { format: string }).format);
        const example: Record<string, string> = {
          'date-time': 'a UTC date and time such as 2026-01-31T23:59:59Z',
          date: 'a date such as 2026-01-31',
          uri: 'a full URL such as https://example.org/paper',
        };
        p = source.problem(path, `"${dotted(path)}" must be ${example[fmt] ?? fmt}.`);
        break;
      }
      case 'pattern': {
        const hint = (e.parentSchema as { description?: string } | undefined)?.description;
        p = source.problem(
          path,
          `"${dotted(path)}" is "${String(e.data)}": ${hint ?? `must match ${String((e.params as { pattern: string }).pattern)}`}.`,
        );
        break;
      }
      case 'minItems':
        p = source.problem(path, `"${dotted(path)}" needs at least ${String((e.params as { limit: number }).limit)} item(s).`);
        break;
      case 'minLength':
        p = source.problem(path, `"${dotted(path)}" must not be empty.`);
        break;
      default:
        p = source.problem(path, `"${dotted(path) || 'document'}" ${e.message ?? 'is invalid'}.`);
    }
    const k = `${p.line}:${p.column}:${p.message}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(p);
    }
  }
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}

export type ContractResult<T> = { ok: true; value: T; source: YamlSource } | { ok: false; problems: Problem[]; source?: YamlSource };

/** Parse a YAML text and check it against a schema; every problem is positioned. */
export function parseContract<S extends TSchema>(file: string, text: string, schema: S): ContractResult<Static<S>> {
  const { source, problems } = YamlSource.parse(file, text);
  if (problems.length > 0) return { ok: false, problems, source };
  const value = source.toJS();
  if (value === null || value === undefined) {
    return { ok: false, problems: [{ file, line: 0, column: 0, path: '', message: 'the file is empty.' }], source };
  }
  const validate = compile(schema);
  if (!validate(value)) return { ok: false, problems: explainSchemaErrors(source, validate.errors ?? []), source };
  return { ok: true, value, source };
}
