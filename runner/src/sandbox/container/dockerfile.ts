/**
 * A Dockerfile read the way Docker's own parser reads it (moby/buildkit
 * frontend/dockerfile/parser, which the classic builder uses too), so that what Podium checks
 * is what the engine builds: parser directives at the top (`# escape=`), a UTF-8 byte-order
 * mark, comment lines (also inside a continued instruction), line continuation with the
 * escape character — which also joins a keyword split over two lines, `FR\` + `OM` —, empty
 * continuation lines, leading `--flags`, and `ARG` defaults expanded in `FROM`.
 *
 * Then the build policy: every stage starts from an allowed image or an earlier stage; no
 * instruction makes the engine fetch anything (a remote `ADD`, `COPY --from` an image that is
 * not allowed, `RUN --mount`/`--network`, a `# syntax=` frontend); and what cannot be known
 * without running the build (a variable in an `ADD` source or a `--from`, a heredoc) is
 * refused rather than guessed.
 */
export interface Instruction {
  /** Upper-case keyword. */
  keyword: string;
  flags: string[];
  /** The rest of the line after the flags. */
  args: string;
  /** 1-based lines where the instruction starts and ends. */
  line: number;
  endLine: number;
}

export interface ParsedDockerfile {
  instructions: Instruction[];
  escape: '\\' | '`';
  directives: Record<string, string>;
}

export class DockerfileError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(message);
    this.name = 'DockerfileError';
    this.line = line;
  }
}

const DIRECTIVE = /^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const KNOWN_DIRECTIVES = new Set(['syntax', 'escape', 'check']);

function isComment(line: string): boolean {
  return /^\s*#/.test(line);
}

/** Splits a Dockerfile into instructions as Docker's parser does. */
export function parseDockerfile(text: string): ParsedDockerfile {
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  let escape: '\\' | '`' = '\\';
  const directives: Record<string, string> = {};
  let directivesDone = false;
  const directive = (line: string): boolean => {
    if (directivesDone) return false;
    if (!line.startsWith('#')) {
      directivesDone = true;
      return false;
    }
    const m = DIRECTIVE.exec(line.slice(1).replace(/^\s+/, ''));
    const key = m?.[1]!.toLowerCase();
    if (!m || !KNOWN_DIRECTIVES.has(key!)) {
      directivesDone = true;
      return false;
    }
    if (key! in directives) throw new DockerfileError(`only one ${key} parser directive can be used`, 0);
    directives[key!] = m[2]!;
    if (key === 'escape') {
      if (m[2] !== '\\' && m[2] !== '`') throw new DockerfileError(`invalid escape token '${m[2]}': use \` or \\`, 0);
      escape = m[2];
    }
    return true;
  };
  const continuation = () => {
    const e = escape === '\\' ? '\\\\' : '`';
    return new RegExp(`([^${e}])${e}[ \\t]*$|^${e}[ \\t]*$`);
  };
  const trimNewline = (s: string) => s.replace(/[\r\n]+$/, '');

  const out: Instruction[] = [];
  let i = 0;
  while (i < lines.length) {
    let raw = trimNewline(lines[i]!).replace(/^\s+/, '');
    const start = i + 1;
    i++;
    if (directive(raw)) continue;
    if (isComment(raw)) continue;
    let re = continuation();
    let ended = !re.test(raw);
    raw = raw.replace(re, '$1');
    if (ended && raw.length === 0) continue;
    let logical = raw;
    while (!ended && i < lines.length) {
      const next = trimNewline(lines[i]!);
      i++;
      if (isComment(next)) continue;
      if (next.trim().length === 0) continue;
      re = continuation();
      ended = !re.test(next);
      logical += next.replace(re, '$1');
    }
    const trimmed = logical.trim();
    if (trimmed.length === 0) continue;
    // Docker splits the keyword off at ASCII whitespace only.
    const m = /^([^\t\v\f\r ]+)(?:[\t\v\f\r ]+([\s\S]*))?$/.exec(trimmed)!;
    const { flags, rest } = extractFlags(m[2] ?? '', escape);
    out.push({ keyword: m[1]!.toUpperCase(), flags, args: rest.trim(), line: start, endLine: i });
  }
  if (out.length === 0) throw new DockerfileError('the Dockerfile has no instructions', 0);
  return { instructions: out, escape, directives };
}

