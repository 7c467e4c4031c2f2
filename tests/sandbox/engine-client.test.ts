import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { contextEntries, dockerignore, tarArchive, type ContextEntry } from '../../runner/src/sandbox/container/build-context.js';
import { DockerClient, engineAddress } from '../../runner/src/sandbox/container/docker-api.js';
import { Demultiplexer, readJsonLines, type OutputStream } from '../../runner/src/sandbox/container/docker-stream.js';
import { dockerEngine } from '../../runner/src/sandbox/container/docker.js';
import { EngineApiError, EngineUnavailableError } from '../../runner/src/sandbox/container/errors.js';
import { walkTree } from '../../runner/src/files/tree.js';
import { BASE_IMAGE, engineAvailable, ensureBaseImage } from '../../scripts/busybox-image.js';
import { exampleCompetition } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';
import { requireTool } from '../helpers/tools.js';

/**
 * Podium's own client of the Docker Engine API: the formats it reads (recorded from a real
 * engine by tests/fixtures/engine/record.sh), the build context it writes (read back by GNU
 * tar, filtered as the Docker CLI filters it), its errors, and that only a container run loads it.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = path.join(ROOT, 'tests', 'fixtures', 'engine');
const temp = useTempDirs();

/** What the recorded container printed (see record.sh). */
const PRINTED = {
  stdout: `out 1\nout 2 \u00fc\n${'x'.repeat(40000)}\nout 3 without newline`,
  stderr: 'err 1\n\nerr 2\n',
};

function demultiplexed(chunks: Buffer[]): { stdout: string; stderr: string; frames: number; partial: boolean } {
  const got: Record<OutputStream, Buffer[]> = { stdout: [], stderr: [] };
  let frames = 0;
  const d = new Demultiplexer((stream, payload) => {
    got[stream].push(Buffer.from(payload));
    frames++;
  });
  for (const c of chunks) d.push(c);
  return {
    stdout: Buffer.concat(got.stdout).toString('utf8'),
    stderr: Buffer.concat(got.stderr).toString('utf8'),
    frames,
    partial: d.partial,
  };
}

describe('the multiplexed output of a container, as the engine sends it', () => {
  it('splits a recorded answer into stdout and stderr, however the chunks fall', async () => {
    const raw = await readFile(path.join(FIXTURES, 'logs.bin'));
    // The engine cut the 40,001-byte line into 16 KiB messages: three frames for it.
    expect(demultiplexed([raw])).toEqual({ ...PRINTED, frames: 9, partial: false });
    const bytes = Array.from({ length: raw.length }, (_, i) => raw.subarray(i, i + 1));
    expect(demultiplexed(bytes)).toEqual({ ...PRINTED, frames: 9, partial: false });
    for (const cut of [1, 3, 7, 8, 9, 13, 100, 16_392, 16_400]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < raw.length; at += cut) chunks.push(raw.subarray(at, at + cut));
      expect(demultiplexed(chunks), `chunks of ${cut} bytes`).toEqual({ ...PRINTED, frames: 9, partial: false });
    }
  });

  it('says when the answer stops inside a frame, and refuses what is not this format (a TTY’s raw text)', async () => {
    const raw = await readFile(path.join(FIXTURES, 'logs.bin'));
    expect(demultiplexed([raw.subarray(0, raw.length - 5)]).partial).toBe(true);
    expect(demultiplexed([raw.subarray(0, 4)]).partial).toBe(true);
    expect(() => demultiplexed([Buffer.from('plain text from a TTY\n')])).toThrow(/not a multiplexed stream/);
  });
});

