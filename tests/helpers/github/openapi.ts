import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * GitHub's published OpenAPI description (@octokit/openapi), used to hold the emulator to
 * what GitHub accepts and answers: request parameters and bodies are validated against the
 * operation's description before the emulator acts, responses before they are sent.
 */
const require = createRequire(import.meta.url);
export type Json = Record<string, unknown>;

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: Json;
}
interface Operation {
  operationId: string;
  parameters?: (Parameter | { $ref: string })[];
  requestBody?: { content?: Record<string, { schema: unknown }>; required?: boolean };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}
interface Spec {
  paths: Record<string, Record<string, Operation>>;
  components: { examples: Record<string, { value: unknown }>; parameters: Record<string, Parameter> };
}

let spec: Spec | undefined;
let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

export function loadSpec(): { spec: Spec; ajv: Ajv } {
  if (!spec || !ajv) {
    spec = JSON.parse(readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8')) as Spec;
    nullableEnums(spec);
    ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema(spec as unknown as Json, 'github');
  }
  return { spec, ajv };
}

/**
 * A schema that is `nullable` and has an `enum` allows null (a job not finished yet has the
 * conclusion null, which its description marks nullable); Ajv reads `nullable` but wants null
 * listed in the enum too, so it is added there.
 */
function nullableEnums(node: unknown): void {
  if (Array.isArray(node)) for (const x of node) nullableEnums(x);
  else if (node && typeof node === 'object') {
    const o = node as Json;
    if (o.nullable === true && Array.isArray(o.enum) && !o.enum.includes(null)) o.enum = [...(o.enum as unknown[]), null];
    for (const v of Object.values(o)) nullableEnums(v);
  }
}

function pointer(...parts: string[]): string {
  return parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

function compile(key: string, ref: string): ValidateFunction {
  let v = compiled.get(key);
  if (!v) {
    v = loadSpec().ajv.compile({ $ref: `github#/${ref}` });
    compiled.set(key, v);
  }
  return v;
}

/** What is wrong with a response body by GitHub's OpenAPI description, or undefined when nothing is. */
export function responseProblems(route: string, method: string, status: number, body: unknown): string | undefined {
  const v = compile(
    `res ${method} ${route} ${status}`,
    pointer('paths', route, method, 'responses', String(status), 'content', 'application/json', 'schema'),
  );
  return v(body) ? undefined : JSON.stringify(v.errors?.slice(0, 3));
}

function parametersOf(route: string, method: string): Parameter[] {
  const { spec } = loadSpec();
  const op = spec.paths[route]?.[method];
  if (!op) throw new Error(`no operation ${method} ${route} in the OpenAPI description`);
  return (op.parameters ?? []).map((p) => ('$ref' in p ? spec.components.parameters[p.$ref.split('/').pop()!]! : p));
}

/** A query or path value as the schema's type, the way GitHub reads it. */
function coerce(value: string, schema: Json): unknown {
  const type = schema.type;
  if (type === 'integer' || type === 'number') return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  if (type === 'boolean') return value === 'true' ? true : value === 'false' ? false : value;
  return value;
}

/**
 * What is wrong with a request by the operation's description: unknown or missing query and
 * path parameters, values of the wrong type or outside the enumeration, a body the request
 * schema does not allow. Undefined when nothing is.
 */
export function requestProblems(
  route: string,
  method: string,
  request: { path: Record<string, string>; query: URLSearchParams; body: unknown },
): string | undefined {
  const { ajv, spec } = loadSpec();
  const problems: string[] = [];
  const params = parametersOf(route, method);
  for (const p of params) {
    if (p.in === 'header') continue;
    const raw = p.in === 'path' ? request.path[p.name] : (request.query.get(p.name) ?? undefined);
    if (raw === undefined) {
      if (p.required) problems.push(`missing ${p.in} parameter ${p.name}`);
      continue;
    }
    const ok = ajv.validate(p.schema, coerce(raw, p.schema));
    if (!ok) problems.push(`${p.in} parameter ${p.name}=${raw}: ${ajv.errorsText()}`);
  }
  for (const name of request.query.keys())
    if (!params.some((p) => p.in === 'query' && p.name === name)) problems.push(`unknown query parameter ${name}`);
  const body = spec.paths[route]![method]!.requestBody;
  if (body?.content?.['application/json']) {
    const v = compile(`req ${method} ${route}`, pointer('paths', route, method, 'requestBody', 'content', 'application/json', 'schema'));
    if (!v(request.body)) problems.push(`body: ${JSON.stringify(v.errors?.slice(0, 3))}`);
  }
  return problems.length > 0 ? problems.join('; ') : undefined;
}

/** A deep copy of one of GitHub's documented examples (the first item of a list example). */
export function example(name: string): Json {
  const { spec } = loadSpec();
  const e = spec.components.examples[name];
  if (!e) throw new Error(`no example ${name} in the OpenAPI description`);
  const value = e.value as Json | Json[];
  return structuredClone(Array.isArray(value) ? value[0]! : value);
}
