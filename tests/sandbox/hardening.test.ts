import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { ContainerConfig } from '../../runner/src/sandbox/container/docker-api.js';
import { evaluateSubmission } from '../../runner/src/evaluate/evaluate.js';
import { checkRecord } from '../../runner/src/results/record.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import { dockerEngine, runEnvironment } from '../../runner/src/sandbox/container/docker.js';
import { readHarvested } from '../../runner/src/sandbox/container/harvest.js';
import { checkToolkit, parseToolkitVersion } from '../../runner/src/sandbox/gpu/toolkit.js';
import { BASE_IMAGE, engineAvailable, ensureBaseImage } from '../../scripts/busybox-image.js';
import { exampleCompetition, type ExampleCompetition } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';
import { requireTool } from '../helpers/tools.js';

/**
 * The sandbox where a review found it open, each hole shown closed against the real engine,
 * and each isolation check with a control in the same test: the same probe run with that one
 * protection taken away succeeds, so the check can fail.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const temp = useTempDirs();
const PREDICT = `awk -F, 'NR==1{print "id,label"; next} {print $1 "," ($2 > -21 ? "music" : "speech")}' /input/test.csv > /output/predictions.csv`;
const RUNTIME = (extra = '') =>
  `runtime:\n  timeout_seconds: 20\n  memory_mb: 64\n  pids: 64\n  max_output_mb: 1\n  max_output_files: 50\n  base_images: [${BASE_IMAGE}]\n${extra}`;
const cgroupsWritable = existsSync('/sys/fs/cgroup/pids') || existsSync('/sys/fs/cgroup/cgroup.controllers');

interface Setup {
  ex: ExampleCompetition;
  dir: string;
}

/** The example competition with a container submission: a script, a Dockerfile, runtime lines. */
async function setup(script: string, opts: { dockerfile?: string; runtime?: string; kind?: string } = {}): Promise<Setup> {
  const root = await temp();
  const ex = await exampleCompetition(root, {
    edit: (y) =>
      y.replace(/kinds: \[.*\]/, 'kinds: [predictions, container]').replace('leaderboard:', `${RUNTIME(opts.runtime)}leaderboard:`),
  });
  const dir = await ex.submit('t', 'c', {
    'submission.yml': 'team: t\nname: c\nkind: container\nbuild: .\n',
    Dockerfile: opts.dockerfile ?? `FROM ${BASE_IMAGE}\nCOPY run.sh /run.sh\nCMD ["/bin/sh", "/run.sh"]\n`,
    'run.sh': `${script}\n`,
  });
  return { ex, dir };
}

async function evaluate(s: Setup, engine = dockerEngine()): Promise<{ record: ResultRecord; logs: string }> {
  let logs = '';
  const record = await evaluateSubmission({
    competition: s.ex.competition,
    hiddenDir: s.ex.hidden,
    submissionDir: s.dir,
    engine,
    onLogs: (l) => (logs = l),
  });
  expect(checkRecord(record).ok).toBe(true);
  return { record, logs };
}

const message = (r: ResultRecord) =>
  r.status === 'scored'
    ? ''
    : `${r.error.code}: ${r.error.message}\n${(r.error.problems ?? []).map((p) => `${p.file}:${p.line} ${p.message}`).join('\n')}`;

/** An engine whose runs lack one protection: the controls. */
const weakened = (change: (c: ContainerConfig) => void) =>
  dockerEngine({
    weaken: (c) => {
      const copy = structuredClone(c);
      change(copy);
      return copy;
    },
  });