describe('the JSON lines of a build, as the engine sends them', () => {
  it('reads a recorded failed build: the step’s output, then the failure', async () => {
    const raw = await readFile(path.join(FIXTURES, 'build.jsonl'));
    for (const cut of [raw.length, 1, 5, 64]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < raw.length; at += cut) chunks.push(raw.subarray(at, at + cut));
      const objects: Record<string, unknown>[] = [];
      await readJsonLines(Readable.from(chunks), (o) => objects.push(o));
      const log = objects.map((o) => (typeof o.stream === 'string' ? o.stream : '')).join('');
      expect(log, `chunks of ${cut} bytes`).toContain('Step 2/2 : RUN echo "step output \u00fc" && exit 3\n');
      expect(log).toMatch(/^step output \u00fc$/m);
      expect(objects.at(-1)!.error).toMatch(/returned a non-zero code: 3$/);
      expect(objects.filter((o) => o.error)).toHaveLength(1);
    }
  });

  it('refuses a line that is not JSON', async () => {
    await expect(readJsonLines(Readable.from([Buffer.from('{"stream":"a"}\r\nnot json\r\n')]), () => {})).rejects.toThrow(
      /not JSON: not json/,
    );
  });
});

describe('the image a build made', () => {
  /** An engine on a socket of its own that answers a build with a recorded stream, and whose tag has since moved on. */
  async function movedTagEngine(stream: string, made: string, moved: string) {
    const socket = path.join(await temp(), 'engine.sock');
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://engine');
        const image = /\/images\/(.+)\/json$/.exec(url.pathname);
        res.setHeader('content-type', 'application/json');
        if (req.method === 'POST' && url.pathname.endsWith('/build')) res.end(stream);
        else if (url.pathname.endsWith('/info')) res.end(JSON.stringify({ CgroupDriver: 'systemd', CgroupVersion: '2' }));
        // Asked by id, the image the build made; asked by tag, the image another build tagged since.
        else if (image) res.end(JSON.stringify({ Id: decodeURIComponent(image[1]!) === made ? made : moved, Size: 1000, RepoDigests: [] }));
        else {
          res.statusCode = 404;
          res.end(JSON.stringify({ message: `no ${url.pathname} here` }));
        }
      });
    });
    await new Promise<void>((r) => server.listen(socket, r));
    return { host: `unix://${socket}`, close: () => new Promise<void>((r) => server.close(() => r())) };
  }

  it('is the one the engine names at the end of the build, whatever the tag points at by then (control: without that line, the build is refused)', async () => {
    const recorded = await readFile(path.join(FIXTURES, 'build-ok.jsonl'), 'utf8');
    const made = /"ID":"(sha256:[0-9a-f]{64})"/.exec(recorded)![1]!;
    const moved = `sha256:${'f'.repeat(64)}`;
    const context = await temp();
    await writeFile(path.join(context, 'Dockerfile'), `FROM ${BASE_IMAGE}\nRUN echo built > /built\n`);
    const built = async (stream: string) => {
      const engine = await movedTagEngine(stream, made, moved);
      try {
        return (await dockerEngine({ host: engine.host }).build(context, 'podium-submission/t-moved:latest', {})).id;
      } finally {
        await engine.close();
      }
    };
    expect(await built(recorded)).toBe(made);
    const withoutId = recorded
      .split('\n')
      .filter((l) => !l.includes('"aux"'))
      .join('\n');
    await expect(built(withoutId)).rejects.toThrow(/the engine did not say which image it built/);
  });
});