/** Leading `--name=value` words, with quotes and the escape character as Docker reads them. */
function extractFlags(line: string, escape: string): { flags: string[]; rest: string } {
  const flags: string[] = [];
  let pos = 0;
  for (;;) {
    while (pos < line.length && /\s/.test(line[pos]!)) pos++;
    if (!line.startsWith('--', pos)) return { flags, rest: line.slice(pos) };
    let word = '';
    let quote = '';
    for (; pos < line.length; pos++) {
      const ch = line[pos]!;
      if (!quote && /\s/.test(ch)) break;
      if (!quote && (ch === '"' || ch === "'")) {
        quote = ch;
        continue;
      }
      if (quote && ch === quote) {
        quote = '';
        continue;
      }
      if (ch === escape && pos + 1 < line.length) {
        pos++;
        word += line[pos];
        continue;
      }
      word += ch;
    }
    if (word === '--') return { flags, rest: line.slice(pos) };
    // Docker keeps the dashes in the word and strips them when it reads the flag.
    flags.push(word.slice(2));
  }
}

/**
 * `$NAME`, `${NAME}`, `${NAME:-word}`, `${NAME-word}`, `${NAME:+word}` and `${NAME+word}`
 * with these values; undefined for anything else (other operators, an unclosed brace) and for
 * a name not in `values` at all, whose value the engine may supply itself (TARGETARCH, say).
 */
export function expandArgs(text: string, values: ReadonlyMap<string, string | undefined>): string | undefined {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) {
      out += text[++i];
      continue;
    }
    if (ch !== '$') {
      out += ch;
      continue;
    }
    const braced = text[i + 1] === '{';
    if (braced) {
      const close = text.indexOf('}', i + 2);
      if (close < 0) return undefined;
      const inner = text.slice(i + 2, close);
      if (inner.includes('{')) return undefined;
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])(.*))?$/s.exec(inner);
      if (!m || !values.has(m[1]!)) return undefined;
      const set = values.get(m[1]!) !== undefined;
      const value = values.get(m[1]!) ?? '';
      const op = m[2];
      const word = op === undefined ? '' : expandArgs(m[3]!, values);
      if (word === undefined) return undefined;
      if (op === undefined) out += value;
      else if (op === ':-') out += value !== '' ? value : word;
      else if (op === '-') out += set ? value : word;
      else if (op === ':+') out += value !== '' ? word : '';
      else out += set ? word : '';
      i = close;
      continue;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1));
    if (!m) {
      out += '$';
      continue;
    }
    if (!values.has(m[0])) return undefined;
    out += values.get(m[0]) ?? '';
    i += m[0].length;
  }
  return out;
}

