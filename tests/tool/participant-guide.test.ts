import { captionsData, templateCaption } from '../../runner/src/example/captions.js';
import { DETECTION_CATEGORIES, detectionData, noisyDetector } from '../../runner/src/example/detection.js';
import { execFileSync, spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BASE_IMAGE, engineAvailable, ensureBaseImage } from '../../scripts/busybox-image.js';
import { requireTool } from '../helpers/tools.js';

/**
 * The participant guide, followed as written in a fresh copy of a competition repository with
 * no Podium beside it: every `node .podium/podium.mjs` command the guide shows runs there and
 * succeeds. The commands and the submission.yml files are read from the guide itself, so the
 * test fails when the guide drifts from what works.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const GUIDE = path.join(ROOT, 'docs', 'participant-guide.md');
const TOOL = 'node .podium/podium.mjs';
const docker = requireTool('a Docker engine', await engineAvailable());

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
async function outside(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'podium-fork-'));
  made.push(d);
  return d;
}

interface Block {
  lang: string;
  text: string;
}

/** The fenced code blocks of a Markdown text (list items' indented ones too), and its prose. */
function readGuide(markdown: string): { blocks: Block[]; prose: string } {
  const blocks: Block[] = [];
  const prose = markdown.replace(/^( *)```(\w*)\n([\s\S]*?)^\1```$/gm, (_, indent: string, lang: string, body: string) => {
    blocks.push({ lang, text: body.replace(new RegExp(`^${indent}`, 'gm'), '') });
    return '';
  });
  return { blocks, prose };
}

/** Every command line of the tool the guide shows: in shell blocks, and in code spans of its prose. */
function guideCommands(markdown: string): string[] {
  const { blocks, prose } = readGuide(markdown);
  const lines = blocks.filter((b) => b.lang === 'sh').flatMap((b) => b.text.split('\n'));
  const spans = [...prose.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.replace(/\s+/g, ' '));
  return [...lines, ...spans].map((l) => l.trim()).filter((l) => l.startsWith(`${TOOL} `));
}