describe('what a run sees of its environment', () => {
  it('keeps the image’s own variables but none that steer the loader or the NVIDIA runtime', () => {
    const env = runEnvironment([
      'PATH=/opt/conda/bin:relative:/proc/self/cwd:/usr/bin',
      'LD_PRELOAD=/x.so',
      'LD_LIBRARY_PATH=.',
      'NVIDIA_VISIBLE_DEVICES=all',
      'GLIBC_TUNABLES=x',
      'PYTHONPATH=/app',
    ]);
    expect(env).toEqual(
      expect.arrayContaining([
        'PATH=/opt/conda/bin:/usr/bin',
        'LD_PRELOAD=',
        'LD_LIBRARY_PATH=',
        'NVIDIA_VISIBLE_DEVICES=void',
        'GLIBC_TUNABLES=',
        'PYTHONPATH=/app',
        'HOME=/tmp',
      ]),
    );
    expect(runEnvironment([], ['2', '3'])).toEqual(
      expect.arrayContaining(['NVIDIA_VISIBLE_DEVICES=2,3', 'NVIDIA_DRIVER_CAPABILITIES=compute,utility']),
    );
  });

  it('GPU runs need an NVIDIA Container Toolkit of 1.17.8 or newer, read from nvidia-ctk', async () => {
    const answer = (v: string) => () => Promise.resolve(`NVIDIA Container Toolkit CLI version ${v}\ncommit: 0123456789abcdef\n`);
    expect(parseToolkitVersion('NVIDIA Container Toolkit CLI version 1.17.8\ncommit: x\n')).toEqual([1, 17, 8]);
    expect(await checkToolkit(answer('1.17.7'))).toMatchObject({ ok: false, why: expect.stringContaining('CVE-2025-23266') });
    expect(await checkToolkit(answer('1.17.8'))).toEqual({ ok: true, version: '1.17.8' });
    expect(await checkToolkit(answer('1.18.0'))).toEqual({ ok: true, version: '1.18.0' });
    expect(await checkToolkit(answer('2.0.0-rc.1'))).toEqual({ ok: true, version: '2.0.0' });
    expect(await checkToolkit(() => Promise.resolve('something else'))).toMatchObject({
      ok: false,
      why: expect.stringContaining('printed no version'),
    });
    expect(await checkToolkit(() => Promise.reject(new Error('spawn nvidia-ctk ENOENT')))).toMatchObject({ ok: false });
  });
});

describe('reading what a sandboxed program left', () => {
  it('never follows a link: a link to a file of the runner reads as nothing', async () => {
    const dir = await temp();
    const secret = path.join(await temp(), 'runner-secret');
    await writeFile(secret, 'hunter2-on-the-runner\n');
    await symlink(secret, path.join(dir, 'detailed_results.html'));
    await writeFile(path.join(dir, 'scores.txt'), 'a: 1\n');
    // Control: reading the path as plain code does follows the link.
    expect(await readFile(path.join(dir, 'detailed_results.html'), 'utf8')).toContain('hunter2-on-the-runner');
    expect(await readHarvested(dir, 'detailed_results.html', 1 << 20)).toBeUndefined();
    expect(await readHarvested(dir, 'scores.txt', 1 << 20)).toBe('a: 1\n');
  });
});

const engine = requireTool('a Docker engine', await engineAvailable());

