import { PodiumError } from '../../contracts/problems.js';

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

export class DockerfileError extends PodiumError {
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

/**
 * The paths of an ADD or COPY, the destination last: the JSON form exactly (the whole argument
 * must be one JSON array of strings), or words separated by spaces. Undefined when it is
 * neither, or a path holds a character whose meaning Docker's reading could change (quotes,
 * escapes, variables).
 */
function pathsOf(args: string): string[] | undefined {
  const t = args.trim();
  let paths: string[];
  if (t.startsWith('[')) {
    let list: unknown;
    try {
      list = JSON.parse(t);
    } catch {
      return undefined;
    }
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) return undefined;
    paths = list as string[];
  } else paths = t.split(/[\t ]+/).filter(Boolean);
  if (paths.length < 2 || paths.some((p) => !SAFE_PATH.test(p))) return undefined;
  return paths;
}

/** A path in ADD or COPY: letters, digits and punctuation that no reading of the line changes. */
const SAFE_PATH = /^[A-Za-z0-9._\-/*?[\]@+=,:~%^!]+$/;
const URLISH = /^[a-z][a-z0-9+.-]*:\/\/|^git@|^[\w.-]+@[\w.-]+:|\.git(#|$)|:\/\//i;
const STAGE = /^[a-z][a-z0-9-_.]*$/;
const FLAG_VALUE = /^[A-Za-z0-9:_.-]+$/;
const IMAGE = /^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/;

export interface BuildPlan {
  /** The images the stages start from, in order, stage references left out. */
  baseImages: string[];
  /**
   * The Dockerfile the engine builds: written from what was checked, one instruction a line,
   * ASCII, no parser directives, no continuations, FROM with the image already resolved. The
   * participant's text never reaches the engine's parser, so nothing it reads differently
   * from this parser can matter.
   */
  dockerfile: string;
}

export type BuildCheck = { ok: true; plan: BuildPlan } | { ok: false; line: number; why: string };

/** Keywords kept as written (after the checks on every line), with the flags each may carry. */
const PLAIN: Record<string, string[]> = {
  ENV: [],
  LABEL: [],
  WORKDIR: [],
  USER: [],
  CMD: [],
  ENTRYPOINT: [],
  EXPOSE: [],
  STOPSIGNAL: [],
  SHELL: [],
  MAINTAINER: [],
  HEALTHCHECK: ['interval', 'timeout', 'start-period', 'start-interval', 'retries'],
};

/**
 * Whether a Dockerfile may be built by the classic builder without network, from allowed images
 * ('any' for the organiser's own programs); and what is built. `images` maps a base image's name
 * to the one the runner has (competition.yml runtime.images): the check is on the name written,
 * the build uses the mapped one, and the plan's base images are the mapped ones.
 */
