export const id = 918;
export const ids = [918];
export const modules = {

/***/ 9918:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  dockerEngine: () => (/* binding */ dockerEngine),
  hardenedConfig: () => (/* binding */ hardenedConfig),
  mountsOf: () => (/* binding */ mountsOf),
  runEnvironment: () => (/* binding */ runEnvironment)
});

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: external "node:perf_hooks"
var external_node_perf_hooks_ = __webpack_require__(643);
// EXTERNAL MODULE: ./build/runner/src/files/tree.js
var tree = __webpack_require__(8116);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
;// CONCATENATED MODULE: ./build/runner/src/sandbox/container/build-context.js



const BLOCK = 512;
const NO_LINKS = external_node_fs_.constants.O_RDONLY | (external_node_fs_.constants.O_NOFOLLOW ?? 0);
/**
 * The files of a folder (regular files, relative paths with "/") that go to the engine: those
 * its .dockerignore leaves, and always the Dockerfile and the .dockerignore themselves, as the
 * Docker CLI sends them (the engine leaves them out of what COPY sees where the file names
 * them). `own` is a Dockerfile to build instead of the folder's, added under its own name.
 */
async function contextEntries(dir, files, own) {
    let excluded = (_rel) => false;
    if (files.includes('.dockerignore')) {
        const read = dockerignore(await (0,promises_.readFile)(external_node_path_.join(dir, '.dockerignore'), { encoding: 'utf8', flag: NO_LINKS }));
        if (!read.ok)
            return { ok: false, why: `.dockerignore, line ${read.line}: ${read.why}` };
        excluded = read.excluded;
    }
    const kept = new Set(['.dockerignore', own ? own.name : 'Dockerfile']);
    const entries = files
        .filter((rel) => kept.has(rel) || !excluded(rel))
        .map((rel) => ({ name: rel, file: external_node_path_.join(dir, ...rel.split('/')) }));
    if (own)
        entries.push({ name: own.name, data: Buffer.from(own.text, 'utf8') });
    return { ok: true, entries };
}
const CHUNK = 1 << 20;
/**
 * The archive, block by block (POSIX ustar; a pax header where a name is longer than the
 * ustar field or a size larger than its 11 octal digits). Only regular files: the engine
 * makes the folders they sit in. Owners are written as 0, since the engine gives whatever
 * COPY and ADD write to root (or to --chown) anyway; a link, special file or a file that
 * changes while it is read is an error, never read through.
 */
async function* tarArchive(entries) {
    for (const entry of entries) {
        if ('data' in entry) {
            yield* fileHeader(entry.name, { size: entry.data.length, mode: 0o644, mtime: 0 });
            yield entry.data;
            yield padding(entry.data.length);
            continue;
        }
        // O_NOFOLLOW: the file was listed as a regular file; a link put in its place is refused.
        const handle = await (0,promises_.open)(entry.file, NO_LINKS);
        try {
            const stat = await handle.stat();
            if (!stat.isFile())
                throw new Error(`${entry.name} is not a regular file`);
            yield* fileHeader(entry.name, { size: stat.size, mode: stat.mode & 0o7777, mtime: Math.floor(stat.mtimeMs / 1000) });
            let left = stat.size;
            while (left > 0) {
                const buf = Buffer.alloc(Math.min(CHUNK, left));
                const { bytesRead } = await handle.read(buf, 0, buf.length, stat.size - left);
                if (bytesRead === 0)
                    throw new Error(`${entry.name} became shorter while it was read`);
                left -= bytesRead;
                yield buf.subarray(0, bytesRead);
            }
            yield padding(stat.size);
        }
        finally {
            await handle.close();
        }
    }
    // The end of the archive: two zero blocks.
    yield Buffer.alloc(2 * BLOCK);
}
function padding(size) {
    return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}
function* fileHeader(name, meta) {
    const nameBytes = Buffer.from(name, 'utf8');
    const pax = [];
    if (nameBytes.length > 100)
        pax.push(paxRecord('path', name));
    if (meta.size > 0o77777777777)
        pax.push(paxRecord('size', String(meta.size)));
    if (pax.length > 0) {
        const body = Buffer.from(pax.join(''), 'utf8');
        yield header({ name: 'PaxHeader', size: body.length, mode: 0o644, mtime: meta.mtime, type: 'x' });
        yield body;
        yield padding(body.length);
    }
    yield header({
        name: nameBytes.length > 100 ? nameBytes.subarray(0, 100) : nameBytes,
        size: meta.size > 0o77777777777 ? 0 : meta.size,
        mode: meta.mode,
        mtime: meta.mtime,
        type: '0',
    });
}
/** A pax record: its own length in decimal, counting the digits themselves. */
function paxRecord(key, value) {
    const rest = Buffer.byteLength(` ${key}=${value}\n`);
    let len = rest + String(rest).length;
    if (String(len).length !== String(rest).length)
        len = rest + String(len).length;
    return `${len} ${key}=${value}\n`;
}
function header(h) {
    const b = Buffer.alloc(BLOCK);
    const octal = (value, at, width) => b.write(`${value.toString(8).padStart(width - 1, '0')}\0`, at, 'latin1');
    (typeof h.name === 'string' ? Buffer.from(h.name) : h.name).copy(b, 0);
    octal(h.mode, 100, 8);
    octal(0, 108, 8); // uid
    octal(0, 116, 8); // gid
    octal(h.size, 124, 12);
    octal(h.mtime, 136, 12);
    b.write(h.type, 156, 'latin1');
    b.write('ustar\x0000', 257, 'latin1');
    // The checksum counts its own field as spaces.
    b.fill(0x20, 148, 156);
    let sum = 0;
    for (const byte of b)
        sum += byte;
    b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    return b;
}
/**
 * A .dockerignore, read as the Docker CLI reads it: `#` lines and blank lines skipped, each
 * pattern cleaned and made relative, `!` re-including; `*` and `?` stay within a folder, `**`
 * spans any number of them; a pattern that names a folder names everything in it; the last
 * pattern that matches a path decides. Returns a test of relative paths (with "/"), or the
 * first line Docker could not read.
 */