/** `ARG a=1 b="x y" c` as name → default (undefined without one). */
function argPairs(args: string): [string, string | undefined][] {
  const out: [string, string | undefined][] = [];
  for (const word of args.match(/(?:[^\s"']+|"(?:\\.|[^"\\])*"|'[^']*')+/g) ?? []) {
    const eq = word.indexOf('=');
    const unquote = (s: string) =>
      s.replace(/^"((?:\\.|[^"\\])*)"$/, (_m, v: string) => v.replace(/\\(.)/g, '$1')).replace(/^'(.*)'$/, '$1');
    if (eq < 0) out.push([word, undefined]);
    else out.push([word.slice(0, eq), unquote(word.slice(eq + 1))]);
  }
  return out;
}

/** The sources of an ADD or COPY: the JSON form or whitespace-separated words, less the destination. */
function sourcesOf(args: string): string[] | undefined {
  const t = args.trim();
  if (t.startsWith('[')) {
    try {
      const list = JSON.parse(t) as unknown;
      if (Array.isArray(list) && list.every((x) => typeof x === 'string')) return (list as string[]).slice(0, -1);
    } catch {
      // Docker reads a line that is not valid JSON as words.
    }
  }
  const words = t.split(/[\t\v\f\r ]+/).filter(Boolean);
  return words.slice(0, -1);
}

const URLISH = /^[a-z][a-z0-9+.-]*:\/\/|^git@|^[\w.-]+@[\w.-]+:|\.git(#|$)/i;

export interface BuildPlan {
  /** The images the stages start from, in order, stage references left out. */
  baseImages: string[];
}

export type BuildCheck = { ok: true; plan: BuildPlan } | { ok: false; line: number; why: string };

/** Whether a Dockerfile may be built by the classic builder without network, from allowed images. */
export function checkBuild(text: string, allowed: readonly string[]): BuildCheck {
  let parsed: ParsedDockerfile;
  try {
    parsed = parseDockerfile(text);
  } catch (e: unknown) {
    return { ok: false, line: e instanceof DockerfileError ? e.line : 0, why: e instanceof Error ? e.message : String(e) };
  }
  const refuse = (line: number, why: string): BuildCheck => ({ ok: false, line, why });
  if (parsed.directives.syntax !== undefined)
    return refuse(
      1,
      `the "# syntax=${parsed.directives.syntax}" directive would fetch a build frontend; remove it (builds here use the engine's own Dockerfile syntax).`,
    );
  const globals = new Map<string, string | undefined>();
  const stages: string[] = [];
  const bases: string[] = [];
  let stageCount = 0;
  let inStage = false;
  for (const ins of parsed.instructions) {
    const at = ins.line;
    switch (ins.keyword) {
      case 'ARG':
        if (!inStage) for (const [k, v] of argPairs(ins.args)) globals.set(k, v === undefined ? globals.get(k) : expandArgs(v, globals));
        break;
      case 'FROM': {
        inStage = true;
        const words = ins.args.split(/[\t\v\f\r ]+/).filter(Boolean);
        if (words.length !== 1 && !(words.length === 3 && words[1]!.toLowerCase() === 'as'))
          return refuse(at, 'FROM takes an image and, optionally, "AS name".');
        for (const f of ins.flags) if (!/^platform=/.test(f)) return refuse(at, `FROM --${f} is not allowed here.`);
        const image = expandArgs(words[0]!, globals);
        if (image === undefined || image === '')
          return refuse(at, `FROM ${words[0]} cannot be resolved from the Dockerfile's ARG defaults.`);
        if (!stages.includes(image.toLowerCase())) {
          if (!allowed.includes(image))
            return refuse(
              at,
              allowed.length === 0
                ? 'this competition does not build images: submit an image pinned by digest.'
                : `the Dockerfile starts FROM ${image}; allowed base images: ${allowed.join(', ')}.`,
            );
          bases.push(image);
        }
        if (words.length === 3) stages.push(words[2]!.toLowerCase());
        stageCount++;
        break;
      }
      case 'ADD':
      case 'COPY': {
        if (/(^|\s)\d*<<-?\s*\S/.test(ins.args))
          return refuse(at, `${ins.keyword} with a heredoc is not supported here; put the content in a file of the build.`);
        for (const f of ins.flags) {
          const name = f.replace(/=.*$/s, '');
          if (name === 'from' && ins.keyword === 'COPY') {
            const from = f.slice(5);
            if (from.includes('$')) return refuse(at, 'COPY --from with a variable cannot be checked; name the stage or image.');
            // An earlier stage, by name or by index; the current stage counts as not yet built.
            const known = stages.includes(from.toLowerCase()) || (/^\d+$/.test(from) && Number(from) < stageCount - 1);
            if (!known && !allowed.includes(from))
              return refuse(
                at,
                `COPY --from=${from} would fetch an image that is not allowed; copy from an earlier stage or an allowed base image.`,
              );
            continue;
          }
          if (!['chown', 'chmod'].includes(name)) return refuse(at, `${ins.keyword} --${name} is not allowed here.`);
        }
        if (ins.keyword === 'ADD') {
          const sources = sourcesOf(ins.args) ?? [];
          for (const s of sources) {
            if (s.includes('$')) return refuse(at, `ADD ${s}: a variable in an ADD source cannot be checked; write the path.`);
            if (URLISH.test(s))
              return refuse(
                at,
                `ADD ${s} would have the engine fetch it from the network; builds have no network. Put the file in the build folder.`,
              );
          }
        }
        break;
      }
      case 'RUN':
        if (ins.flags.length > 0) return refuse(at, `RUN --${ins.flags[0]!.replace(/=.*$/s, '')} is not allowed here.`);
        if (/(^|\s)\d*<<-?\s*\S/.test(ins.args) && !ins.args.trim().startsWith('['))
          return refuse(at, 'RUN with a heredoc is not supported here; write the commands on the RUN line or in a script.');
        break;
      case 'ONBUILD':
        // Runs only in images built FROM this one; nothing here.
        break;
      default:
        if (!inStage && ins.keyword !== 'ARG')
          return refuse(at, `${ins.keyword} before the first FROM; a Dockerfile starts with FROM (or ARG).`);
    }
  }
  if (bases.length === 0 && !inStage) return refuse(0, 'the Dockerfile has no FROM.');
  return { ok: true, plan: { baseImages: bases } };
}