export function checkBuild(text: string, allowed: readonly string[] | 'any', images: Readonly<Record<string, string>> = {}): BuildCheck {
  const refuse = (line: number, why: string): BuildCheck => ({ ok: false, line, why });
  // ASCII, tabs and line ends only: every difference between two readers of whitespace and
  // keywords (Go's and JavaScript's Unicode classes) is shut out at once.
  const bad = /[^\t\n\r\x20-\x7e]/.exec(text.replace(/^\uFEFF/, ''));
  if (bad) {
    const line = text.slice(0, bad.index).split('\n').length;
    return refuse(
      line,
      'the Dockerfile holds a character other than printable ASCII, tab and line ends; write it in ASCII (put other text in a file of the build).',
    );
  }
  let parsed: ParsedDockerfile;
  try {
    parsed = parseDockerfile(text);
  } catch (e: unknown) {
    return { ok: false, line: e instanceof DockerfileError ? e.line : 0, why: e instanceof Error ? e.message : String(e) };
  }
  if (parsed.directives.syntax !== undefined)
    return refuse(
      1,
      `the "# syntax=${parsed.directives.syntax}" directive would fetch a build frontend; remove it (builds here use the engine's own Dockerfile syntax).`,
    );
  const globals = new Map<string, string | undefined>();
  const stages: string[] = [];
  const bases: string[] = [];
  const out: string[] = [];
  let stageCount = 0;
  let inStage = false;
  for (const ins of parsed.instructions) {
    const at = ins.line;
    const args = ins.args.trim();
    // A line that ends with the escape character would continue into the next one as written.
    if (/\\\s*$/.test(args)) return refuse(at, `${ins.keyword} ends with a backslash; end the line with something else.`);
    switch (ins.keyword) {
      case 'ARG': {
        if (ins.flags.length > 0) return refuse(at, `ARG --${ins.flags[0]} is not allowed here.`);
        if (!inStage)
          for (const [k, v] of argPairs(args)) {
            // A default that cannot be worked out here is no default: FROM may then not use it.
            globals.set(k, v === undefined ? undefined : expandArgs(v, globals));
          }
        out.push(`ARG ${args}`);
        break;
      }
      case 'FROM': {
        inStage = true;
        const words = args.split(/[\t ]+/).filter(Boolean);
        if (words.length !== 1 && !(words.length === 3 && words[1]!.toLowerCase() === 'as'))
          return refuse(at, 'FROM takes an image and, optionally, "AS name".');
        if (ins.flags.length > 0)
          return refuse(at, `FROM --${ins.flags[0]!.replace(/=.*$/s, '')} is not allowed here; the runner builds for its own platform.`);
        const image = expandArgs(words[0]!, globals);
        if (image === undefined || image === '' || !IMAGE.test(image))
          return refuse(at, `FROM ${words[0]} cannot be resolved from the Dockerfile's ARG defaults.`);
        const stage = words.length === 3 ? words[2]!.toLowerCase() : undefined;
        if (stage !== undefined && !STAGE.test(stage))
          return refuse(at, `"${words[2]}" is not a stage name: lower-case letters, digits, "-", "_" and ".", starting with a letter.`);
        const isStage = stages.includes(image.toLowerCase());
        const used = isStage ? image.toLowerCase() : Object.hasOwn(images, image) ? images[image]! : image;
        if (!isStage) {
          if (allowed !== 'any' && !allowed.includes(image))
            return refuse(
              at,
              allowed.length === 0
                ? 'this competition does not build images: submit an image pinned by digest.'
                : `the Dockerfile starts FROM ${image}; allowed base images: ${allowed.join(', ')}.`,
            );
          if (!IMAGE.test(used)) return refuse(at, `runtime.images maps ${image} to "${used}", which is not an image name.`);
          bases.push(used);
        }
        out.push(`FROM ${used}${stage ? ` AS ${stage}` : ''}`);
        if (stage) stages.push(stage);
        stageCount++;
        break;
      }
      case 'ADD':
      case 'COPY': {
        if (/(^|\s)\d*<<-?\s*\S/.test(args))
          return refuse(at, `${ins.keyword} with a heredoc is not supported here; put the content in a file of the build.`);
        const flags: string[] = [];
        for (const f of ins.flags) {
          const eq = f.indexOf('=');
          const name = eq < 0 ? f : f.slice(0, eq);
          const value = eq < 0 ? '' : f.slice(eq + 1);
          if (name === 'from' && ins.keyword === 'COPY') {
            if (value.includes('$')) return refuse(at, 'COPY --from with a variable cannot be checked; name the stage or image.');
            // An earlier stage, by name or by index; the current stage counts as not yet built.
            const known = stages.includes(value.toLowerCase()) || (/^\d+$/.test(value) && Number(value) < stageCount - 1);
            if (!known && !allowed.includes(value))
              return refuse(
                at,
                `COPY --from=${value} would fetch an image that is not allowed; copy from an earlier stage or an allowed base image.`,
              );
            flags.push(`--from=${known && !/^\d+$/.test(value) ? value.toLowerCase() : value}`);
            continue;
          }
          if (!['chown', 'chmod'].includes(name)) return refuse(at, `${ins.keyword} --${name} is not allowed here.`);
          if (!FLAG_VALUE.test(value)) return refuse(at, `${ins.keyword} --${name}=${value}: write a plain user, group or mode.`);
          flags.push(`--${name}=${value}`);
        }
        if (ins.keyword === 'ADD' && (args.includes('$') || URLISH.test(args)))
          return refuse(
            at,
            /\$/.test(args)
              ? 'a variable in ADD cannot be checked; write the paths.'
              : 'ADD of a URL would have the engine fetch it from the network; builds have no network. Put the file in the build folder.',
          );
        const paths = pathsOf(args);
        if (!paths)
          return refuse(
            at,
            `${ins.keyword} takes plain paths here (letters, digits and . _ - / * ? [ ] @ + = , : ~ % ^ !), or a JSON list of them; no quotes, escapes or variables.`,
          );
        if (ins.keyword === 'ADD' && paths.slice(0, -1).some((p) => URLISH.test(p)))
          return refuse(
            at,
            'ADD of a URL would have the engine fetch it from the network; builds have no network. Put the file in the build folder.',
          );
        out.push(`${ins.keyword} ${flags.map((f) => `${f} `).join('')}${JSON.stringify(paths)}`);
        break;
      }
      case 'RUN':
        if (ins.flags.length > 0) return refuse(at, `RUN --${ins.flags[0]!.replace(/=.*$/s, '')} is not allowed here.`);
        if (/(^|\s)\d*<<-?\s*\S/.test(args) && !args.startsWith('['))
          return refuse(at, 'RUN with a heredoc is not supported here; write the commands on the RUN line or in a script.');
        out.push(`RUN ${args}`);
        break;
      case 'ONBUILD':
        // A later stage built FROM this one would run it, fetches and all.
        return refuse(at, 'ONBUILD is not allowed here.');
      case 'VOLUME':
        // A volume is disk outside every limit of the run.
        return refuse(at, 'VOLUME is not allowed here: write to /output, or to /tmp for scratch space.');
      default: {
        const allowedFlags = PLAIN[ins.keyword];
        if (!allowedFlags) return refuse(at, `${ins.keyword} is not a Dockerfile instruction Podium builds.`);
        if (!inStage) return refuse(at, `${ins.keyword} before the first FROM; a Dockerfile starts with FROM (or ARG).`);
        for (const f of ins.flags) {
          const name = f.replace(/=.*$/s, '');
          if (!allowedFlags.includes(name) || !FLAG_VALUE.test(f.slice(name.length + 1)))
            return refuse(at, `${ins.keyword} --${name} is not allowed here.`);
        }
        out.push(`${ins.keyword} ${ins.flags.map((f) => `--${f} `).join('')}${args}`.trimEnd());
      }
    }
  }
  if (!inStage) return refuse(0, 'the Dockerfile has no FROM.');
  return { ok: true, plan: { baseImages: bases, dockerfile: `${out.join('\n')}\n` } };
}