function dockerignore(text) {
    const patterns = [];
    const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
    for (const [i, raw] of lines.entries()) {
        if (raw.startsWith('#'))
            continue;
        let p = raw.trim();
        if (p === '')
            continue;
        const exclusion = p.startsWith('!');
        if (exclusion)
            p = p.slice(1).trim();
        if (p === '')
            return { ok: false, line: i + 1, why: 'a "!" with no pattern after it' };
        p = cleanPath(p);
        if (p.length > 1 && p.startsWith('/'))
            p = p.slice(1);
        const glob = compileGlob(p);
        if (!glob)
            return { ok: false, line: i + 1, why: `"${raw.trim()}" is not a valid pattern` };
        patterns.push({ exclusion, glob });
    }
    const excluded = (rel) => {
        const parts = rel.split('/');
        let matched = false;
        for (const { exclusion, glob } of patterns) {
            // Only a pattern that could change the answer is tried.
            if (exclusion !== matched)
                continue;
            let match = globMatches(glob, rel);
            for (let i = 1; !match && i < parts.length; i++)
                match = globMatches(glob, parts.slice(0, i).join('/'));
            if (match)
                matched = !exclusion;
        }
        return matched;
    };
    return { ok: true, excluded };
}
/** Go's path.Clean, on "/" paths. */
function cleanPath(p) {
    const norm = external_node_path_.posix.normalize(p);
    return norm.length > 1 && norm.endsWith('/') ? norm.slice(0, -1) : norm;
}
function compileGlob(p) {
    const steps = [];
    for (let i = 0; i < p.length; i++) {
        const ch = p[i];
        if (ch === '*') {
            if (p[i + 1] === '*') {
                i++;
                if (p[i + 1] === '/')
                    i++;
                steps.push(i + 1 >= p.length ? { kind: 'rest' } : { kind: 'folders' });
            }
            else if (steps.at(-1)?.kind !== 'star')
                steps.push({ kind: 'star' }); // "**" within a name is one "*"
        }
        else if (ch === '?')
            steps.push({ kind: 'one' });
        else if (ch === '\\') {
            // The next character as it is (a trailing backslash escapes nothing: Docker refuses it).
            if (i + 1 >= p.length)
                return undefined;
            steps.push({ kind: 'char', ch: p[++i] });
        }
        else if (ch === '[') {
            let j = i + 1;
            if (p[j] === '^')
                j++;
            while (j < p.length && p[j] !== ']')
                j += p[j] === '\\' ? 2 : 1;
            if (j >= p.length)
                return undefined;
            // One character's class, tested on one character at a time: no backtracking to speak of.
            try {
                steps.push({ kind: 'class', re: new RegExp(`^${p.slice(i, j + 1)}$`) });
            }
            catch {
                return undefined;
            }
            i = j;
        }
        else
            steps.push({ kind: 'char', ch });
    }
    return steps;
}
/**
 * Whether a whole path matches, in time linear in the path times the pattern: the pattern's
 * positions are followed as a set, one character at a time (Thompson's construction), never by
 * backtracking, so no pattern a participant writes can make this slow. (A regular expression
 * here took seconds for `*a*a*a*a*a*a*a*a*b` against a 40-character name, and grows
 * exponentially with the stars, before any build time limit starts.)
 */
function globMatches(glob, text) {
    // State 2k: at step k. State 2k+1: inside the folders of step k (a "**/" that took something).
    let states = new Set();
    const add = (set, k) => {
        for (;;) {
            if (set.has(2 * k))
                return;
            set.add(2 * k);
            const step = glob[k];
            // The steps that may take nothing let the next one start here too.
            if (!step || (step.kind !== 'star' && step.kind !== 'folders' && step.kind !== 'rest'))
                return;
            k++;
        }
    };
    add(states, 0);
    for (const ch of text) {
        const next = new Set();
        for (const state of states) {
            const k = state >> 1;
            const step = glob[k];
            if (!step)
                continue;
            if (state & 1 || step.kind === 'folders') {
                // Inside "**/": every character but a newline, and a "/" may end it.
                if (ch !== '\n')
                    next.add(2 * k + 1);
                if (ch === '/')
                    add(next, k + 1);
                continue;
            }
            switch (step.kind) {
                case 'char':
                    if (ch === step.ch)
                        add(next, k + 1);
                    break;
                case 'one':
                    if (ch !== '/')
                        add(next, k + 1);
                    break;
                case 'class':
                    if (step.re.test(ch))
                        add(next, k + 1);
                    break;
                case 'star':
                    if (ch !== '/')
                        add(next, k);
                    break;
                case 'rest':
                    if (ch !== '\n')
                        add(next, k);
                    break;
            }
        }
        if (next.size === 0)
            return false;
        states = next;
    }
    return states.has(2 * glob.length);
}
//# sourceMappingURL=build-context.js.map
;// CONCATENATED MODULE: ./build/runner/src/sandbox/container/cgroup.js