describe('the participant guide, followed in a fresh fork', () => {
  it('finds the commands and submission files in the guide (the parser the walk-through relies on)', () => {
    const sample = [
      'Run `node .podium/podium.mjs',
      'score --list` here.',
      '',
      '1. Add it:',
      '',
      '   ```yaml',
      '   team: a',
      '   ```',
      '',
      '```sh',
      'node .podium/podium.mjs validate x',
      'npx podium validate x',
      '```',
    ].join('\n');
    expect(guideCommands(sample)).toEqual(['node .podium/podium.mjs validate x', 'node .podium/podium.mjs score --list']);
    expect(readGuide(sample).blocks).toEqual([
      { lang: 'yaml', text: 'team: a\n' },
      { lang: 'sh', text: 'node .podium/podium.mjs validate x\nnpx podium validate x\n' },
    ]);
  });

  it('runs every command the guide shows, with Node.js alone', async () => {
    const guide = await readFile(GUIDE, 'utf8');
    // npx podium fetches an unrelated package of that name from npm.
    expect(guide).not.toMatch(/npx podium/);
    const commands = guideCommands(guide);
    const verbs = commands.map((c) => c.slice(TOOL.length + 1).replace(/ (submissions|--truth|--metrics).*$/, ''));
    expect(verbs).toEqual(expect.arrayContaining(['--help', 'validate', 'validate --dry-run', 'score', 'compare']));

    // The organisers make the competition with their Podium, taking containers with a public sample.
    const work = await outside();
    const made = path.join(work, 'made');
    execFileSync(process.execPath, [path.join(ROOT, 'bin/podium.js'), 'init', made, '--example', '--hidden', `${made}-hidden`], {
      stdio: 'pipe',
    });
    const yml = path.join(made, 'competition.yml');
    await writeFile(
      yml,
      (await readFile(yml, 'utf8'))
        .replace(/kinds: \[.*\]/, 'kinds: [predictions, container]')
        .replace('  inputs: inputs ', '  sample_inputs: sample\n  inputs: inputs ')
        .replace('leaderboard:', `runtime:\n  timeout_seconds: 20\n  memory_mb: 64\n  base_images: [${BASE_IMAGE}]\n\nleaderboard:`),
    );
    const test = (await readFile(path.join(made, 'data/public/test.csv'), 'utf8')).split('\n');
    await mkdir(path.join(made, 'data/public/sample'));
    await writeFile(path.join(made, 'data/public/sample/test.csv'), `${test.slice(0, 4).join('\n')}\n`);
    execFileSync('git', ['-C', made, 'commit', '-qam', 'Take containers'], { stdio: 'pipe' });

    // A participant's fork: a copy far from any Podium checkout or node_modules.
    const fork = path.join(await outside(), 'fork');
    await cp(made, fork, { recursive: true });
    expect(path.relative(ROOT, fork).startsWith('..')).toBe(true);
    for (const pkg of ['yaml', 'ajv', '@sinclair/typebox', 'simple-git'])
      expect(() => createRequire(path.join(fork, 'probe.js')).resolve(pkg), pkg).toThrow(/Cannot find module/);
    // Control: from the Podium checkout the same packages are found.
    expect(createRequire(path.join(ROOT, 'package.json')).resolve('yaml')).toContain('node_modules');

    // What the guide tells a participant to write: each submission.yml it shows, with the
    // files it names (predictions as the example's baseline gives them; a Dockerfile).
    const baseline = await readFile(path.join(fork, 'submissions/baseline/nearest-centroid/predictions.csv'), 'utf8');
    const ymls = readGuide(guide)
      .blocks.filter((b) => b.lang === 'yaml')
      .map((b) => ({ text: b.text, doc: parse(b.text) as Record<string, string> }));
    // A predictions submission.yml with no "predictions" key is for competitions whose scoring
    // program alone scores (tests/sandbox/codabench-contract.test.ts); this one has Podium's metrics.
    const here = (d: Record<string, string>) => d.kind === 'container' || (d.kind === 'predictions' && d.predictions !== undefined);
    expect(ymls.some((y) => y.doc.team === 'my-team' && y.doc.kind === 'predictions' && y.doc.predictions === undefined)).toBe(true);
    for (const { text, doc } of ymls.filter((y) => y.doc.team === 'my-team' && here(y.doc))) {
      const folder = path.join(fork, 'submissions', doc.team!, doc.name!);
      await mkdir(folder, { recursive: true });
      await writeFile(path.join(folder, 'submission.yml'), text);
      if (doc.kind === 'predictions') await writeFile(path.join(folder, doc.predictions!), baseline);
      else {
        await writeFile(path.join(folder, 'Dockerfile'), `FROM ${BASE_IMAGE}\nCOPY run.sh /run.sh\nCMD ["/bin/sh", "/run.sh"]\n`);
        await writeFile(
          path.join(folder, 'run.sh'),
          `awk -F, 'NR==1{print "id,label"; next} {print $1 "," ($2 > -25 ? "music" : "speech")}' /input/test.csv > /output/predictions.csv\n`,
        );
      }
    }
    // A participant's own validation split and two versions of a method, and a retrieval run.
    const train = (await readFile(path.join(fork, 'data/public/train.csv'), 'utf8')).trim().split('\n').slice(1, 81);
    const truth = train.map((l) => [l.split(',')[0]!, l.split(',').at(-1)!]);
    const guess = (wrong: number) => truth.map(([id, label], i) => `${id},${i % wrong === 0 ? 'noise' : label}`).join('\n');
    await writeFile(path.join(fork, 'my-val-truth.csv'), `id,label\n${truth.map((r) => r.join(',')).join('\n')}\n`);
    await writeFile(path.join(fork, 'v1.csv'), `id,label\n${guess(3)}\n`);
    await writeFile(path.join(fork, 'v2.csv'), `id,label\n${guess(9)}\n`);
    await writeFile(path.join(fork, 'qrels.txt'), 'q1 0 d1 1\nq1 0 d2 0\nq1 0 d3 1\nq2 0 d4 1\n');
    await writeFile(path.join(fork, 'my.run'), 'q1 Q0 d1 1 3.0 mine\nq1 Q0 d2 2 2.0 mine\nq1 Q0 d3 3 1.0 mine\nq2 Q0 d4 1 5.0 mine\n');
    // A captioning validation split (three references per clip) and a system's captions; COCO boxes and detections.
    const clips = captionsData(7, 30);
    const quoted = (t: string) => `"${t.replace(/"/g, '""')}"`;
    await writeFile(
      path.join(fork, 'val-captions.csv'),
      ['id,text', ...clips.flatMap((c) => c.references.map((r) => `${c.id},${quoted(r)}`))].join('\n') + '\n',
    );
    await writeFile(
      path.join(fork, 'mine.csv'),
      ['id,text', ...clips.map((c) => `${c.id},${quoted(templateCaption(c.tags))}`)].join('\n') + '\n',
    );
    const frames = detectionData(7, 20);
    await writeFile(path.join(fork, 'val-instances.json'), JSON.stringify({ ...frames, categories: DETECTION_CATEGORIES }));
    await writeFile(path.join(fork, 'detections.json'), JSON.stringify(noisyDetector(frames)));

    if (docker) await ensureBaseImage();
    // Node and the programs on the PATH (git, docker), nothing of this test's own environment.
    const env = { PATH: process.env.PATH, HOME: fork, ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}) };
    for (const command of commands) {
      expect(command, 'a command a shell would split otherwise').not.toMatch(/["'$\\|;&<>*]/);
      const [, ...args] = command.split(' ');
      const run = spawnSync(process.execPath, args, { cwd: fork, env, encoding: 'utf8', timeout: 120_000 });
      expect(run.status, `${command}\n${run.stdout}\n${run.stderr}`).toBe(0);
      const out = run.stdout;
      if (args[1] === '--help') expect(out).toContain('Usage: podium <command>');
      else if (args[1] === 'validate' && args[2] === '--dry-run')
        expect(out).toMatch(docker ? /is valid \(dry run: 3 predictions in/ : /is valid \(dry run: not run: no container engine/);
      else if (args[1] === 'validate') expect(out).toMatch(/^✓ submissions\/my-team\/[a-z-]+ is valid$/m);
      else if (args[1] === 'score' && args[2] === '--list') expect(out).toContain('accuracy');
      else if (args[1] === 'score') expect(out).toMatch(/\d\.\d{4}/);
      else if (args[1] === 'compare') expect(out).toMatch(/better|tied/);
      else expect(out.length, command).toBeGreaterThan(0);
    }
  }, 300_000);
});
