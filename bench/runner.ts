/**
 * `npm run bench:runner`: what Podium's sandbox adds to a container run.
 *
 * 1. Overhead: `podium evaluate` of a trivial container submission (the image is built once
 *    beforehand, so the build is a cache hit) against a bare `docker run` of the same image
 *    doing the same work, alternating, median of --runs (default 7). Target: at most 1.0 s.
 * 2. Timing accuracy: a container that keeps a CPU busy for 2.0 s by its own clock
 *    (/proc/uptime); Podium's reported wall time should be within ±3% of that.
 *
 * Needs a running Docker engine and Debian's busybox-static (for the offline base image).
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { initCompetition } from '../runner/src/init/init.js';
import { loadCompetition } from '../runner/src/competition/load.js';
import { evaluateSubmission } from '../runner/src/evaluate/evaluate.js';
import { BASE_IMAGE, engineAvailable, ensureBaseImage } from '../scripts/busybox-image.js';

const runsArg = process.argv.find((a) => a.startsWith('--runs='));
const RUNS = runsArg ? Number(runsArg.slice(7)) : 7;
const PREDICT = `awk -F, 'NR==1{print "id,label"; next} {print $1 "," ($2 > -21 ? "music" : "speech")}' /input/test.csv > /output/predictions.csv`;
const BUSY_2S = [
  'start=$(cut -d" " -f1 /proc/uptime | tr -d .)',
  'while [ $(( $(cut -d" " -f1 /proc/uptime | tr -d .) - start )) -lt 200 ]; do :; done',
  PREDICT,
].join('\n');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function submission(root: string, name: string, script: string): Promise<string> {
  const dir = path.join(root, 'competition', 'submissions', 'bench', name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'submission.yml'), `team: bench\nname: ${name}\nkind: container\nbuild: .\n`);
  await writeFile(path.join(dir, 'Dockerfile'), `FROM ${BASE_IMAGE}\nCOPY run.sh /run.sh\nCMD ["/bin/sh", "/run.sh"]\n`);
  await writeFile(path.join(dir, 'run.sh'), `${script}\n`);
  return dir;
}

async function main(): Promise<void> {
  if (!(await engineAvailable())) {
    console.error('bench:runner needs a running Docker engine (dockerd --bridge=none --iptables=false --ip-masq=false).');
    process.exit(2);
  }
  await ensureBaseImage();
  const root = await mkdtemp(path.join(os.tmpdir(), 'podium-bench-runner-'));
  try {
    const dir = path.join(root, 'competition');
    const hidden = path.join(root, 'hidden');
    await initCompetition({ dir, example: true, hiddenDir: hidden, git: false });
    const yml = path.join(dir, 'competition.yml');
    const text = await readFile(yml, 'utf8');
    await writeFile(
      yml,
      text
        .replace(/kinds: \[.*\]/, 'kinds: [predictions, container]')
        .replace('leaderboard:', `runtime:\n  timeout_seconds: 60\n  base_images: [${BASE_IMAGE}]\nleaderboard:`),
    );
    const competition = await loadCompetition(dir);
    const trivial = await submission(root, 'trivial', PREDICT);
    const busy = await submission(root, 'busy', BUSY_2S);
    const evaluate = (submissionDir: string) => evaluateSubmission({ competition, hiddenDir: hidden, submissionDir });

    // Warm: build both images once, so every timed run finds them cached.
    for (const d of [trivial, busy]) {
      const r = await evaluate(d);
      if (r.status !== 'scored') throw new Error(`warm-up failed: ${JSON.stringify(r)}`);
    }

    const out = path.join(root, 'bare-output');
    await mkdir(out);
    await chmod(out, 0o777);
    const podium: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      let t = performance.now();
      const r = await evaluate(trivial);
      podium.push((performance.now() - t) / 1000);
      if (r.status !== 'scored') throw new Error('a timed run failed');
      t = performance.now();
      execFileSync('docker', [
        'run',
        '--rm',
        '--network',
        'none',
        '--user',
        '65534:65534',
        '-v',
        `${path.join(hidden, 'inputs')}:/input:ro`,
        '-v',
        `${out}:/output`,
        'podium-submission/bench-trivial:latest',
      ]);
      bare.push((performance.now() - t) / 1000);
    }
    const p = median(podium);
    const b = median(bare);
    console.log(
      `machine: ${os.cpus()[0]?.model.trim()} × ${os.cpus().length}, Docker ${execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8' }).trim()}`,
    );
    console.log(`\ntrivial container submission, median of ${RUNS} alternating runs`);
    console.log(`  podium evaluate (validate, run hardened, harvest, score with 1000 resamples)  ${p.toFixed(2)} s`);
    console.log(`  bare docker run of the same image                                          ${b.toFixed(2)} s`);
    console.log(`  Podium adds ${(p - b).toFixed(2)} s (target ≤ 1.0 s)`);

    const reported: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await evaluate(busy);
      if (r.status !== 'scored') throw new Error('the busy run failed');
      reported.push(r.resources!.wall_time_s!);
    }
    const w = median(reported);
    console.log(`\na container busy for 2.00 s by its own clock, median of 3`);
    console.log(`  reported wall time ${w.toFixed(3)} s, error ${(((w - 2) / 2) * 100).toFixed(1)}% (target within ±3%)`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
