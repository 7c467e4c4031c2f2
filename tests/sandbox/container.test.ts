import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { evaluateSubmission } from '../../runner/src/evaluate/evaluate.js';
import { checkRecord } from '../../runner/src/results/record.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import { exampleCompetition, runCli } from '../helpers/competition.js';
import { gpuDevices, PODIUM_LABEL } from '../../runner/src/sandbox/container/evaluate-container.js';
import { BuildError } from '../../runner/src/sandbox/container/errors.js';
import { dockerEngine } from '../../runner/src/sandbox/container/docker.js';
import { BASE_IMAGE, engineAvailable, ensureBaseImage } from '../../scripts/busybox-image.js';
import { useTempDirs } from '../helpers/temp.js';
import { requireTool } from '../helpers/tools.js';

/**
 * Container submissions on the real Docker engine, and the hostile-submission suite: every
 * case ends in a clear verdict, nothing is left running, and the next submission scores.
 */
const available = requireTool('a Docker engine', await engineAvailable());
/** Whether this process can read the engine's cgroup counters (a host, not an unprivileged container). */
const cgroupsReadable = existsSync('/sys/fs/cgroup/cpuacct/cpuacct.usage') || existsSync('/sys/fs/cgroup/cgroup.controllers');
const temp = useTempDirs();

const RUNTIME = `runtime:\n  timeout_seconds: 5\n  memory_mb: 64\n  pids: 64\n  max_output_mb: 1\n  max_output_files: 50\n  base_images: [${BASE_IMAGE}]\n`;
const PREDICT = `awk -F, 'NR==1{print "id,label"; next} {print $1 "," ($2 > -21 ? "music" : "speech")}' /input/test.csv > /output/predictions.csv`;

async function container(
  script: string,
  dockerfile = `FROM ${BASE_IMAGE}\nCOPY run.sh /run.sh\nCMD ["/bin/sh", "/run.sh"]\n`,
  extra = '',
  repoFiles: Record<string, string> = {},
) {
  const root = await temp();
  const ex = await exampleCompetition(root, {
    edit: (y) => y.replace(/kinds: \[.*\]/, 'kinds: [predictions, container]').replace('leaderboard:', `${RUNTIME}${extra}leaderboard:`),
  });
  for (const [name, text] of Object.entries(repoFiles)) {
    await mkdir(path.dirname(path.join(ex.dir, name)), { recursive: true });
    await writeFile(path.join(ex.dir, name), text);
  }
  const dir = await ex.submit('t', 'c', {
    'submission.yml': 'team: t\nname: c\nkind: container\nbuild: .\n',
    Dockerfile: dockerfile,
    'run.sh': script,
  });
  let logs = '';
  const record = await evaluateSubmission({
    competition: ex.competition,
    hiddenDir: ex.hidden,
    submissionDir: dir,
    onLogs: (l) => (logs = l),
  });
  expect(checkRecord(record).ok).toBe(true);
  return { record, logs };
}

function message(r: ResultRecord): string {
  return r.status === 'scored' ? '' : `${r.error.message}\n${(r.error.problems ?? []).map((p) => `${p.file}: ${p.message}`).join('\n')}`;
}

function leftovers(): string {
  return execFileSync('docker', ['ps', '-a', '--filter', 'label=podium.run', '--format', '{{.ID}}'], { encoding: 'utf8' }).trim();
}

/**
 * No container of Podium's is left. Other test files run containers at the same time, each
 * for as long as it runs: wait until none is there. A leak stays for good and fails this.
 */
async function noLeftovers(): Promise<void> {
  await vi.waitFor(() => expect(leftovers()).toBe(''), { timeout: 30_000, interval: 200 });
}

