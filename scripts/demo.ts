import { randomBytes } from 'node:crypto';
/**
 * `npm run demo`: one whole competition round on this machine, through the real CLI.
 * It makes a competition repository with a bare "origin" beside it, submits six sample
 * submissions on their own branches (as pull requests would), validates and scores them,
 * commits one record each to the results branch, builds the leaderboard and serves it.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
import { simpleGit } from 'simple-git';
import { main, processIO } from '../runner/src/cli/main.js';
import type { CliDeps, CliIO } from '../runner/src/cli/io.js';
import { loadCompetition } from '../runner/src/competition/load.js';
import { exampleData, FEATURES, gaussianNaiveBayes, loudnessRule, nearestCentroid, toCsv } from '../runner/src/example/data.js';
import { buildSite } from '../leaderboard-site/src/build.js';
import { serveSite } from '../leaderboard-site/src/serve.js';
import { BASE_IMAGE, engineAvailable, ensureBaseImage } from './busybox-image.js';

export interface DemoOptions {
  /** Working folder; emptied first. */
  workDir: string;
  serve: boolean;
  port?: number;
  io?: CliIO;
}

interface SampleSubmission {
  team: string;
  name: string;
  what: string;
  files: Record<string, string>;
}

const COMMITTER = [
  '-c',
  'user.name=Demo Participant',
  '-c',
  'user.email=participant@users.noreply.localhost',
  '-c',
  'commit.gpgsign=false',
];

function samples(): SampleSubmission[] {
  const { train, test } = exampleData();
  const csv = (labels: string[], drop = 0) =>
    toCsv(
      ['id', 'label'],
      test.slice(0, test.length - drop).map((e, i) => [e.id, labels[i]!]),
    );
  const yml = (team: string, name: string, description: string) =>
    `team: ${team}\nname: ${name}\nkind: predictions\npredictions: predictions.csv\ndescription: ${description}\n`;
  return [
    {
      team: 'aurora',
      name: 'gaussian-bayes',
      what: 'a strong method (Gaussian naive Bayes)',
      files: {
        'submission.yml': yml('aurora', 'gaussian-bayes', 'Gaussian naive Bayes on the four features.'),
        'predictions.csv': csv(gaussianNaiveBayes(train, test)),
      },
    },
    {
      team: 'echo',
      name: 'bayes-half-data',
      what: 'a close second (the same model on half the training data)',
      files: {
        'submission.yml': yml('echo', 'bayes-half-data', 'Gaussian naive Bayes trained on the first half of the training set.'),
        'predictions.csv': csv(gaussianNaiveBayes(train.slice(0, train.length / 2), test)),
      },
    },
    {
      team: 'bluebird',
      name: 'loudness-rule',
      what: 'a weak method (one threshold on loudness)',
      files: {
        'submission.yml': yml('bluebird', 'loudness-rule', 'Loud is music, quiet is speech.'),
        'predictions.csv': csv(loudnessRule(train, test)),
      },
    },
    {
      team: 'cobalt',
      name: 'first-try',
      what: 'a broken submission.yml (a misspelt key, a wrong kind)',
      files: {
        'submission.yml': 'team: cobalt\nname: first-try\nkind: prediction\npredictons: predictions.csv\n',
        'predictions.csv': csv(nearestCentroid(train, test)),
      },
    },
    {
      team: 'delta',
      name: 'quick-run',
      what: 'predictions that miss 40 rows',
      files: {
        'submission.yml': yml('delta', 'quick-run', 'Nearest centroid, stopped early.'),
        'predictions.csv': csv(nearestCentroid(train, test), 40),
      },
    },
  ];
}

