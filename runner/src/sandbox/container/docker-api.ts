import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readJsonLines } from './docker-stream.js';
import { EngineApiError, EngineUnavailableError } from './errors.js';

/**
 * A client of the Docker Engine API with only the endpoints Podium uses, over node:http: the
 * engine's unix socket (or named pipe), or tcp:// with TLS where DOCKER_TLS_VERIFY or port 2376
 * says so. Paths carry no API version: the engine answers in its own.
 */

/** Where the engine listens, from DOCKER_HOST as the Docker CLI reads it. */
export interface EngineAddress {
  /** As DOCKER_HOST writes it, for messages. */
  shown: string;
  /** Who chose it: DOCKER_HOST, Podium's default, or the caller. */
  origin: 'DOCKER_HOST' | 'default' | 'caller';
  socketPath?: string;
  host?: string;
  port?: number;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
}

/**
 * Where the engine listens: `dockerHost` as DOCKER_HOST would say it (the environment's by
 * default), else Docker Desktop's socket for this user where there is one, else the system's.
 */
export function engineAddress(env: NodeJS.ProcessEnv = process.env, dockerHost = env.DOCKER_HOST): EngineAddress {
  const given = dockerHost !== undefined && dockerHost !== '';
  const origin = !given ? 'default' : dockerHost === env.DOCKER_HOST ? 'DOCKER_HOST' : 'caller';
  const socket = (socketPath: string): EngineAddress => ({
    shown: `${socketPath.startsWith('//./pipe/') ? 'npipe' : 'unix'}://${socketPath}`,
    origin,
    socketPath,
  });
  const defaultSocket = () => {
    if (process.platform === 'win32') return '//./pipe/docker_engine';
    // Docker Desktop's socket for this user, else the system engine's.
    const desktop = path.join(os.homedir(), '.docker', 'run', 'docker.sock');
    return existsSync(desktop) ? desktop : '/var/run/docker.sock';
  };
  if (!given) return socket(defaultSocket());
  if (dockerHost.startsWith('unix://')) return socket(dockerHost.slice('unix://'.length) || defaultSocket());
  if (dockerHost.startsWith('npipe://')) return socket(dockerHost.slice('npipe://'.length) || '//./pipe/docker_engine');
  let url: URL;
  try {
    url = new URL(dockerHost.includes('://') ? dockerHost : `tcp://${dockerHost}`);
  } catch {
    throw new EngineUnavailableError(
      `DOCKER_HOST is "${dockerHost}", which is no address of an engine: write unix:///path/to/docker.sock or tcp://host:port.`,
      dockerHost,
    );
  }
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new EngineUnavailableError(
      `DOCKER_HOST is "${dockerHost}": Podium speaks to an engine over unix:// or tcp:// only; forward the engine's socket ` +
        '(for example ssh -L /tmp/docker.sock:/var/run/docker.sock host) and set DOCKER_HOST=unix:///tmp/docker.sock.',
      dockerHost,
    );
  const port = url.port ? Number(url.port) : 2375;
  // As the Docker CLI: DOCKER_TLS_VERIFY set to anything turns verification on.
  const useTls = (env.DOCKER_TLS_VERIFY ?? '') !== '' || port === 2376 || url.protocol === 'https:';
  const certs = env.DOCKER_CERT_PATH;
  return {
    shown: dockerHost,
    origin,
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    ...(useTls
      ? {
          tls: certs
            ? {
                ca: readFileSync(path.join(certs, 'ca.pem')),
                cert: readFileSync(path.join(certs, 'cert.pem')),
                key: readFileSync(path.join(certs, 'key.pem')),
              }
            : {},
        }
      : {}),
  };
}

/** What a container is made with (the fields of POST /containers/create that Podium sets). */
export interface ContainerConfig {
  Image: string;
  Cmd?: string[];
  User?: string;
  WorkingDir?: string;
  Env?: string[];
  Labels?: Record<string, string>;
  NetworkDisabled?: boolean;
  HostConfig?: HostConfig;
}

export interface HostConfig {
  NetworkMode?: string;
  ReadonlyRootfs?: boolean;
  Tmpfs?: Record<string, string>;
  CapDrop?: string[];
  CapAdd?: string[];
  SecurityOpt?: string[];
  PidsLimit?: number;
  Memory?: number;
  MemorySwap?: number;
  NanoCpus?: number;
  Ulimits?: { Name: string; Soft: number; Hard: number }[];
  Mounts?: { Type: 'bind' | 'tmpfs' | 'volume'; Source: string; Target: string; ReadOnly?: boolean }[];
  LogConfig?: { Type: string; Config: Record<string, string> };
  IpcMode?: string;
  CgroupParent?: string;
  Privileged?: boolean;
  DeviceRequests?: { Driver: string; DeviceIDs: string[]; Capabilities: string[][] }[];
}