describe.skipIf(!available)('container submissions', () => {
  beforeAll(async () => {
    await ensureBaseImage();
  }, 120_000);

  it('build without network, run on the inputs, and score like a file', async () => {
    const { record, logs } = await container(`echo working\n${PREDICT}\n`);
    if (record.status !== 'scored') throw new Error(message(record));
    // The same rule as the demo's loudness submission, so the same accuracy.
    expect(record.scores.public.accuracy!.value).toBeCloseTo(0.5366666666666666, 12);
    expect(record.provenance.image_digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(record.provenance.base_images).toEqual([BASE_IMAGE]);
    expect(record.provenance.build_context_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(record.provenance.engine).toMatch(/^docker \d+\./);
    expect(record.resources!.wall_time_s).toBeGreaterThan(0);
    expect(record.resources!.startup_s).toBeGreaterThan(0);
    expect(record.resources!.per_sample_ms).toBeGreaterThan(0);
    expect(logs).toContain('working');
    await noLeftovers();
  });

  it('measures CPU time and peak memory from the cgroup, or records them as not measured', async () => {
    const busy = [
      'start=$(cut -d" " -f1 /proc/uptime | tr -d .)',
      'while [ $(( $(cut -d" " -f1 /proc/uptime | tr -d .) - start )) -lt 100 ]; do :; done',
      PREDICT,
    ].join('\n');
    const { record } = await container(busy);
    if (record.status !== 'scored') throw new Error(message(record));
    const r = record.resources!;
    // The loop spins until /proc/uptime, counted in hundredths, has moved on by 100: at least
    // 0.99 s of the process's run. The wall time counts from the start call's return, and the
    // start call (recorded apart) may already hold the first moments of the run: together they
    // hold all of it.
    expect(r.wall_time_s! + r.startup_s!).toBeGreaterThanOrEqual(0.99);
    expect(r.wall_time_s).toBeGreaterThan(0.5);
    if (cgroupsReadable) {
      // A shell spinning for one second of wall time on one CPU: up to a second of CPU time,
      // less when the machine is busy with other tests, never more than the wall time allows.
      expect(r.cpu_time_s).toBeGreaterThan(0.2);
      expect(r.cpu_time_s).toBeLessThanOrEqual(r.wall_time_s! + 0.1);
      expect(r.peak_memory_bytes).toBeGreaterThan(0);
    } else {
      expect(r.cpu_time_s).toBeUndefined();
      expect(r.peak_memory_bytes).toBeUndefined();
    }
  });

  it.skipIf(!cgroupsReadable)('measures a run that is over before the first sample, and leaves no cgroup behind', async () => {
    const { record } = await container(PREDICT);
    if (record.status !== 'scored') throw new Error(message(record));
    const r = record.resources!;
    expect(r.wall_time_s).toBeLessThan(0.2);
    // Read from the run's own parent cgroup after the exit: a few milliseconds of CPU, some memory.
    expect(r.cpu_time_s).toBeGreaterThan(0);
    expect(r.cpu_time_s).toBeLessThan(0.5);
    expect(r.peak_memory_bytes).toBeGreaterThan(0);
    const left = () =>
      ['/sys/fs/cgroup/memory', '/sys/fs/cgroup/cpuacct', '/sys/fs/cgroup'].flatMap((d) =>
        // Runs only: builds have cgroups of their own (podium-build-*), checked where builds are.
        existsSync(d) ? readdirSync(d).filter((n) => n.startsWith('podium-') && !n.startsWith('podium-build-')) : [],
      );
    // Other test files may be running containers at this moment, each in a cgroup of its own
    // for as long as it runs: every cgroup there now must go once its run is over, while a leak
    // stays for good. (Those that other files make later are theirs to account for.)
    const now = new Set(left());
    await vi.waitFor(() => expect(left().filter((n) => now.has(n))).toEqual([]), { timeout: 60_000, interval: 100 });
  });

  it('podium validate --dry-run runs the container on the public sample inputs', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root);
    await mkdir(path.join(ex.dir, 'data', 'public', 'sample'), { recursive: true });
    await writeFile(path.join(ex.dir, 'data', 'public', 'sample', 'test.csv'), 'id,loudness\ns1,-10\ns2,-40\ns3,-5\n');
    const yml = path.join(ex.dir, 'competition.yml');
    await writeFile(
      yml,
      (await readFile(yml, 'utf8'))
        .replace(/kinds: \[.*\]/, 'kinds: [predictions, container]')
        .replace('  inputs: inputs ', '  sample_inputs: sample\n  inputs: inputs ')
        .replace('leaderboard:', `${RUNTIME}leaderboard:`),
    );
    const good = await ex.submit('t', 'good', {
      'submission.yml': 'team: t\nname: good\nkind: container\nbuild: .\n',
      Dockerfile: `FROM ${BASE_IMAGE}\nCOPY run.sh /run.sh\nCMD ["/bin/sh", "/run.sh"]\n`,
      'run.sh': `${PREDICT}\n`,
    });
    const ok = await runCli(ex.dir, ['validate', '--dry-run', good]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/is valid \(dry run: 3 predictions in [\d.]+ s\)/);
    const bad = await ex.submit('t', 'bad', {
      'submission.yml': 'team: t\nname: bad\nkind: container\nbuild: .\n',
      Dockerfile: `FROM ${BASE_IMAGE}\nCMD ["/bin/sh", "-c", "echo cannot find the model; exit 4"]\n`,
    });
    const no = await runCli(ex.dir, ['validate', '--dry-run', bad]);
    expect(no.code).toBe(1);
    expect(no.err).toContain('dry run on the public sample inputs: the container exited with code 4');
    expect(no.err).toContain('cannot find the model');
    // Without --dry-run nothing runs: the same folder is valid as files.
    expect((await runCli(ex.dir, ['validate', bad])).code).toBe(0);
    await noLeftovers();
  });

  // The network, the root file system, the input mount, the runner's variables and the Docker
  // socket each have a test with a control in hardening.test.ts; here, what the run sees.
  it('shows the run the test inputs alone, never the labels, as uid 65534', async () => {
    const { record, logs } = await container(['ls / /input; cat /hidden/truth.csv 2>&1', 'id', PREDICT].join('\n'));
    expect(record.status).toBe('scored');
    expect(logs).toContain("can't open '/hidden/truth.csv'");
    expect(logs).toMatch(/\/input:\ntest\.csv\n/);
    expect(logs).toContain('uid=65534');
  });

  it('runs an image given by id, and says clearly when an image can be neither found nor pulled', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root, {
      edit: (y) => y.replace(/kinds: \[.*\]/, 'kinds: [predictions, container]').replace('leaderboard:', `${RUNTIME}leaderboard:`),
    });
    const base = (await dockerEngine().image(BASE_IMAGE))!;
    const byId = await ex.submit('t', 'by-id', { 'submission.yml': `team: t\nname: by-id\nkind: container\nimage: ${base.id}\n` });
    // The bare base image has no command: the run fails, but it did find and start the image.
    const ran = await evaluateSubmission({ competition: ex.competition, hiddenDir: ex.hidden, submissionDir: byId });
    expect(ran).toMatchObject({ status: 'failed', error: { code: 'container-not-started' } });
    expect(message(ran)).toContain('the container could not start: No command specified');
    const missing = await ex.submit('t', 'missing', {
      'submission.yml': `team: t\nname: missing\nkind: container\nimage: example.invalid/none@sha256:${'0'.repeat(64)}\n`,
    });
    const record = await evaluateSubmission({ competition: ex.competition, hiddenDir: ex.hidden, submissionDir: missing });
    expect(record).toMatchObject({ status: 'failed', error: { code: 'image-unavailable' } });
    expect(message(record)).toContain('is not on the runner and could not be pulled');
  });

  it('runs as nobody even when the image says USER root', async () => {
    const { record, logs } = await container(
      `id\n${PREDICT}\n`,
      `FROM ${BASE_IMAGE}\nUSER root\nCOPY run.sh /run.sh\nCMD ["/bin/sh", "/run.sh"]\n`,
    );
    expect(record.status).toBe('scored');
    expect(logs).toContain('uid=65534');
  });

  it.each([
    ['sleeps past the timeout and ignores SIGTERM', "trap '' TERM\nwhile true; do sleep 1; done\n", 'failed', 'timed out after 5 s'],
    [
      'allocates past the memory limit',
      'x=$(head -c 300000000 /dev/zero | tr "\\0" a)\necho ${#x}\n',
      'failed',
      'ran out of memory (limit 64 MiB)',
    ],
    ['exits 0 with no output', 'echo nothing to see\n', 'rejected', 'exited without writing /output/predictions.csv'],
    ['exits with an error', 'exit 3\n', 'failed', 'exited with code 3'],
    ['writes a symlink as its predictions', 'ln -s /input/test.csv /output/predictions.csv\n', 'rejected', '1 symbolic link in /output'],
    ['writes a FIFO as its predictions', 'mkfifo /output/predictions.csv\n', 'rejected', '1 special file in /output'],
    [
      'writes a hard link as its predictions',
      `${PREDICT}\nln /output/predictions.csv /output/copy.csv\n`,
      'rejected',
      '2 hard links in /output',
    ],
    [
      'writes too many files',
      'i=0; while [ $i -lt 400 ]; do touch /output/f$i; i=$((i+1)); done\nsleep 3\n',
      'failed',
      'more than 50 files and folders in /output',
    ],
    ['fills its scratch space', `head -c 100000000 /dev/zero > /tmp/fill || echo TMP-FULL\nexit 4\n`, 'failed', 'exited with code 4'],
    // The file-size limit stops the write at 1 MB; what is left is no predictions file.
    ['writes one huge file', 'head -c 5000000 /dev/zero > /output/predictions.csv\necho written\n', 'rejected', 'NUL bytes'],
  ])('%s: a clear verdict', async (_name, script, status, text) => {
    const { record } = await container(script);
    expect(record.status).toBe(status);
    expect(message(record)).toContain(text);
    await noLeftovers();
  });

  it('caps a flood of logs, and keeps lines that look like workflow commands out of the record', async () => {
    const { record, logs } = await container(
      `echo "::set-output name=score::1.0"\necho "::add-mask::x"\nyes flood | head -c 3000000\n${PREDICT}\n`,
    );
    expect(record.status).toBe('scored');
    expect(logs.length).toBeLessThanOrEqual(64 * 1024 + 32);
    expect(logs).toContain('[logs truncated]');
    expect(JSON.stringify(record)).not.toContain('::set-output');
  });

  it('builds the Dockerfile as checked, never the participant’s own text (control: built as it is, the engine shows that text)', async () => {
    // Lower-case keywords, a continuation and a comment, then a step that fails so that the
    // build log comes back: the engine prints each step as the Dockerfile it parsed says it.
    const own = `# the participant's comment\nfrom ${BASE_IMAGE}\ncopy run.sh \\\n  /run.sh\nrun exit 3\n`;
    const { record, logs } = await container(PREDICT, own);
    expect(record).toMatchObject({ status: 'rejected', error: { code: 'build-failed' } });
    expect(logs).toMatch(/Step 2\/\d : COPY \["run.sh","\/run.sh"\]\n/);
    expect(logs).toMatch(/Step 3\/\d : RUN exit 3\n/);
    expect(logs).not.toMatch(/Step \d\/\d : (copy|run)/);
    // Control: the same folder built with its own Dockerfile shows the participant's text.
    const dir = await temp();
    await writeFile(path.join(dir, 'Dockerfile'), own);
    await writeFile(path.join(dir, 'run.sh'), PREDICT);
    const direct = await dockerEngine()
      .build(dir, 'podium-test/as-written:latest', { [PODIUM_LABEL]: 'build' })
      .catch((e: unknown) => e as BuildError);
    expect(direct).toBeInstanceOf(BuildError);
    expect((direct as BuildError).log).toMatch(/Step 2\/\d : copy run.sh/);
  });

  it('ignores a WORKDIR under /proc', async () => {
    // Control: the image does name /proc (a plain docker run would start there).
    const dockerfile = `FROM ${BASE_IMAGE}\nCOPY run.sh /run.sh\nWORKDIR /proc\nCMD ["/bin/sh", "/run.sh"]\n`;
    const { record, logs } = await container(`pwd\n${PREDICT}\n`, dockerfile);
    expect(message(record)).toBe('');
    expect(record.status).toBe('scored');
    expect(logs.split('\n')[0]).toBe('/');
    expect(
      execFileSync('docker', ['image', 'inspect', '--format', '{{.Config.WorkingDir}}', 'podium-submission/t-c:latest'], {
        encoding: 'utf8',
      }).trim(),
    ).toBe('/proc');
  });

  it("records the organiser's complexity metrics, and says when one could not measure", async () => {
    const outputBytes = `import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
export default function () {
  let bytes;
  return {
    name: 'output_bytes', unit: 'bytes', direction: 'minimize',
    start() {},
    stop(ctx) { bytes = readdirSync(ctx.outputDir).reduce((s, f) => s + statSync(path.join(ctx.outputDir, f)).size, 0); },
    result() { return bytes; },
  };
}
`;
    const unmeasured = `export default () => ({ name: 'flops', unit: 'GFLOP', direction: 'minimize', start() {}, stop() {}, result() { return undefined; } });\n`;
    const { record } = await container(PREDICT, undefined, '  probes: [probes/output-bytes.js, probes/flops.js]\n', {
      'probes/output-bytes.js': outputBytes,
      'probes/flops.js': unmeasured,
    });
    if (record.status !== 'scored') throw new Error(message(record));
    expect(record.resources!.probes).toEqual({
      output_bytes: { unit: 'bytes', direction: 'minimize', value: expect.any(Number) as number },
      flops: { unit: 'GFLOP', direction: 'minimize' },
    });
    expect(record.resources!.probes!.output_bytes!.value).toBeGreaterThan(600 * 8);
  });

  it("fails as the platform's fault when a probe module is broken", async () => {
    const { record } = await container(PREDICT, undefined, '  probes: [probes/broken.js]\n', {
      'probes/broken.js': 'export default 42;\n',
    });
    expect(record).toMatchObject({ status: 'failed', error: { code: 'probe-unavailable', platform_fault: true } });
    expect(message(record)).toContain('must export a default function');
  });

  it('survives a fork bomb, and the next submission scores normally', async () => {
    const bomb = await container('bomb() { bomb | bomb & }\nbomb\nsleep 2\n');
    expect(bomb.record.status).not.toBe('scored');
    // The process limit is what stopped it: forks started failing inside the container.
    expect(bomb.logs).toMatch(/can't fork|Resource temporarily unavailable/);
    await noLeftovers();
    const next = await container(`${PREDICT}\n`);
    expect(next.record.status).toBe('scored');
  });

  it('refuses a build step that needs the network, and base images not allowed', async () => {
    const net = await container(
      PREDICT,
      `FROM ${BASE_IMAGE}\nRUN wget -q -T 2 -O /tmp/x http://1.1.1.1/\nCOPY run.sh /run.sh\nCMD ["/bin/sh", "/run.sh"]\n`,
    );
    expect(net.record).toMatchObject({ status: 'rejected', error: { code: 'build-failed' } });
    const other = await container(PREDICT, 'FROM debian:bookworm\nCMD ["true"]\n');
    expect(other.record).toMatchObject({ status: 'rejected', error: { code: 'base-image-not-allowed' } });
    expect(message(other.record)).toContain(`allowed base images: ${BASE_IMAGE}`);
  });

  it('shows logs to participants only when the competition allows it', async () => {
    const hidden = await container('echo secret-log-line\nexit 1\n');
    expect(message(hidden.record)).not.toContain('secret-log-line');
    const shown = await container('echo visible-log-line\nexit 1\n', undefined, '  show_logs: true\n');
    expect(message(shown.record)).toContain('visible-log-line');
  });
});