/** Container submissions need a Docker engine and Debian's static busybox for the offline base image. */
async function containerSupport(): Promise<{ ok: true } | { ok: false; why: string }> {
  if (!(await engineAvailable())) return { ok: false, why: 'no Docker engine answers here' };
  try {
    await ensureBaseImage();
    return { ok: true };
  } catch (e: unknown) {
    return { ok: false, why: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * A participant's system for the API submission: a Gaussian naive Bayes trained on the public
 * training data, answering the runner's batches on a loopback port.
 */
async function startParticipantService(): Promise<{ url: string; close: () => Promise<void> }> {
  const { train } = exampleData();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const { items } = JSON.parse(body) as { items: Record<string, string>[] };
      const examples = items.map((item) => ({ id: item.id!, features: FEATURES.map((f) => Number(item[f])), label: '' }));
      const labels = gaussianNaiveBayes(train, examples);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ predictions: examples.map((e, i) => ({ id: e.id, label: labels[i] })) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/predict`, close: () => new Promise((r) => server.close(() => r())) };
}

export async function runDemo(
  opts: DemoOptions,
): Promise<{ exitCodes: Record<string, number>; site: string; url?: string; close: () => Promise<void> }> {
  // One stream for the whole story, so messages appear in the order they happen.
  const base = opts.io ?? processIO();
  // The runners' sealing key for the private half of the test set (a real competition keeps
  // it in each runner's environment, and offline).
  const io: CliIO = { ...base, stderr: base.stdout, env: { ...base.env, PODIUM_SEAL_KEY: randomBytes(32).toString('hex') } };
  const work = path.resolve(opts.workDir);
  const rel = (p: string) => path.relative(io.cwd, p) || '.';
  const say = (t: string) => io.stdout(`${t}\n`);
  const heading = (t: string) => say(`\n── ${t} ${'─'.repeat(Math.max(0, 70 - t.length))}`);
  const podium = async (argv: string[], deps: CliDeps = {}) => {
    say(`$ podium ${argv.join(' ')}`);
    return main(argv, io, { buildSite, ...deps });
  };

  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const repo = path.join(work, 'competition');
  const hidden = path.join(work, 'hidden');
  const origin = path.join(work, 'origin.git');
  const records = path.join(work, 'records');
  const site = path.join(work, 'site');

  heading('1. The organiser makes a competition');
  await podium(['init', rel(repo), '--example', '--hidden', rel(hidden)]);
  // This round also takes API submissions; its one endpoint runs on this machine, which a
  // real competition would not allow.
  const yml = path.join(repo, 'competition.yml');
  const text = await readFile(yml, 'utf8');
  await writeFile(
    yml,
    text.replace(/kinds: \[.*\]/, 'kinds: [predictions, api]') +
      '\napi:\n  inputs: test.csv\n  inputs_from: public\n  allow_http: true          # the demo endpoint is local\n  allow_hosts: [127.0.0.1]\n' +
      '\n# Half of the test ids are private: their scores are sealed until the phase ends.\nprivate:\n  fraction: 0.5\n  seed: 20260101\n',
  );
  await simpleGit().raw(['init', '--quiet', '--bare', '--initial-branch=main', origin]);
  const git = simpleGit(repo);
  /** The organiser commits a change of competition.yml. */
  const organiserCommit = async (message: string) => {
    await git.add('competition.yml');
    await git.raw(['-c', 'user.name=Organiser', '-c', 'user.email=organiser@users.noreply.localhost', 'commit', '--quiet', '-m', message]);
  };
  await organiserCommit('Accept API submissions from the local demo endpoint; seal a private half of the test set');
  await git.addRemote('origin', '../origin.git');
  await git.push('origin', 'main');
  say(`Pushed to the bare remote ${rel(origin)}; the hidden truth stays in ${rel(hidden)}.`);

  heading('2. Participants open pull requests');
  const service = await startParticipantService();
  const containers = await containerSupport();
  if (containers.ok) {
    // The organiser lets this round build containers from the offline busybox image.
    await writeFile(
      yml,
      (await readFile(yml, 'utf8')).replace('kinds: [predictions, api]', 'kinds: [predictions, api, container]') +
        `runtime:\n  timeout_seconds: 60\n  memory_mb: 256\n  base_images: [${BASE_IMAGE}]\n`,
    );
    await organiserCommit('Accept container submissions');
  } else {
    say(`(No container submission this time: ${containers.why}.)`);
  }
  const subs = [
    { team: 'baseline', name: 'nearest-centroid', what: "the organisers' baseline from the template", files: {} as Record<string, string> },
    ...samples(),
    ...(containers.ok
      ? [
          {
            team: 'golf',
            name: 'rules-in-a-box',
            what: 'a container submission: a few awk rules, built without network and run in the sandbox',
            files: {
              'submission.yml':
                'team: golf\nname: rules-in-a-box\nkind: container\nbuild: .\ndescription: Four threshold rules in awk, run in a container.\n',
              Dockerfile: `FROM ${BASE_IMAGE}\nCOPY predict.sh /predict.sh\nCMD ["/bin/sh", "/predict.sh"]\n`,
              'predict.sh': [
                '# Columns: id, loudness_db, zero_crossing_rate, spectral_centroid_khz, onset_rate_hz',
                'awk -F, \'NR == 1 { print "id,label"; next }',
                '  { label = "speech"',
                '    if ($3 > 0.17) label = "applause"',
                '    else if ($2 < -30) label = "noise"',
                '    else if ($4 > 2.0 && $5 < 3) label = "music"',
                '    print $1 "," label }\' /input/test.csv > /output/predictions.csv',
                '',
              ].join('\n'),
            },
          },
        ]
      : []),
    {
      team: 'foxtrot',
      name: 'bayes-service',
      what: `an API submission: a model served at ${service.url}`,
      files: {
        'submission.yml': `team: foxtrot\nname: bayes-service\nkind: api\nendpoint: ${service.url}\ndescription: The same Gaussian naive Bayes as aurora's, answering over HTTP.\n`,
      },
    },
  ];
  const commits = new Map<string, string>();
  for (const s of subs) {
    const folder = `submissions/${s.team}/${s.name}`;
    if (Object.keys(s.files).length > 0) {
      await git.raw(['checkout', '--quiet', '-b', `submit/${s.team}-${s.name}`, 'main']);
      await mkdir(path.join(repo, folder), { recursive: true });
      for (const [f, text] of Object.entries(s.files)) await writeFile(path.join(repo, folder, f), text);
      await git.add(folder);
      await git.raw([...COMMITTER, 'commit', '--quiet', '-m', `Submit ${s.team}/${s.name}`]);
      await git.push('origin', `submit/${s.team}-${s.name}`);
    } else {
      await git.raw(['checkout', '--quiet', 'main']);
    }
    commits.set(folder, (await git.revparse(['HEAD'])).trim());
    say(`${folder}: ${s.what}`);
  }

  heading('3. Each pull request is checked and evaluated');
  const exitCodes: Record<string, number> = {};
  await mkdir(records, { recursive: true });
  for (const s of subs) {
    const folder = `submissions/${s.team}/${s.name}`;
    await git.raw(['checkout', '--quiet', commits.get(folder)!]);
    const dir = path.join(repo, folder);
    say('');
    const valid = await podium(['validate', '--competition', rel(repo), rel(dir)]);
    const out = path.join(records, `${s.team}-${s.name}.json`);
    exitCodes[folder] = await podium([
      'evaluate',
      '--competition',
      rel(repo),
      '--hidden',
      rel(hidden),
      '--commit',
      commits.get(folder)!,
      '--out',
      rel(out),
      rel(dir),
    ]);
    if (valid !== 0 && exitCodes[folder] === 0) throw new Error(`demo: ${folder} failed validation but was scored`);
  }
  await git.raw(['checkout', '--quiet', 'main']);
  await service.close();

  heading('4. One result record per submission goes to the results branch');
  const files = subs.map((s) => rel(path.join(records, `${s.team}-${s.name}.json`)));
  await podium(['publish', '--competition', rel(repo), ...files]);

  heading('5. The phase ends: the organisers reveal the sealed private scores');
  // The demo moves the clock to the end of the phase; a real reveal waits for it.
  const end = Date.parse((await loadCompetition(repo)).config.phases[0]!.end);
  await podium(['reveal', '--competition', rel(repo), '--phase', 'main'], { now: () => new Date(end + 1000) });
  say('Anyone can check the reveal against the commitments in the records, without the key:');
  await podium(['reveal', '--competition', rel(repo), '--phase', 'main', '--check']);

  heading('6. The leaderboard is rebuilt from the records');
  await podium(['leaderboard', 'build', '--competition', rel(repo), '--out', rel(site)]);

  let close = async () => {};
  let url: string | undefined;
  if (opts.serve) {
    const served = await serveSite(site, opts.port ?? 0);
    url = served.url;
    close = () => new Promise((r) => served.server.close(() => r()));
    heading('7. The site');
    say(`Serving ${rel(site)} on ${url} — press Ctrl-C to stop.`);
  } else {
    say(`\nSite written to ${rel(path.join(site, 'index.html'))}`);
  }
  return { exitCodes, site: path.join(site, 'index.html'), ...(url ? { url } : {}), close };
}

const isEntry = process.argv[1] !== undefined && import.meta.url === new URL(`file://${path.resolve(process.argv[1])}`).href;
if (isEntry) {
  const args = process.argv.slice(2);
  const serve = !args.includes('--no-serve') && process.env.CI !== 'true';
  const portArg = args.find((a) => a.startsWith('--port='));
  runDemo({ workDir: '.demo', serve, ...(portArg ? { port: Number(portArg.slice(7)) } : {}) }).catch((e: unknown) => {
    process.stderr.write(`demo failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