describe('the build context', () => {
  it('is a tar archive GNU tar reads back whole: long and non-ASCII names, modes, empty files, a given Dockerfile', async () => {
    const dir = await temp();
    const long = `deep/${'d'.repeat(120)}/file.txt`;
    const files: Record<string, string> = {
      'run.sh': '#!/bin/sh\necho hi\n',
      'na\u00efve-\u00fc.txt': 'caf\u00e9\n',
      empty: '',
      [long]: 'far down\n',
    };
    for (const [rel, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
      await writeFile(path.join(dir, rel), text);
    }
    await chmod(path.join(dir, 'run.sh'), 0o755);
    await chmod(path.join(dir, 'empty'), 0o600);
    const big = Buffer.alloc(3 * 1048576 + 17, 'y');
    await writeFile(path.join(dir, 'big.bin'), big);
    const entries: ContextEntry[] = [...Object.keys(files), 'big.bin'].map((rel) => ({ name: rel, file: path.join(dir, rel) }));
    entries.push({ name: '.podium-dockerfile-x', data: Buffer.from('FROM scratch\n') });
    const tarFile = path.join(await temp(), 'context.tar');
    const parts: Buffer[] = [];
    for await (const b of tarArchive(entries)) parts.push(b);
    await writeFile(tarFile, Buffer.concat(parts));
    expect(Buffer.concat(parts).length % 512).toBe(0);

    const listing = execFileSync('tar', ['--numeric-owner', '-tvf', tarFile], { encoding: 'utf8' }).trim().split('\n');
    expect(listing.map((l) => l.split(/\s+/).slice(5).join(' '))).toEqual([...Object.keys(files), 'big.bin', '.podium-dockerfile-x']);
    expect(listing[0]).toMatch(/^-rwxr-xr-x 0\/0 +18 /);
    expect(listing[2]).toMatch(/^-rw------- 0\/0 +0 /);
    const out = await temp();
    execFileSync('tar', ['-xf', tarFile, '-C', out]);
    for (const [rel, text] of Object.entries(files)) expect(await readFile(path.join(out, rel), 'utf8')).toBe(text);
    expect((await readFile(path.join(out, 'big.bin'))).equals(big)).toBe(true);
    expect(await readFile(path.join(out, '.podium-dockerfile-x'), 'utf8')).toBe('FROM scratch\n');
    expect((await stat(path.join(out, 'run.sh'))).mode & 0o777).toBe(0o755);
  });

  it('never reads through a link put where a listed file was (control: the regular file is read)', async () => {
    const dir = await temp();
    const secret = path.join(await temp(), 'runner-secret');
    await writeFile(secret, 'hunter2\n');
    await writeFile(path.join(dir, 'a.txt'), 'mine\n');
    const read = async () => {
      const parts: Buffer[] = [];
      for await (const b of tarArchive([{ name: 'a.txt', file: path.join(dir, 'a.txt') }])) parts.push(b);
      return Buffer.concat(parts).toString('latin1');
    };
    expect(await read()).toContain('mine\n');
    execFileSync('rm', [path.join(dir, 'a.txt')]);
    await symlink(secret, path.join(dir, 'a.txt'));
    await expect(read()).rejects.toThrow(/ELOOP/);
  });

  it.each([
    ['*.log', ['a.log'], ['x/a.log', 'a.logx']],
    ['**/*.log', ['a.log', 'x/y/a.log'], ['a.txt']],
    ['*.log\n!keep.log', ['a.log'], ['keep.log']],
    ['build', ['build', 'build/x/y.o'], ['builder', 'x/build']],
    ['sub\n!sub/keep', ['sub/a', 'sub/x/keep'], ['sub/keep']],
    ['sub/**', ['sub/a', 'sub/x/y'], ['sub', 'subx/a']],
    ['**/tmp', ['tmp/a', 'x/tmp', 'x/y/tmp/z'], ['tmpx']],
    ['/abs.txt\n./rel.txt\nx/../up.txt\ndir/', ['abs.txt', 'rel.txt', 'up.txt', 'dir/f'], ['x/abs.txt', 'x/up.txt']],
    ['secret?.txt', ['secret1.txt'], ['secret12.txt', 'secret/.txt']],
    ['\uFEFF# a comment\r\n\r\n  *.md  \r\n', ['README.md'], ['# a comment', 'x/a.md']],
    ['\\*.txt\nfile[0-9].c\na.b', ['*.txt', 'file7.c', 'a.b'], ['x.txt', 'filex.c', 'axb']],
  ])('reads .dockerignore as Docker does: %j', (text, excluded, kept) => {
    const read = dockerignore(text);
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    for (const rel of excluded) expect(read.excluded(rel), `${rel} excluded`).toBe(true);
    for (const rel of kept) expect(read.excluded(rel), `${rel} kept`).toBe(false);
  });

  it('matches in time linear in the name, whatever the pattern: a participant cannot stall the runner with one', () => {
    // As a backtracking regular expression, each of these patterns takes longer than the age of
    // the universe on these names (10 stars on 40 characters already took 24 s). A match is
    // synchronous, so it runs in a process of its own, from the build, with a time limit.
    const probe = `
      import { dockerignore } from ${JSON.stringify(pathToFileURL(path.join(ROOT, 'build/runner/src/sandbox/container/build-context.js')).href)};
      const read = dockerignore(${JSON.stringify(`${'*a'.repeat(25)}*b\n${'**/'.repeat(25)}b\n`)});
      const names = [${JSON.stringify('a'.repeat(200))}, ${JSON.stringify(`${'x/'.repeat(100)}c`)},
        ${JSON.stringify(`${'a'.repeat(30)}b`)}, ${JSON.stringify(`${'x/'.repeat(40)}b`)}, ${JSON.stringify(`${'a'.repeat(24)}b`)}];
      console.log(JSON.stringify(names.map((n) => read.excluded(n))));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8', timeout: 10_000 });
    expect(run.signal, 'the match did not finish within 10 s').toBeNull();
    expect(run.stderr).toBe('');
    // Not those two long names; the same patterns still match what they name.
    expect(JSON.parse(run.stdout)).toEqual([false, false, true, true, false]);
  }, 20_000);

  it('names the .dockerignore line Docker could not read', async () => {
    expect(dockerignore('*.log\n!\n')).toEqual({ ok: false, line: 2, why: 'a "!" with no pattern after it' });
    expect(dockerignore('ok\n\nfile[0-9.c\n')).toMatchObject({ ok: false, line: 3, why: expect.stringContaining('file[0-9.c') });
    expect(dockerignore('trailing\\')).toMatchObject({ ok: false, line: 1 });
    const dir = await temp();
    await writeFile(path.join(dir, '.dockerignore'), '[\n');
    expect(await contextEntries(dir, ['.dockerignore'])).toEqual({ ok: false, why: '.dockerignore, line 1: "[" is not a valid pattern' });
  });

  it('always sends the Dockerfile and the .dockerignore, as the Docker CLI does, and a given Dockerfile under its own name', async () => {
    const dir = await temp();
    for (const f of ['Dockerfile', '.dockerignore', 'a.txt', 'b.log'])
      await writeFile(path.join(dir, f), f === '.dockerignore' ? '*\n' : 'x');
    const names = async (own?: { name: string; text: string }) => {
      const r = await contextEntries(
        dir,
        (await walkTree(dir, { maxFileBytes: 1e9, maxFiles: 100 })).files.map((f) => f.rel),
        own,
      );
      return r.ok ? r.entries.map((e) => e.name) : r.why;
    };
    expect(await names()).toEqual(['.dockerignore', 'Dockerfile']);
    expect(await names({ name: '.podium-dockerfile-1', text: 'FROM x\n' })).toEqual(['.dockerignore', '.podium-dockerfile-1']);
  });
});

describe('where the engine is', () => {
  it('reads DOCKER_HOST as the Docker CLI does', () => {
    expect(engineAddress({}, 'unix:///run/user/1000/docker.sock')).toMatchObject({
      socketPath: '/run/user/1000/docker.sock',
      origin: 'caller',
    });
    expect(engineAddress({ DOCKER_HOST: 'unix:///x.sock' })).toMatchObject({ socketPath: '/x.sock', origin: 'DOCKER_HOST' });
    expect(engineAddress({})).toMatchObject({ socketPath: expect.stringMatching(/docker\.sock$/), origin: 'default' });
    expect(engineAddress({}, 'tcp://10.0.0.5:2375')).toMatchObject({ host: '10.0.0.5', port: 2375 });
    expect(engineAddress({}, 'tcp://10.0.0.5:2375').tls).toBeUndefined();
    expect(engineAddress({}, 'tcp://engine.example:2376').tls).toEqual({});
    expect(engineAddress({ DOCKER_TLS_VERIFY: '1' }, 'localhost:4243')).toMatchObject({ host: 'localhost', port: 4243, tls: {} });
    // Any value turns verification on, as in the Docker CLI (without it, 2375 is plain HTTP: above).
    expect(engineAddress({ DOCKER_TLS_VERIFY: 'true' }, 'tcp://localhost:2375')).toMatchObject({ tls: {} });
    expect(() => engineAddress({}, 'ssh://me@host')).toThrow(/unix:\/\/ or tcp:\/\/ only; forward the engine's socket/);
  });

  it('says so when no engine answers there, and how to start one', async () => {
    const nowhere = `unix://${path.join(await temp(), 'docker.sock')}`;
    const engine = dockerEngine({ host: nowhere });
    expect(await engine.ping()).toBe(false);
    const error = await engine.describe().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect((error as Error).message).toContain(`no Docker engine answers at ${nowhere}: ENOENT on GET /version`);
    expect((error as Error).message).toContain('start the engine (sudo systemctl start docker');
    expect((error as Error).message).toContain('set DOCKER_HOST');
    const refused = await new DockerClient('tcp://127.0.0.1:1').ping().catch((e: unknown) => e);
    expect((refused as Error).message).toMatch(
      /^no Docker engine answers at tcp:\/\/127\.0\.0\.1:1: ECONNREFUSED on GET \/_ping; start the engine there/,
    );
  });
});

const engine = requireTool('a Docker engine', await engineAvailable());

describe.skipIf(!engine)('the client on the real engine', () => {
  it('answers, and passes on a refusal with the engine’s status and message', async () => {
    const client = new DockerClient();
    await client.ping();
    expect((await client.version()).ApiVersion).toMatch(/^\d+\.\d+$/);
    const error = await client.inspect('podium-test-no-such-container').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineApiError);
    expect(error).toMatchObject({ status: 404, engineMessage: expect.stringMatching(/No such container: podium-test-no-such-container/i) });
    expect((error as Error).message).toMatch(
      /\(the Docker engine answered 404 to GET \/containers\/podium-test-no-such-container\/json\)$/,
    );
    expect(await client.image('podium-test/no-such-image:x')).toBeUndefined();
  });

  it('sends the context `docker build` sends: the same files reach COPY, .dockerignore applied', async () => {
    await ensureBaseImage();
    const dir = await temp();
    const files = [
      'a.log',
      'keep.log',
      'x/a.log',
      'build/out.bin',
      'sub/x',
      'sub/important',
      'deep/er/f.tmp',
      'docs/a.md',
      'docs/sub/b.md',
      'secret1.txt',
      'secret12.txt',
      'abs.txt',
      'x/abs.txt',
      'plain.txt',
    ];
    for (const rel of files) {
      await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
      await writeFile(path.join(dir, rel), rel);
    }
    await writeFile(
      path.join(dir, '.dockerignore'),
      '# made by the test\n*.log\n!keep.log\nbuild\ndocs/*.md\n**/*.tmp\nsecret?.txt\n/abs.txt\nsub/**\n!sub/important\n.dockerignore\n',
    );
    await writeFile(path.join(dir, 'Dockerfile'), `FROM ${BASE_IMAGE}\nCOPY . /ctx\n`);
    const tag = (who: string) => `podium-test/context-${who}-${Math.random().toString(36).slice(2)}:x`;
    const listed = (image: string) =>
      execFileSync('docker', ['run', '--rm', '--network', 'none', image, 'find', '/ctx', '-type', 'f'], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .sort();
    const cli = tag('cli');
    const ours = tag('podium');
    try {
      execFileSync('docker', ['build', '-q', '-t', cli, dir], { env: { ...process.env, DOCKER_BUILDKIT: '0' }, stdio: 'pipe' });
      await dockerEngine().build(dir, ours, {});
      const fromCli = listed(cli);
      // Control: the .dockerignore changed what was sent, so the comparison can tell.
      expect(fromCli).toContain('/ctx/keep.log');
      expect(fromCli).not.toContain('/ctx/a.log');
      expect(fromCli).not.toContain('/ctx/.dockerignore');
      expect(listed(ours)).toEqual(fromCli);
    } finally {
      execFileSync('docker', ['rmi', '-f', cli, ours], { stdio: 'ignore' });
    }
  }, 120_000);
});

describe('the engine is loaded only where a container runs', () => {
  /** The modules of Podium that `podium ARGS` loads, from the build, seen by a loader hook. */
  async function loaded(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ modules: string[]; status: number | null; out: string }> {
    const dir = await temp();
    const log = path.join(dir, 'loaded.txt');
    await writeFile(
      path.join(dir, 'hooks.mjs'),
      `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) {\n  appendFileSync(${JSON.stringify(log)}, url + '\\n');\n  return next(url, context);\n}\n`,
    );
    await writeFile(
      path.join(dir, 'register.mjs'),
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(path.join(dir, 'hooks.mjs')).href)});\n`,
    );
    await writeFile(log, '');
    const r = spawnSync(
      process.execPath,
      ['--import', pathToFileURL(path.join(dir, 'register.mjs')).href, path.join(ROOT, 'bin', 'podium.js'), ...args],
      {
        encoding: 'utf8',
        env: { ...process.env, ...env },
      },
    );
    const modules = (await readFile(log, 'utf8'))
      .split('\n')
      .filter((u) => u.includes('/build/runner/src/sandbox/container/'))
      .map((u) => path.basename(new URL(u).pathname));
    return { modules, status: r.status, out: r.stdout + r.stderr };
  }
  const ENGINE = ['docker.js', 'docker-api.js', 'docker-stream.js', 'build-context.js'];

  it('a predictions-only evaluation loads no engine code (control: a container submission’s does)', async () => {
    const ex = await exampleCompetition(await temp(), { edit: (y) => y.replace(/kinds: \[.*\]/, 'kinds: [predictions, container]') });
    const out = path.join(await temp(), 'record.json');
    const predictions = await loaded([
      'evaluate',
      '--competition',
      ex.dir,
      '--hidden',
      ex.hidden,
      '--out',
      out,
      path.join(ex.dir, 'submissions', 'baseline', 'nearest-centroid'),
    ]);
    expect(predictions.status, predictions.out).toBe(0);
    expect(JSON.parse(await readFile(out, 'utf8'))).toMatchObject({ status: 'scored' });
    // The evaluation path itself was seen, so an empty list means something.
    expect(predictions.modules).toContain('evaluate-container.js');
    expect(predictions.modules.filter((m) => ENGINE.includes(m))).toEqual([]);

    const sub = await ex.submit('t', 'c', {
      'submission.yml': `team: t\nname: c\nkind: container\nimage: podium-test/none@sha256:${'0'.repeat(64)}\n`,
    });
    const container = await loaded(['evaluate', '--competition', ex.dir, '--hidden', ex.hidden, '--out', out, sub], {
      DOCKER_HOST: `unix://${path.join(await temp(), 'docker.sock')}`,
    });
    expect(JSON.parse(await readFile(out, 'utf8'))).toMatchObject({ status: 'failed', error: { code: 'no-engine' } });
    expect(container.modules).toEqual(expect.arrayContaining(['docker.js', 'docker-api.js']));
  }, 60_000);
});