/** The parent cgroup a run is placed in, or undefined where the driver does not allow one. */
function runParent(layout, runId) {
    return layout.driver === 'cgroupfs' ? `/podium-${runId}` : undefined;
}
/** The folders holding the memory and CPU counters of a run. */
function counterDirs(layout, parent, containerId) {
    const rel = parent ?? (layout.driver === 'systemd' ? `/system.slice/docker-${containerId}.scope` : `/docker/${containerId}`);
    if (layout.version === 2) {
        const dir = external_node_path_.join(layout.root, rel);
        return { memory: dir, cpu: dir };
    }
    return { memory: external_node_path_.join(layout.root, 'memory', rel), cpu: external_node_path_.join(layout.root, 'cpuacct', rel) };
}
/** One reading; a counter that cannot be read is absent, never zero. */
async function readUsage(layout, parent, containerId) {
    const dirs = counterDirs(layout, parent, containerId);
    let peak;
    let cpu;
    if (layout.version === 2) {
        // memory.peak exists from Linux 5.19; before that the current use, sampled, is the best there is.
        peak = (await readNumber(external_node_path_.join(dirs.memory, 'memory.peak'))) ?? (await readNumber(external_node_path_.join(dirs.memory, 'memory.current')));
        const stat = await readText(external_node_path_.join(dirs.cpu, 'cpu.stat'));
        const usec = stat === undefined ? undefined : /^usage_usec (\d+)$/m.exec(stat)?.[1];
        cpu = usec === undefined ? undefined : Number(usec) / 1e6;
    }
    else {
        peak = await readNumber(external_node_path_.join(dirs.memory, 'memory.max_usage_in_bytes'));
        const ns = await readNumber(external_node_path_.join(dirs.cpu, 'cpuacct.usage'));
        cpu = ns === undefined ? undefined : ns / 1e9;
    }
    return { ...(cpu !== undefined ? { cpuSeconds: cpu } : {}), ...(peak !== undefined ? { peakMemoryBytes: peak } : {}) };
}
/**
 * Makes a parent cgroup ahead of the engine and caps its processes (pids.max): the build API
 * has no process limit of its own. Where this process may not write the cgroup file system
 * (a runner that is not root, a delegated hierarchy), it returns false and the build goes on
 * without that cap; docs/runners.md says so.
 */
async function limitPids(layout, parent, pids) {
    const dir = layout.version === 2 ? external_node_path_.join(layout.root, parent) : external_node_path_.join(layout.root, 'pids', parent);
    try {
        await (0,promises_.mkdir)(dir, { recursive: true });
        await (0,promises_.writeFile)(external_node_path_.join(dir, 'pids.max'), String(pids));
        return true;
    }
    catch {
        return false;
    }
}
/**
 * Removes a run's parent cgroup in every hierarchy; one still in use stays, and says nothing.
 * With `waitMs`, tries again until then: after a build is stopped the engine is still removing
 * its container for a moment, and the cgroup is busy until it has.
 */