export interface ImageInspect {
  Id: string;
  RepoDigests?: string[] | null;
  Size: number;
  Config?: { WorkingDir?: string; Env?: string[] | null; Volumes?: Record<string, unknown> | null } | null;
}

export interface ContainerInspect {
  Id: string;
  State: { ExitCode: number; OOMKilled: boolean; Running: boolean };
}

type Query = Record<string, string | number | boolean | undefined>;

interface Call {
  query?: Query;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as it comes, for as long as it takes (a tar archive). */
  upload?: { content: AsyncIterable<Buffer>; type: string };
  signal?: AbortSignal;
}

/** Connection failures that mean no engine answers there (rather than one that broke off). */
const UNREACHABLE = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'EACCES',
  'EPERM',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
]);

export class DockerClient {
  private where: EngineAddress | undefined;
  /** The engine's address as DOCKER_HOST writes it; by default DOCKER_HOST itself, else the default socket. */
  constructor(private readonly dockerHost?: string) {}

  /** Where the engine is, read when first asked: a DOCKER_HOST Podium cannot use fails the first request, not the start. */
  get address(): EngineAddress {
    return (this.where ??= engineAddress(process.env, this.dockerHost ?? process.env.DOCKER_HOST));
  }

  /** Sends a request; resolves with the response once its headers arrive, or rejects with the engine's refusal. */
  async request(method: string, apiPath: string, call: Call = {}): Promise<http.IncomingMessage> {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(call.query ?? {})) if (v !== undefined) query.set(k, String(v));
    const what = `${method} ${apiPath}`;
    const json = call.body !== undefined ? Buffer.from(JSON.stringify(call.body)) : undefined;
    const a = this.address;
    const req = (a.tls ? https : http).request({
      method,
      path: `${apiPath}${query.size > 0 ? `?${query}` : ''}`,
      // One connection per request: a wait or a build holds its own for as long as it takes.
      agent: false,
      headers: {
        Host: a.socketPath ? 'docker' : `${a.host}:${a.port}`,
        ...(json ? { 'Content-Type': 'application/json', 'Content-Length': json.length } : {}),
        ...(call.upload ? { 'Content-Type': call.upload.type } : {}),
      },
      ...(a.socketPath ? { socketPath: a.socketPath } : { host: a.host, port: a.port }),
      ...(a.tls ?? {}),
      ...(call.signal ? { signal: call.signal } : {}),
    });
    const response = new Promise<http.IncomingMessage>((resolve, reject) => {
      req.once('response', resolve);
      req.once('error', (e: NodeJS.ErrnoException) => reject(this.connectionError(e, what)));
    });
    // What the body's own source threw (a file of the context): the cause, rather than the connection it broke.
    let sourceFailed: { error: unknown } | undefined;
    if (call.upload) {
      const content = call.upload.content;
      const guarded = async function* () {
        try {
          yield* content;
        } catch (e: unknown) {
          sourceFailed = { error: e };
          throw e;
        }
      };
      // A refusal can come while the body is still going out: the answer is what counts then.
      pipeline(Readable.from(guarded()), req).catch(() => undefined);
    } else req.end(json);
    let res: http.IncomingMessage;
    try {
      res = await response;
    } catch (e: unknown) {
      throw sourceFailed ? sourceFailed.error : e;
    }
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return res;
    const text = (await readBody(res)).toString('utf8');
    req.destroy();
    let message = text.trim();
    try {
      const parsed = JSON.parse(text) as { message?: unknown };
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      // Not JSON: the text as it came.
    }
    throw new EngineApiError(status, message || (res.statusMessage ?? 'no message'), what);
  }

  async json<T>(method: string, apiPath: string, call: Call = {}): Promise<T> {
    const res = await this.request(method, apiPath, call);
    const text = (await readBody(res)).toString('utf8');
    return (text.trim() === '' ? undefined : JSON.parse(text)) as T;
  }

  /** Sends a request whose answer says nothing Podium needs. */
  async call(method: string, apiPath: string, call: Call = {}): Promise<void> {
    await readBody(await this.request(method, apiPath, call));
  }

  private connectionError(e: NodeJS.ErrnoException, what: string): Error {
    if (!e.code || !UNREACHABLE.has(e.code)) return e;
    const a = this.address;
    const where = `${a.shown}${a.origin === 'DOCKER_HOST' ? ' (from DOCKER_HOST)' : a.origin === 'default' ? ' (the default; DOCKER_HOST is not set)' : ''}`;
    const how =
      e.code === 'EACCES' || e.code === 'EPERM'
        ? `this user may not use it: add the user to the docker group (sudo usermod -aG docker $USER, then log in again), or run as one who may`
        : a.socketPath
          ? 'start the engine (sudo systemctl start docker, or start Docker Desktop), or set DOCKER_HOST to the socket of one that runs'
          : 'start the engine there, or set DOCKER_HOST to one that runs';
    return new EngineUnavailableError(`no Docker engine answers at ${where}: ${e.code} on ${what}; ${how}.`, a.shown, { cause: e });
  }

  // The endpoints Podium uses.

  async ping(): Promise<void> {
    await this.call('GET', '/_ping');
  }

  version(): Promise<{ Version: string; ApiVersion: string }> {
    return this.json('GET', '/version');
  }

  info(): Promise<{ CgroupDriver?: string; CgroupVersion?: string }> {
    return this.json('GET', '/info');
  }

  /** The image, or undefined where the engine has none of that name. */
  async image(ref: string): Promise<ImageInspect | undefined> {
    try {
      return await this.json<ImageInspect>('GET', `/images/${segment(ref)}/json`);
    } catch (e: unknown) {
      if (e instanceof EngineApiError && e.status === 404) return undefined;
      throw e;
    }
  }

  async removeImage(ref: string): Promise<void> {
    await this.call('DELETE', `/images/${segment(ref)}`, { query: { force: true } });
  }

  /** Pulls an image; the engine reports a failure inside the stream, which this throws. */
  async pull(ref: string): Promise<void> {
    // The tag (or digest) apart, as the engine wants it; a colon before a "/" is a registry's port.
    const at = ref.includes('@') ? ref.indexOf('@') : ref.lastIndexOf(':');
    const tag = at >= 0 && !ref.slice(at + 1).includes('/') ? ref.slice(at + 1) : undefined;
    const res = await this.request('POST', '/images/create', { query: { fromImage: tag ? ref.slice(0, at) : ref, tag: tag ?? 'latest' } });
    let failed: string | undefined;
    await readJsonLines(res, (o) => {
      if (typeof o.error === 'string') failed ??= o.error;
    });
    if (failed) throw new Error(failed);
  }

  /** Starts a build with the classic builder; the answer streams its progress as JSON lines. */
  build(context: AsyncIterable<Buffer>, query: Query, signal?: AbortSignal): Promise<http.IncomingMessage> {
    return this.request('POST', '/build', {
      query: { version: '1', ...query },
      upload: { content: context, type: 'application/x-tar' },
      ...(signal ? { signal } : {}),
    });
  }

  async createContainer(config: ContainerConfig): Promise<string> {
    return (await this.json<{ Id: string }>('POST', '/containers/create', { body: config })).Id;
  }

  async start(id: string): Promise<void> {
    await this.call('POST', `/containers/${segment(id)}/start`);
  }

  /**
   * Waits for the container to reach the condition. Resolves once the engine has taken up the
   * wait (it sends the headers then), with the exit to come: asked before the start, no exit is missed.
   */
  async wait(id: string, condition: 'next-exit' | 'not-running', signal?: AbortSignal): Promise<{ exit: Promise<{ StatusCode: number }> }> {
    const res = await this.request('POST', `/containers/${segment(id)}/wait`, { query: { condition }, ...(signal ? { signal } : {}) });
    return { exit: readBody(res).then((b) => JSON.parse(b.toString('utf8')) as { StatusCode: number }) };
  }

  async kill(id: string, signal = 'SIGKILL'): Promise<void> {
    await this.call('POST', `/containers/${segment(id)}/kill`, { query: { signal } });
  }

  inspect(id: string): Promise<ContainerInspect> {
    return this.json('GET', `/containers/${segment(id)}/json`);
  }

  /** stdout and stderr so far, multiplexed (see Demultiplexer). */
  logs(id: string): Promise<http.IncomingMessage> {
    return this.request('GET', `/containers/${segment(id)}/logs`, { query: { stdout: true, stderr: true, follow: false } });
  }

  async remove(id: string): Promise<void> {
    await this.call('DELETE', `/containers/${segment(id)}`, { query: { force: true, v: true } });
  }

  /** Images that carry the label (a key, or key=value), intermediate ones included. */
  images(label: string): Promise<{ Id: string }[]> {
    return this.json('GET', '/images/json', { query: { all: true, filters: JSON.stringify({ label: [label] }) } });
  }

  /** Containers, running or not, that carry the label (a key, or key=value). */
  containers(label: string): Promise<{ Id: string }[]> {
    return this.json('GET', '/containers/json', { query: { all: true, filters: JSON.stringify({ label: [label] }) } });
  }
}

/** A name in a path: each "/"-separated part escaped, so that "?" or "#" in a reference stays part of it. */
function segment(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

async function readBody(res: http.IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of res) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}