describe.skipIf(!engine)('the sandbox on the real engine', () => {
  beforeAll(async () => {
    await ensureBaseImage();
  }, 120_000);

  it('closes the network: a TCP connection to a listener on the runner’s loopback fails (control: with the host’s network it connects)', async () => {
    const server = net.createServer((s) => s.end('hello-from-the-runner\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const probe = `nc -w 2 127.0.0.1 ${port} </dev/null && echo NET-OPEN || echo NET-CLOSED\n${PREDICT}`;
      const closed = await evaluate(await setup(probe));
      expect(closed.logs).toContain('NET-CLOSED');
      expect(closed.logs).not.toContain('hello-from-the-runner');
      const open = await evaluate(
        await setup(probe),
        weakened((c) => {
          c.NetworkDisabled = false;
          c.HostConfig!.NetworkMode = 'host';
        }),
      );
      expect(open.logs).toContain('hello-from-the-runner');
      expect(open.logs).toContain('NET-OPEN');
    } finally {
      server.close();
    }
  });

  it('keeps the root file system read-only: a world-writable folder of the image cannot be written (control: without --read-only it can)', async () => {
    const probe = `touch /writable/x 2>/dev/null && echo ROOT-WRITABLE || echo ROOT-READONLY\n${PREDICT}`;
    expect((await evaluate(await setup(probe))).logs).toContain('ROOT-READONLY');
    expect(
      (
        await evaluate(
          await setup(probe),
          weakened((c) => (c.HostConfig!.ReadonlyRootfs = false)),
        )
      ).logs,
    ).toContain('ROOT-WRITABLE');
  });

  it('mounts the inputs read-only: a world-writable input folder cannot be written (control: mounted writable it can)', async () => {
    const probe = `touch /input/x 2>/dev/null && echo INPUT-WRITABLE || echo INPUT-READONLY\n${PREDICT}`;
    const s = await setup(probe);
    await chmod(path.join(s.ex.hidden, 'inputs'), 0o777);
    expect((await evaluate(s)).logs).toContain('INPUT-READONLY');
    const w = await setup(probe);
    await chmod(path.join(w.ex.hidden, 'inputs'), 0o777);
    expect(
      (
        await evaluate(
          w,
          weakened((c) => (c.HostConfig!.Mounts![0]!.ReadOnly = false)),
        )
      ).logs,
    ).toContain('INPUT-WRITABLE');
  });

  it('gives no runner environment and no Docker socket (control: passed in, the probe shows them)', async () => {
    process.env.PODIUM_TEST_SECRET = 'hunter2-secret';
    try {
      const probe = `env; ls /var/run/docker.sock 2>/dev/null && echo SOCKET-THERE || echo NO-SOCKET\n${PREDICT}`;
      const shut = await evaluate(await setup(probe));
      expect(shut.logs).not.toContain('hunter2-secret');
      expect(shut.logs).toContain('NO-SOCKET');
      const leaky = await evaluate(
        await setup(probe),
        weakened((c) => {
          c.Env = [...(c.Env ?? []), `PODIUM_TEST_SECRET=${process.env.PODIUM_TEST_SECRET}`];
          c.HostConfig!.Mounts!.push({ Type: 'bind', Source: '/var/run/docker.sock', Target: '/var/run/docker.sock', ReadOnly: true });
        }),
      );
      expect(leaky.logs).toContain('hunter2-secret');
      expect(leaky.logs).toContain('SOCKET-THERE');
    } finally {
      delete process.env.PODIUM_TEST_SECRET;
    }
  });

  it('runs with no capabilities and no new privileges, as the kernel reports them (control: root without those settings has both)', async () => {
    // A setuid binary is no probe here: busybox drops its privileges itself for most applets.
    const probe = `grep -E '^(CapEff|NoNewPrivs):' /proc/self/status\n${PREDICT}`;
    const locked = await evaluate(await setup(probe));
    expect(locked.logs).toMatch(/^CapEff:\s+0000000000000000$/m);
    expect(locked.logs).toMatch(/^NoNewPrivs:\s+1$/m);
    const open = await evaluate(
      await setup(probe),
      weakened((c) => {
        c.User = '0:0';
        c.HostConfig!.CapDrop = [];
        c.HostConfig!.SecurityOpt = [];
      }),
    );
    expect(open.logs).not.toMatch(/^CapEff:\s+0000000000000000$/m);
    expect(open.logs).toMatch(/^NoNewPrivs:\s+0$/m);
  });

  it('sets the environment itself: an image’s LD_PRELOAD and NVIDIA_VISIBLE_DEVICES do not reach the run (control: the image’s environment as it is)', async () => {
    const dockerfile = `FROM ${BASE_IMAGE}\nENV LD_PRELOAD=/nonexistent.so NVIDIA_VISIBLE_DEVICES=all KEEP_ME=yes\nCOPY run.sh /run.sh\nCMD ["/bin/sh", "/run.sh"]\n`;
    const probe = `env | sort\n${PREDICT}`;
    const set = await evaluate(await setup(probe, { dockerfile }));
    expect(set.logs).toMatch(/^LD_PRELOAD=$/m);
    expect(set.logs).toMatch(/^NVIDIA_VISIBLE_DEVICES=void$/m);
    expect(set.logs).toMatch(/^KEEP_ME=yes$/m);
    const raw = await evaluate(
      await setup(probe, { dockerfile }),
      weakened((c) => delete c.Env),
    );
    expect(raw.logs).toMatch(/^LD_PRELOAD=\/nonexistent\.so$/m);
    expect(raw.logs).toMatch(/^NVIDIA_VISIBLE_DEVICES=all$/m);
  });

  it('gives an image’s VOLUME a small tmpfs, not unmetered disk (control: as Docker would, a volume on the runner’s disk)', async () => {
    // Built outside Podium (a Dockerfile here may not declare VOLUME), as an image a participant names.
    const dir = await temp();
    await writeFile(path.join(dir, 'Dockerfile'), `FROM ${BASE_IMAGE}\nVOLUME /data\n`);
    const tag = `podium-test/volume-${Math.random().toString(36).slice(2)}:x`;
    execFileSync('docker', ['build', '-q', '-t', tag, dir], { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
    try {
      const s = await setup('');
      await writeFile(
        path.join(s.dir, 'submission.yml'),
        `team: t\nname: c\nkind: container\nimage: ${execFileSync('docker', ['image', 'inspect', '--format', '{{.Id}}', tag], { encoding: 'utf8' }).trim()}\n`,
      );
      const probe = (e: ReturnType<typeof dockerEngine>) => evaluate(s, e).then(({ logs }) => logs);
      // The image has no command of its own: the probe is given as the run's.
      const withCmd = (extra?: (c: ContainerConfig) => void) =>
        weakened((c) => {
          c.Cmd = ['/bin/sh', '-c', `grep ' /data ' /proc/mounts; ${PREDICT}`];
          extra?.(c);
        });
      expect(await probe(withCmd())).toMatch(/^tmpfs \/data tmpfs rw,nosuid,nodev/m);
      expect(await probe(withCmd((c) => delete (c.HostConfig!.Tmpfs as Record<string, string>)['/data']))).not.toMatch(/^tmpfs \/data/m);
    } finally {
      execFileSync('docker', ['rmi', '-f', tag], { stdio: 'ignore' });
    }
  });

  it('a cancellation that comes while the container is being made or started is not lost', async () => {
    const io = await temp();
    await mkdir(path.join(io, 'in'));
    await mkdir(path.join(io, 'out'));
    const sleeper = weakened((c) => (c.Cmd = ['sleep', '30']));
    for (const after of [0, 10, 30, 60, 120]) {
      const controller = new AbortController();
      const started = Date.now();
      const run = sleeper.run({
        image: BASE_IMAGE,
        inputDir: path.join(io, 'in'),
        outputDir: path.join(io, 'out'),
        limits: {
          memoryBytes: 64 << 20,
          nanoCpus: 1e9,
          pids: 64,
          timeoutMs: 30_000,
          outputBytes: 1 << 20,
          outputFiles: 50,
          outputDepth: 8,
          logBytes: 4096,
        },
        labels: { 'podium.run': 'evaluate' },
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(), after);
      const result = await run;
      expect(result.verdict, `aborted after ${after} ms`).toEqual({ kind: 'cancelled' });
      expect(Date.now() - started, `aborted after ${after} ms`).toBeLessThan(10_000);
    }
  });

  it('counts folders against the output limit: 3,000 empty folders are refused (control: a few are fine)', async () => {
    const many = await evaluate(await setup(`i=0; while [ $i -lt 3000 ]; do mkdir /output/d$i; i=$((i+1)); done\n${PREDICT}`));
    expect(many.record).toMatchObject({ status: 'failed', error: { code: 'container-output-exceeded' } });
    expect(message(many.record)).toContain('more than 50 files and folders in /output');
    const few = await evaluate(await setup(`mkdir /output/a /output/b /output/c\n${PREDICT}`));
    expect(few.record.status, message(few.record)).toBe('scored');
  });

  it('a tree 1,500 folders deep: a verdict, a record, and no output folder left on the runner', async () => {
    const tmp = await temp();
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const deep = await evaluate(
        await setup(`cd /output; i=0; while [ $i -lt 1500 ]; do mkdir d; cd d; i=$((i+1)); done; cd /\n${PREDICT}`),
      );
      expect(deep.record.status).toBe('failed');
      expect(message(deep.record)).toMatch(/nested deeper than 32 levels in \/output/);
      expect((await readdir(tmp)).filter((n) => n.startsWith('podium-output-'))).toEqual([]);
      // Control: a shallow tree scores.
      const shallow = await evaluate(await setup(`mkdir -p /output/a/b/c/d\n${PREDICT}`));
      expect(shallow.record.status, message(shallow.record)).toBe('scored');
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  it('withholds quotes of a container’s output on hidden inputs (control: the same rows in a predictions file are quoted)', async () => {
    // The container turns a hidden input row into ids, so that an "unknown id" message would carry it out.
    const leak = `awk -F, 'NR==1{print "id,label"; next} NR==2{gsub(/,/, "_"); print "LEAK_" $0 ",music"}' /input/test.csv > /output/predictions.csv`;
    const s = await setup(leak);
    const row = (await readFile(path.join(s.ex.hidden, 'inputs', 'test.csv'), 'utf8')).split('\n')[1]!.replace(/,/g, '_');
    const { record } = await evaluate(s);
    expect(record.status).toBe('rejected');
    expect(message(record)).toContain('an id that is not in the test set (line 2)');
    expect(message(record)).not.toContain(row);
    const own = await s.ex.submit('t', 'file', {
      'submission.yml': 'team: t\nname: file\nkind: predictions\npredictions: predictions.csv\n',
      'predictions.csv': `id,label\nLEAK_${row},music\n`,
    });
    const quoted = await evaluateSubmission({ competition: s.ex.competition, hiddenDir: s.ex.hidden, submissionDir: own });
    expect(message(quoted)).toContain(row);
  });
});

describe.skipIf(!engine)('builds: limits of their own, and a private log', () => {
  beforeAll(async () => {
    await ensureBaseImage();
  }, 120_000);

  // Each step made unique: the engine's build cache would otherwise answer a step built before
  // under other limits.
  const build = (run: string, limits: string, show = false) =>
    setup(PREDICT, {
      dockerfile: `FROM ${BASE_IMAGE}\nRUN ${run} # ${Math.random().toString(36).slice(2)}\nCOPY run.sh /run.sh\nCMD ["/bin/sh", "/run.sh"]\n`,
      runtime: `${limits ? `  build:\n${limits}` : ''}${show ? '  show_logs: true\n' : ''}`,
    });

  it('stops a build past its time and removes it (control: within the time it builds)', async () => {
    const marker = `podium-slow-build-${Math.random().toString(36).slice(2)}`;
    const started = Date.now();
    const slow = await evaluate(await build(`echo ${marker}; sleep 60`, '    timeout_seconds: 3\n'));
    expect(slow.record).toMatchObject({ status: 'rejected', error: { code: 'build-timed-out' } });
    expect(Date.now() - started).toBeLessThan(30_000);
    // Nothing of the build is left running.
    await new Promise((r) => setTimeout(r, 1000));
    expect(execFileSync('docker', ['ps', '-a', '--no-trunc', '--format', '{{.Command}}'], { encoding: 'utf8' })).not.toContain(marker);
    const quick = await evaluate(await build('sleep 1', '    timeout_seconds: 30\n'));
    expect(quick.record.status, message(quick.record)).toBe('scored');
  });

  it('builds within a memory limit (control: with more memory the same step builds)', async () => {
    const hungry = 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo ${#x}';
    const small = await evaluate(await build(hungry, '    memory_mb: 64\n'));
    expect(small.record).toMatchObject({ status: 'rejected', error: { code: 'build-failed' } });
    const big = await evaluate(await build(hungry, '    memory_mb: 1024\n'));
    expect(big.record.status, message(big.record)).toBe('scored');
  }, 120_000);

  it.skipIf(!cgroupsWritable)(
    'builds within a process limit, and leaves no cgroup of its own behind (control: with room for them the same step builds)',
    async () => {
      const forks = 'i=0; while [ $i -lt 100 ]; do sleep 3 & i=$((i+1)); done; wait';
      const few = await evaluate(await build(forks, '    pids: 32\n'));
      expect(few.record).toMatchObject({ status: 'rejected', error: { code: 'build-failed' } });
      expect(few.logs).toMatch(/can't fork|Resource temporarily unavailable/);
      const many = await evaluate(await build(forks, '    pids: 512\n'));
      expect(many.record.status, message(many.record)).toBe('scored');
      // Other test files may be building at this moment, each with a cgroup of its own for as
      // long as it builds: none may stay for good.
      const builds = () =>
        ['/sys/fs/cgroup/pids', '/sys/fs/cgroup/memory', '/sys/fs/cgroup'].flatMap((d) =>
          existsSync(d) ? readdirSync(d).filter((n) => n.startsWith('podium-build-')) : [],
        );
      await vi.waitFor(() => expect(builds()).toEqual([]), { timeout: 30_000, interval: 200 });
    },
    120_000,
  );

  it('keeps the build log from the participant unless the competition shows logs', async () => {
    // What the step prints, not its command (which is the participant's own Dockerfile).
    const hidden = await evaluate(await build('echo secret-$((6*7))-line; exit 1', ''));
    expect(hidden.record).toMatchObject({ status: 'rejected', error: { code: 'build-failed' } });
    expect(message(hidden.record)).not.toContain('secret-42-line');
    expect(hidden.logs).toContain('secret-42-line');
    // Control: where the competition shows logs, the same output reaches the participant.
    const shown = await evaluate(await build('echo shown-$((6*7))-line; exit 1', '', true));
    expect(message(shown.record)).toContain('shown-42-line');
  });
});

describe.skipIf(!engine)('a cancelled evaluation', () => {
  beforeAll(async () => {
    // The CLI runs from the build, which `npm test` makes first.
    await ensureBaseImage();
  }, 120_000);

  /** Runs `podium evaluate` from the build, signals it once `ready` says so, and waits for its end. */
  async function cancelled(s: Setup, signal: 'SIGINT' | 'SIGTERM', ready: () => boolean) {
    const out = path.join(s.ex.dir, '..', 'record.json');
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'bin', 'podium.js'), 'evaluate', '--competition', s.ex.dir, '--hidden', s.ex.hidden, '--out', out, s.dir],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const ended = new Promise<number>((r) => child.on('close', (code) => r(code ?? -1)));
    const deadline = Date.now() + 60_000;
    while (!ready() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(ready(), output).toBe(true);
    const sent = Date.now();
    child.kill(signal);
    const code = await ended;
    return { code, seconds: (Date.now() - sent) / 1000, output, record: JSON.parse(await readFile(out, 'utf8')) as ResultRecord };
  }

  const running = (marker: string) => () =>
    execFileSync('docker', ['ps', '--no-trunc', '--format', '{{.Command}}'], { encoding: 'utf8' }).includes(marker);

  it('SIGTERM while the container runs (one that ignores TERM): stopped and removed within seconds, a cancelled record, exit 143', async () => {
    // The marker names this run's container among those other test files run at the same time.
    const marker = `podium-cancel-run-${Math.random().toString(36).slice(2)}`;
    const s = await setup(`trap '' TERM INT\necho started\nwhile true; do sleep 1; done`, {
      dockerfile: `FROM ${BASE_IMAGE}\nCOPY run.sh /run.sh\nCMD ["/bin/sh", "/run.sh", "${marker}"]\n`,
    });
    const r = await cancelled(s, 'SIGTERM', running(marker));
    expect(r.code, r.output).toBe(143);
    expect(r.seconds).toBeLessThan(10);
    expect(r.record).toMatchObject({ status: 'failed', error: { code: 'cancelled', platform_fault: true } });
    // The probe saw the container running (the control); now it is gone, stopped and removed.
    expect(execFileSync('docker', ['ps', '-a', '--no-trunc', '--format', '{{.Command}}'], { encoding: 'utf8' })).not.toContain(marker);
  });

  it('SIGINT during the build: the build is stopped, nothing of it left, a cancelled record, exit 130', async () => {
    const marker = `podium-cancel-build-${Math.random().toString(36).slice(2)}`;
    const s = await setup(PREDICT, {
      dockerfile: `FROM ${BASE_IMAGE}\nRUN echo ${marker}; sleep 120\nCOPY run.sh /run.sh\nCMD ["/bin/sh", "/run.sh"]\n`,
    });
    const r = await cancelled(s, 'SIGINT', running(marker));
    expect(r.code, r.output).toBe(130);
    expect(r.seconds).toBeLessThan(15);
    expect(r.record).toMatchObject({ status: 'failed', error: { code: 'cancelled', platform_fault: true } });
    await new Promise((res) => setTimeout(res, 1000));
    expect(running(marker)()).toBe(false);
  });
});