async function removeParent(layout, parent, waitMs = 0) {
    const until = Date.now() + waitMs;
    for (;;) {
        let left = 0;
        for (const dir of await parentDirs(layout, parent))
            await (0,promises_.rmdir)(dir).catch((e) => {
                if (e.code !== 'ENOENT')
                    left++;
            });
        if (left === 0 || Date.now() >= until)
            return;
        await new Promise((r) => setTimeout(r, 200));
    }
}
/** Removes every empty `podium-*` parent cgroup: the leftovers of a runner that crashed. */
async function sweepParents(layout) {
    let n = 0;
    const hierarchies = layout.version === 2 ? [layout.root] : (await list(layout.root)).map((h) => external_node_path_.join(layout.root, h));
    for (const h of hierarchies) {
        for (const name of await list(h)) {
            if (!/^podium-[A-Za-z0-9_-]+$/.test(name))
                continue;
            try {
                await (0,promises_.rmdir)(external_node_path_.join(h, name));
                n++;
            }
            catch {
                // still in use, or not ours to remove
            }
        }
    }
    return n;
}
async function parentDirs(layout, parent) {
    if (layout.version === 2)
        return [external_node_path_.join(layout.root, parent)];
    return (await list(layout.root)).map((h) => external_node_path_.join(layout.root, h, parent));
}
async function list(dir) {
    try {
        return (await (0,promises_.readdir)(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    }
    catch {
        return [];
    }
}
async function readText(file) {
    try {
        return await (0,promises_.readFile)(file, 'utf8');
    }
    catch {
        return undefined;
    }
}
async function readNumber(file) {
    const text = await readText(file);
    if (text === undefined || !/^\d+\s*$/.test(text))
        return undefined;
    return Number(text.trim());
}
//# sourceMappingURL=cgroup.js.map
// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __webpack_require__(7067);
// EXTERNAL MODULE: external "node:https"
var external_node_https_ = __webpack_require__(4708);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __webpack_require__(7075);
// EXTERNAL MODULE: external "node:stream/promises"
var external_node_stream_promises_ = __webpack_require__(6466);
;// CONCATENATED MODULE: ./build/runner/src/sandbox/container/docker-stream.js
/**
 * The two stream formats the Docker engine answers with: a container's stdout and stderr
 * multiplexed on one connection, and the JSON lines of a build or a pull.
 */
const NAMES = { 1: 'stdout', 2: 'stderr' };
/**
 * Splits the engine's multiplexed output of a container without a TTY: each frame is an
 * 8-byte header (the stream, 1 for stdout or 2 for stderr; three zero bytes; the payload's
 * length, big-endian) and then the payload. Chunks may cut a frame anywhere, header included.
 */
class Demultiplexer {
    onFrame;
    pending = Buffer.alloc(0);
    constructor(onFrame) {
        this.onFrame = onFrame;
    }
    push(chunk) {
        let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
        while (buf.length >= 8) {
            const stream = NAMES[buf[0]];
            // stdin (0) never comes back on a log or attach stream; anything else is not this format.
            if (!stream || buf[1] !== 0 || buf[2] !== 0 || buf[3] !== 0)
                throw new Error(`the engine's output is not a multiplexed stream (a frame header starts ${buf.subarray(0, 8).toString('hex')})`);
            const length = buf.readUInt32BE(4);
            if (buf.length < 8 + length)
                break;
            this.onFrame(stream, buf.subarray(8, 8 + length));
            buf = buf.subarray(8 + length);
        }
        this.pending = Buffer.from(buf);
    }
    /** Whether the stream stopped inside a frame. */
    get partial() {
        return this.pending.length > 0;
    }
}
/** Reads newline-separated JSON objects from a stream, each handed over as it completes. */
async function readJsonLines(stream, onObject) {
    let rest = '';
    const take = (line) => {
        const text = line.trim();
        if (text === '')
            return;
        let value;
        try {
            value = JSON.parse(text);
        }
        catch {
            throw new Error(`the engine sent a line that is not JSON: ${text.slice(0, 200)}`);
        }
        if (value !== null && typeof value === 'object' && !Array.isArray(value))
            onObject(value);
    };
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
        rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
        let nl;
        while ((nl = rest.indexOf('\n')) >= 0) {
            take(rest.slice(0, nl));
            rest = rest.slice(nl + 1);
        }
    }
    take(rest + decoder.decode());
}
//# sourceMappingURL=docker-stream.js.map
// EXTERNAL MODULE: ./build/runner/src/sandbox/container/errors.js
var errors = __webpack_require__(3051);
;// CONCATENATED MODULE: ./build/runner/src/sandbox/container/docker-api.js









/**
 * Where the engine listens: `dockerHost` as DOCKER_HOST would say it (the environment's by
 * default), else Docker Desktop's socket for this user where there is one, else the system's.
 */
function engineAddress(env = process.env, dockerHost = env.DOCKER_HOST) {
    const given = dockerHost !== undefined && dockerHost !== '';
    const origin = !given ? 'default' : dockerHost === env.DOCKER_HOST ? 'DOCKER_HOST' : 'caller';
    const socket = (socketPath) => ({
        shown: `${socketPath.startsWith('//./pipe/') ? 'npipe' : 'unix'}://${socketPath}`,
        origin,
        socketPath,
    });
    const defaultSocket = () => {
        if (process.platform === 'win32')
            return '//./pipe/docker_engine';
        // Docker Desktop's socket for this user, else the system engine's.
        const desktop = external_node_path_.join(external_node_os_.homedir(), '.docker', 'run', 'docker.sock');
        return (0,external_node_fs_.existsSync)(desktop) ? desktop : '/var/run/docker.sock';
    };
    if (!given)
        return socket(defaultSocket());
    if (dockerHost.startsWith('unix://'))
        return socket(dockerHost.slice('unix://'.length) || defaultSocket());
    if (dockerHost.startsWith('npipe://'))
        return socket(dockerHost.slice('npipe://'.length) || '//./pipe/docker_engine');
    let url;
    try {
        url = new URL(dockerHost.includes('://') ? dockerHost : `tcp://${dockerHost}`);
    }
    catch {
        throw new errors/* EngineUnavailableError */.DG(`DOCKER_HOST is "${dockerHost}", which is no address of an engine: write unix:///path/to/docker.sock or tcp://host:port.`, dockerHost);
    }
    if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new errors/* EngineUnavailableError */.DG(`DOCKER_HOST is "${dockerHost}": Podium speaks to an engine over unix:// or tcp:// only; forward the engine's socket ` +
            '(for example ssh -L /tmp/docker.sock:/var/run/docker.sock host) and set DOCKER_HOST=unix:///tmp/docker.sock.', dockerHost);
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
                        ca: (0,external_node_fs_.readFileSync)(external_node_path_.join(certs, 'ca.pem')),
                        cert: (0,external_node_fs_.readFileSync)(external_node_path_.join(certs, 'cert.pem')),
                        key: (0,external_node_fs_.readFileSync)(external_node_path_.join(certs, 'key.pem')),
                    }
                    : {},
            }
            : {}),
    };
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
class DockerClient {
    dockerHost;
    where;
    /** The engine's address as DOCKER_HOST writes it; by default DOCKER_HOST itself, else the default socket. */
    constructor(dockerHost) {
        this.dockerHost = dockerHost;
    }
    /** Where the engine is, read when first asked: a DOCKER_HOST Podium cannot use fails the first request, not the start. */
    get address() {
        return (this.where ??= engineAddress(process.env, this.dockerHost ?? process.env.DOCKER_HOST));
    }
    /** Sends a request; resolves with the response once its headers arrive, or rejects with the engine's refusal. */
    async request(method, apiPath, call = {}) {
        const query = new URLSearchParams();
        for (const [k, v] of Object.entries(call.query ?? {}))
            if (v !== undefined)
                query.set(k, String(v));
        const what = `${method} ${apiPath}`;
        const json = call.body !== undefined ? Buffer.from(JSON.stringify(call.body)) : undefined;
        const a = this.address;
        const req = (a.tls ? external_node_https_ : external_node_http_).request({
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
        const response = new Promise((resolve, reject) => {
            req.once('response', resolve);
            req.once('error', (e) => reject(this.connectionError(e, what)));
        });
        // What the body's own source threw (a file of the context): the cause, rather than the connection it broke.
        let sourceFailed;
        if (call.upload) {
            const content = call.upload.content;
            const guarded = async function* () {
                try {
                    yield* content;
                }
                catch (e) {
                    sourceFailed = { error: e };
                    throw e;
                }
            };
            // A refusal can come while the body is still going out: the answer is what counts then.
            (0,external_node_stream_promises_.pipeline)(external_node_stream_.Readable.from(guarded()), req).catch(() => undefined);
        }
        else
            req.end(json);
        let res;
        try {
            res = await response;
        }
        catch (e) {
            throw sourceFailed ? sourceFailed.error : e;
        }
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300)
            return res;
        const text = (await readBody(res)).toString('utf8');
        req.destroy();
        let message = text.trim();
        try {
            const parsed = JSON.parse(text);
            if (typeof parsed.message === 'string')
                message = parsed.message;
        }
        catch {
            // Not JSON: the text as it came.
        }
        throw new errors/* EngineApiError */.Z_(status, message || (res.statusMessage ?? 'no message'), what);
    }
    async json(method, apiPath, call = {}) {
        const res = await this.request(method, apiPath, call);
        const text = (await readBody(res)).toString('utf8');
        return (text.trim() === '' ? undefined : JSON.parse(text));
    }
    /** Sends a request whose answer says nothing Podium needs. */
    async call(method, apiPath, call = {}) {
        await readBody(await this.request(method, apiPath, call));
    }
    connectionError(e, what) {
        if (!e.code || !UNREACHABLE.has(e.code))
            return e;
        const a = this.address;
        const where = `${a.shown}${a.origin === 'DOCKER_HOST' ? ' (from DOCKER_HOST)' : a.origin === 'default' ? ' (the default; DOCKER_HOST is not set)' : ''}`;
        const how = e.code === 'EACCES' || e.code === 'EPERM'
            ? `this user may not use it: add the user to the docker group (sudo usermod -aG docker $USER, then log in again), or run as one who may`
            : a.socketPath
                ? 'start the engine (sudo systemctl start docker, or start Docker Desktop), or set DOCKER_HOST to the socket of one that runs'
                : 'start the engine there, or set DOCKER_HOST to one that runs';
        return new errors/* EngineUnavailableError */.DG(`no Docker engine answers at ${where}: ${e.code} on ${what}; ${how}.`, a.shown, { cause: e });
    }
    // The endpoints Podium uses.
    async ping() {
        await this.call('GET', '/_ping');
    }
    version() {
        return this.json('GET', '/version');
    }
    info() {
        return this.json('GET', '/info');
    }
    /** The image, or undefined where the engine has none of that name. */
    async image(ref) {
        try {
            return await this.json('GET', `/images/${segment(ref)}/json`);
        }
        catch (e) {
            if (e instanceof errors/* EngineApiError */.Z_ && e.status === 404)
                return undefined;
            throw e;
        }
    }
    async removeImage(ref) {
        await this.call('DELETE', `/images/${segment(ref)}`, { query: { force: true } });
    }
    /** Pulls an image; the engine reports a failure inside the stream, which this throws. */
    async pull(ref) {
        // The tag (or digest) apart, as the engine wants it; a colon before a "/" is a registry's port.
        const at = ref.includes('@') ? ref.indexOf('@') : ref.lastIndexOf(':');
        const tag = at >= 0 && !ref.slice(at + 1).includes('/') ? ref.slice(at + 1) : undefined;
        const res = await this.request('POST', '/images/create', { query: { fromImage: tag ? ref.slice(0, at) : ref, tag: tag ?? 'latest' } });
        let failed;
        await readJsonLines(res, (o) => {
            if (typeof o.error === 'string')
                failed ??= o.error;
        });
        if (failed)
            throw new Error(failed);
    }
    /** Starts a build with the classic builder; the answer streams its progress as JSON lines. */
    build(context, query, signal) {
        return this.request('POST', '/build', {
            query: { version: '1', ...query },
            upload: { content: context, type: 'application/x-tar' },
            ...(signal ? { signal } : {}),
        });
    }
    async createContainer(config) {
        return (await this.json('POST', '/containers/create', { body: config })).Id;
    }
    async start(id) {
        await this.call('POST', `/containers/${segment(id)}/start`);
    }
    /**
     * Waits for the container to reach the condition. Resolves once the engine has taken up the
     * wait (it sends the headers then), with the exit to come: asked before the start, no exit is missed.
     */
    async wait(id, condition, signal) {
        const res = await this.request('POST', `/containers/${segment(id)}/wait`, { query: { condition }, ...(signal ? { signal } : {}) });
        return { exit: readBody(res).then((b) => JSON.parse(b.toString('utf8'))) };
    }
    async kill(id, signal = 'SIGKILL') {
        await this.call('POST', `/containers/${segment(id)}/kill`, { query: { signal } });
    }
    inspect(id) {
        return this.json('GET', `/containers/${segment(id)}/json`);
    }
    /** stdout and stderr so far, multiplexed (see Demultiplexer). */
    logs(id) {
        return this.request('GET', `/containers/${segment(id)}/logs`, { query: { stdout: true, stderr: true, follow: false } });
    }
    async remove(id) {
        await this.call('DELETE', `/containers/${segment(id)}`, { query: { force: true, v: true } });
    }
    /** Images that carry the label (a key, or key=value), intermediate ones included. */
    images(label) {
        return this.json('GET', '/images/json', { query: { all: true, filters: JSON.stringify({ label: [label] }) } });
    }
    /** Containers, running or not, that carry the label (a key, or key=value). */
    containers(label) {
        return this.json('GET', '/containers/json', { query: { all: true, filters: JSON.stringify({ label: [label] }) } });
    }
}
/** A name in a path: each "/"-separated part escaped, so that "?" or "#" in a reference stays part of it. */
function segment(name) {
    return name.split('/').map(encodeURIComponent).join('/');
}
async function readBody(res) {
    const parts = [];
    for await (const chunk of res)
        parts.push(chunk);
    return Buffer.concat(parts);
}
//# sourceMappingURL=docker-api.js.map
// EXTERNAL MODULE: ./build/runner/src/sandbox/container/harvest.js + 1 modules
var harvest = __webpack_require__(2495);
;// CONCATENATED MODULE: ./build/runner/src/sandbox/container/docker.js









const WATCH_MS = 200;
const SYSTEM_DIRS = /^\/(proc|sys|dev)(\/|$)/;
/** The Docker engine behind the ContainerEngine interface, with every run hardened. */
function dockerEngine(options = {}) {
    const docker = new DockerClient(options.host);
    let layout;
    // Asked once: how the engine lays out its cgroups decides where the counters are read.
    const cgroups = () => (layout ??= docker.info().then((info) => ({
        version: info.CgroupVersion === '2' ? 2 : 1,
        driver: info.CgroupDriver === 'systemd' ? 'systemd' : 'cgroupfs',
        root: '/sys/fs/cgroup',
    })));
    return {
        async ping() {
            try {
                await docker.ping();
                return true;
            }
            catch {
                return false;
            }
        },
        async describe() {
            return `docker ${(await docker.version()).Version}`;
        },
        async image(ref) {
            try {
                const info = await docker.image(ref);
                return info && { id: info.Id, digests: info.RepoDigests ?? [] };
            }
            catch {
                return undefined;
            }
        },
        async pull(ref) {
            await docker.pull(ref);
        },
        async build(contextDir, tag, labels, options = {}) {
            return buildLimited(docker, contextDir, tag, labels, options, await cgroups());
        },
        async run(spec) {
            return runHardened(docker, spec, await cgroups(), options.weaken);
        },
        async sweep(label, { keepImages = false } = {}) {
            let containers = 0;
            for (const c of await docker.containers(label)) {
                await docker.remove(c.Id).catch(() => undefined);
                containers++;
            }
            await sweepParents(await cgroups());
            let images = 0;
            // After the containers, which would otherwise hold their images.
            if (!keepImages)
                for (const i of await docker.images(label)) {
                    // One removal can take another listed image with it (a parent no longer needed): only
                    // what this call removed counts.
                    if (await docker.image(i.Id)) {
                        await docker.removeImage(i.Id).catch(() => undefined);
                        if (!(await docker.image(i.Id)))
                            images++;
                    }
                }
            return { containers, images };
        },
    };
}
/**
 * A build with the engine's classic builder: RUN steps without network, in a cgroup of the
 * build's own (memory, CPU, and processes where this machine lets Podium set them), stopped
 * when its time is up or it is cancelled (closing the request makes the engine stop the build
 * and remove its containers), its log capped, and the image refused past its size limit.
 */
async function buildLimited(docker, contextDir, tag, labels, options, cgroups) {
    const { limits, signal } = options;
    // Regular files only, as everywhere a submission's files are read: no links followed.
    const files = (await (0,tree/* walkTree */.Ir)(contextDir, { maxFileBytes: Number.MAX_SAFE_INTEGER, maxFiles: 100_000 })).files.map((f) => f.rel);
    // The checked, canonical Dockerfile goes into the archive under a name of its own, for this build only.
    const own = options.dockerfile !== undefined
        ? { name: `.podium-dockerfile-${(0,external_node_crypto_.randomBytes)(6).toString('hex')}`, text: options.dockerfile }
        : undefined;
    const context = await contextEntries(contextDir, files, own);
    if (!context.ok)
        throw new errors/* BuildError */.zS(context.why, '');
    const parent = limits ? runParent(cgroups, `build-${(0,external_node_crypto_.randomBytes)(8).toString('hex')}`) : undefined;
    if (parent && limits)
        await limitPids(cgroups, parent, limits.pids);
    const log = [];
    let logBytes = 0;
    const cap = limits?.logBytes ?? 64 * 1024;
    let truncated = false;
    const keep = (text) => {
        if (logBytes >= cap) {
            truncated = true;
            return;
        }
        log.push(text.slice(0, cap - logBytes));
        logBytes += Math.min(text.length, cap - logBytes);
    };
    const logText = () => log.join('') + (truncated ? '\n[build log truncated]\n' : '');
    // Listening from before the request: a cancellation while the context is still being sent
    // must not be lost.
    const connection = new AbortController();
    let stopped;
    // Read through a call: the flow of this function cannot see the callbacks that set it.
    const stoppedBy = () => stopped;
    const stop = (why) => {
        stopped ??= why;
        connection.abort();
    };
    const onAbort = () => stop(new errors/* BuildError */.zS('the build was cancelled', '', 'cancelled'));
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted)
        onAbort();
    const timer = limits
        ? setTimeout(() => stop(new errors/* BuildError */.zS(`the build took longer than ${Math.round(limits.timeoutMs / 1000)} s`, '', 'timed-out')), limits.timeoutMs)
        : undefined;
    try {
        if (stopped)
            throw stopped;
        let response;
        try {
            response = await docker.build(tarArchive(context.entries), {
                t: tag,
                ...(own ? { dockerfile: own.name } : {}),
                // No network for RUN. The engine's own fetches (remote ADD, COPY --from an image) are
                // refused before the build by checkBuild.
                networkmode: 'none',
                labels: JSON.stringify(labels),
                rm: true,
                forcerm: true,
                ...(limits
                    ? {
                        memory: limits.memoryBytes,
                        memswap: limits.memoryBytes,
                        cpuperiod: 100_000,
                        cpuquota: Math.max(1000, Math.round((limits.nanoCpus / 1e9) * 100_000)),
                        ...(parent ? { cgroupparent: parent } : {}),
                    }
                    : {}),
            }, connection.signal);
        }
        catch (e) {
            throw stoppedBy() ?? e;
        }
        let failed;
        // The image this build made, as the engine names it at the end of the build. The tag is
        // only a name: another build of the same submission may move it before we look it up.
        let built;
        try {
            await readJsonLines(response, (o) => {
                if (typeof o.stream === 'string')
                    keep(o.stream);
                if (typeof o.error === 'string')
                    failed ??= o.error;
                const aux = o.aux;
                if (aux && typeof aux.ID === 'string')
                    built = aux.ID;
            });
        }
        catch (e) {
            const why = stoppedBy();
            if (why)
                throw new errors/* BuildError */.zS(why.message, logText(), why.reason);
            throw new errors/* BuildError */.zS(e instanceof Error ? e.message : String(e), logText(), 'failed', { cause: e });
        }
        if (failed)
            throw new errors/* BuildError */.zS(failed, logText());
        // Without the engine's word, the tag could name another build's image: refused.
        if (!built)
            throw new errors/* BuildError */.zS('the engine did not say which image it built; Podium needs Docker Engine 17.06 or newer', logText());
        const image = await docker.image(built);
        if (!image)
            throw new errors/* BuildError */.zS(`the engine reported no error, yet has no image ${built}`, logText());
        if (limits && image.Size > limits.imageBytes) {
            await docker.removeImage(image.Id).catch(() => undefined);
            throw new errors/* BuildError */.zS(`the image is ${Math.round(image.Size / 1048576)} MiB, over the limit of ${Math.round(limits.imageBytes / 1048576)} MiB`, logText(), 'too-large');
        }
        return { id: image.Id, log: logText() };
    }
    catch (e) {
        if (e instanceof errors/* BuildError */.zS)
            throw new errors/* BuildError */.zS(e.message, e.log || logText(), e.reason, { cause: e.cause });
        throw e;
    }
    finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (parent)
            await removeParent(cgroups, parent, 10_000);
    }
}
/**
 * The environment of a run, set by Podium whole. The image's own variables are kept (a PATH,
 * a PYTHONPATH) except those that steer the dynamic loader or the NVIDIA runtime: an OCI hook
 * of the NVIDIA Container Toolkit runs as root on the host with the container's environment,
 * so an image's LD_PRELOAD there is host root (CVE-2025-23266), and an image's
 * NVIDIA_VISIBLE_DEVICES=all would hand every GPU to a run that asked for none where nvidia is
 * the default runtime. Docker merges a container's variables into the image's and cannot unset
 * one, so each dropped variable is set empty, and the NVIDIA ones are set to what the run gets.
 */