describe('GPU devices for a run', () => {
  it("takes the runner's listed devices first, else the first n", () => {
    expect(gpuDevices(0, {})).toEqual([]);
    expect(gpuDevices(2, {})).toEqual(['0', '1']);
    expect(gpuDevices(1, { PODIUM_GPU_DEVICES: '3, 5' })).toEqual(['3']);
    expect(() => gpuDevices(3, { PODIUM_GPU_DEVICES: '3,5' })).toThrow('asks for 3 GPU(s) but PODIUM_GPU_DEVICES lists 2');
  });
});

describe.skipIf(!available)('podium sweep', () => {
  it('removes the containers, built images and temporary folders Podium left behind, and only those', async () => {
    await ensureBaseImage();
    // A label of this test's own: other test files' running containers carry Podium's.
    const label = `podium.test-sweep-${Math.random().toString(36).slice(2)}`;
    const mine = execFileSync('docker', ['create', '--label', `${label}=evaluate`, BASE_IMAGE, 'true'], { encoding: 'utf8' }).trim();
    const other = execFileSync('docker', ['create', BASE_IMAGE, 'true'], { encoding: 'utf8' }).trim();
    // Images built as an evaluation builds them (Podium's build, the build label), and a control
    // built the same way with another label.
    const context = await temp();
    await writeFile(path.join(context, 'Dockerfile'), `FROM ${BASE_IMAGE}\nCMD ["true"]\n`);
    const engine = dockerEngine();
    const built = await engine.build(context, `${label}/submission:latest`, { [label]: 'build' });
    const kept = await engine.build(context, `${label}/kept:latest`, { [`${label}-other`]: 'build' });
    // And a temporary folder of its own: a deep output tree a crashed run left, beside a folder that is not Podium's.
    const tmp = await temp();
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    let deep = path.join(tmp, 'podium-output-left');
    await mkdir(deep);
    for (let i = 0; i < 1500; i++) {
      deep = path.join(deep, 'd');
      if (deep.length > 4000) break;
      await mkdir(deep);
    }
    await mkdir(path.join(tmp, 'someone-else'));
    try {
      // --keep-images leaves the built image.
      const keeping = await runCli('/', ['sweep', '--label', label, '--keep-images']);
      expect(keeping.code).toBe(0);
      expect(keeping.out).toBe('Removed 1 container(s) left by Podium.\nRemoved 1 temporary folder(s) left by Podium.\n');
      expect((await engine.image(built.id))?.id).toBe(built.id);

      const { code, out } = await runCli('/', ['sweep', '--label', label]);
      expect(code).toBe(0);
      expect(out).toBe('Removed 0 container(s) left by Podium.\nRemoved 1 image(s) Podium built.\n');
      const left = execFileSync('docker', ['ps', '-a', '--format', '{{.ID}}', '--no-trunc'], { encoding: 'utf8' });
      expect(left).not.toContain(mine);
      expect(left).toContain(other);
      expect(readdirSync(tmp)).toEqual(['someone-else']);
      expect(await engine.image(built.id)).toBeUndefined();
      expect((await engine.image(kept.id))?.id).toBe(kept.id);
      expect((await engine.image(BASE_IMAGE))?.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      execFileSync('docker', ['rm', '-f', other]);
      // The swept image is gone unless the test failed before the sweep.
      for (const id of [kept.id, built.id]) if (await engine.image(id)) execFileSync('docker', ['rmi', '-f', id]);
    }
  });
});