function runEnvironment(imageEnv, gpus = []) {
    const dropped = (name) => /^(LD_|NVIDIA_|_?CUDA_VISIBLE_DEVICES$|CUDA_VERSION$|GCONV_PATH$|GLIBC_TUNABLES$|LOCPATH$|MALLOC_)/.test(name);
    const env = new Map();
    for (const entry of imageEnv) {
        const eq = entry.indexOf('=');
        const name = eq < 0 ? entry : entry.slice(0, eq);
        env.set(name, dropped(name) ? '' : entry.slice(eq + 1));
    }
    const path = (env.get('PATH') ?? '')
        .split(':')
        .filter((d) => d.startsWith('/') && !d.startsWith('/proc'))
        .join(':');
    env.set('PATH', path || '/usr/local/bin:/usr/bin:/bin');
    env.set('HOME', '/tmp');
    if (gpus.length > 0) {
        env.set('NVIDIA_VISIBLE_DEVICES', gpus.join(','));
        env.set('NVIDIA_DRIVER_CAPABILITIES', 'compute,utility');
    }
    else
        env.set('NVIDIA_VISIBLE_DEVICES', 'void');
    return [...env].map(([k, v]) => `${k}=${v}`);
}
/** Mounts under /app or /input only: a folder elsewhere could shadow what the image needs, or /proc. */
const APP_PATH = /^\/(app|input)\/[A-Za-z0-9_][A-Za-z0-9_./-]*$/;
/** The bind mounts of a run: /input read-only, /output, and where else the spec asks. */
function mountsOf(spec) {
    const extra = [
        ...(spec.alsoAt?.input ? [{ source: spec.inputDir, target: spec.alsoAt.input, readOnly: true }] : []),
        ...(spec.alsoAt?.output ? [{ source: spec.outputDir, target: spec.alsoAt.output, readOnly: false }] : []),
        ...(spec.mounts ?? []),
    ];
    for (const m of extra)
        if (!APP_PATH.test(m.target) || m.target.split('/').includes('..'))
            throw new Error(`a mount must be a folder under /app or /input, not ${m.target}`);
    return [
        { Type: 'bind', Source: spec.inputDir, Target: '/input', ReadOnly: true },
        { Type: 'bind', Source: spec.outputDir, Target: '/output', ReadOnly: false },
        ...extra.map((m) => ({ Type: 'bind', Source: m.source, Target: m.target, ReadOnly: m.readOnly })),
    ];
}
/** The hardened settings of a run: what every participant's and scoring program's container gets. */
function hardenedConfig(spec, image, parent) {
    const { limits } = spec;
    // A VOLUME of the image would be an anonymous volume on the runner's disk, outside every
    // limit of the run: each gets a small tmpfs instead, counted in the run's memory.
    const volumes = Object.keys(image.Volumes ?? {}).filter((v) => !/^\/(input|output|tmp)\/?$/.test(v));
    // The image's working folder, unless it points into the kernel's file systems.
    const workingDir = image.WorkingDir && !SYSTEM_DIRS.test(image.WorkingDir) ? image.WorkingDir : '/';
    return {
        Image: spec.image,
        // Whatever USER the image names, the code runs as nobody, with no environment of the runner.
        User: '65534:65534',
        WorkingDir: workingDir,
        Env: runEnvironment(image.Env ?? [], spec.gpus),
        Labels: spec.labels,
        NetworkDisabled: true,
        HostConfig: {
            NetworkMode: 'none',
            ReadonlyRootfs: true,
            Tmpfs: {
                '/tmp': 'rw,nosuid,nodev,size=64m',
                ...Object.fromEntries(volumes.map((v) => [v, 'rw,nosuid,nodev,size=64m'])),
            },
            CapDrop: ['ALL'],
            SecurityOpt: ['no-new-privileges'],
            PidsLimit: limits.pids,
            Memory: limits.memoryBytes,
            MemorySwap: limits.memoryBytes,
            NanoCpus: limits.nanoCpus,
            Ulimits: [
                { Name: 'nofile', Soft: 1024, Hard: 1024 },
                { Name: 'fsize', Soft: limits.outputBytes, Hard: limits.outputBytes },
                { Name: 'core', Soft: 0, Hard: 0 },
            ],
            // Mounts rather than "src:dst:ro" strings: an organiser's path may hold ':' or ','.
            Mounts: mountsOf(spec),
            LogConfig: { Type: 'json-file', Config: { 'max-size': `${Math.max(1, Math.ceil(limits.logBytes / 1048576))}m`, 'max-file': '1' } },
            IpcMode: 'none',
            ...(parent ? { CgroupParent: parent } : {}),
            Privileged: false,
            ...(spec.gpus && spec.gpus.length > 0
                ? { DeviceRequests: [{ Driver: 'nvidia', DeviceIDs: spec.gpus, Capabilities: [['gpu']] }] }
                : {}),
        },
    };
}
async function runHardened(docker, spec, cgroups, weaken = (c) => c) {
    if (spec.signal?.aborted)
        return { verdict: { kind: 'cancelled' }, wallSeconds: 0, startupSeconds: 0, logs: '', logsTruncated: false };
    const image = await docker.image(spec.image);
    if (!image)
        throw new Error(`the engine has no image ${spec.image}`);
    const { limits } = spec;
    const parent = runParent(cgroups, (0,external_node_crypto_.randomBytes)(8).toString('hex'));
    let verdict;
    let id;
    // Listening from before the container exists: a cancellation while it is made or started
    // must not be lost (the second signal would end this process and leave it running).
    const cancel = () => {
        verdict ??= { kind: 'cancelled' };
        if (id)
            void docker.kill(id).catch(() => undefined);
    };
    spec.signal?.addEventListener('abort', cancel, { once: true });
    const usage = {};
    const note = (u) => {
        if (u.cpuSeconds !== undefined)
            usage.cpuSeconds = Math.max(usage.cpuSeconds ?? 0, u.cpuSeconds);
        if (u.peakMemoryBytes !== undefined)
            usage.peakMemoryBytes = Math.max(usage.peakMemoryBytes ?? 0, u.peakMemoryBytes);
    };
    // The wait holds a connection until the exit: closed at the end whatever happened.
    const waiting = new AbortController();
    let started;
    try {
        id = await docker.createContainer(weaken(hardenedConfig(spec, image.Config ?? {}, parent)));
        if (spec.signal?.aborted)
            return { verdict: { kind: 'cancelled' }, wallSeconds: 0, startupSeconds: 0, logs: '', logsTruncated: false };
        const c = id;
        // 'next-exit', taken up by the engine before the start: the default condition ('not-running')
        // can answer at once for a container that has not started yet.
        const exited = (await docker.wait(c, 'next-exit', waiting.signal)).exit;
        exited.catch(() => undefined);
        const startCall = external_node_perf_hooks_.performance.now();
        await docker.start(c);
        // The start call returns once the process runs: its duration is the platform's start-up
        // cost, reported apart; the wall time counts from there to the exit.
        started = external_node_perf_hooks_.performance.now();
        const startupSeconds = (started - startCall) / 1000;
        const stop = (v) => {
            verdict ??= v;
            void docker.kill(c).catch(() => undefined);
        };
        if (spec.signal?.aborted)
            stop({ kind: 'cancelled' });
        let watching = false;
        const watched = [{ source: spec.outputDir, target: '/output' }, ...(spec.mounts ?? []).filter((m) => m.watched ?? !m.readOnly)];
        const watch = setInterval(() => {
            if (watching)
                return;
            watching = true;
            void (async () => {
                note(await readUsage(cgroups, parent, c));
                // Files and folders count alike, and depth too: a tree of empty folders fills inodes as files do.
                for (const m of watched) {
                    const out = await (0,harvest/* measure */.xP)(m.source, {
                        maxEntries: limits.outputFiles,
                        maxBytes: limits.outputBytes,
                        maxDepth: limits.outputDepth,
                    });
                    if (out.exceeded)
                        stop({ kind: 'output-exceeded', what: out.exceeded.replace('/output', m.target) });
                }
            })().finally(() => (watching = false));
        }, WATCH_MS);
        let timer;
        const timeout = new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), limits.timeoutMs)));
        const first = await Promise.race([exited, timeout]);
        const ended = external_node_perf_hooks_.performance.now();
        clearInterval(watch);
        clearTimeout(timer);
        if (first === 'timeout') {
            // No grace period: a process that ignores SIGTERM gets SIGKILL at once.
            await docker.kill(c).catch(() => undefined);
            await exited.catch(() => undefined);
            verdict ??= { kind: 'timed-out', afterSeconds: limits.timeoutMs / 1000 };
        }
        const state = (await docker.inspect(c)).State;
        if (!verdict)
            verdict = state.OOMKilled ? { kind: 'out-of-memory' } : { kind: 'exited', exitCode: state.ExitCode };
        note(await readUsage(cgroups, parent, c));
        const logs = await readLogs(docker, c, limits.logBytes);
        return {
            verdict,
            wallSeconds: (ended - started) / 1000,
            startupSeconds,
            ...usage,
            ...logs,
        };
    }
    finally {
        spec.signal?.removeEventListener('abort', cancel);
        waiting.abort();
        if (id)
            await docker.remove(id).catch(() => undefined);
        if (parent)
            await removeParent(cgroups, parent);
    }
}
/** stdout and stderr, demultiplexed, in the order they came, capped. */
async function readLogs(docker, id, cap) {
    const parts = [];
    let size = 0;
    let truncated = false;
    const frames = new Demultiplexer((_stream, payload) => {
        if (truncated)
            return;
        if (size + payload.length > cap) {
            parts.push(Buffer.from(payload.subarray(0, cap - size)));
            truncated = true;
            return;
        }
        parts.push(Buffer.from(payload));
        size += payload.length;
    });
    try {
        for await (const chunk of await docker.logs(id)) {
            frames.push(chunk);
            if (truncated)
                break;
        }
    }
    catch {
        // What came before the failure is kept.
    }
    return { logs: Buffer.concat(parts).toString('utf8'), logsTruncated: truncated };
}
//# sourceMappingURL=docker.js.map

/***/ })

};
