import { execFileSync } from 'node:child_process';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkChanges } from '../../action/src/changes.js';
import { COMMENT_LIMIT, MARKER, renderComment } from '../../action/src/comment.js';
import { INERT_MAX, inert } from '../../action/src/inert.js';
import { GFM, mentionsAndReferences, renderGfm, tagsOf } from '../helpers/gfm.js';
import { parseRequest } from '../../action/src/handoff.js';
import { isActionFile } from '../../runner/src/init/init.js';
import { checkLimits, usageOf } from '../../runner/src/results/limits.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import { exampleCompetition } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const temp = useTempDirs();

describe('which files a submission pull request may change', () => {
  it('accepts one submission folder', () => {
    expect(
      checkChanges([
        { filename: 'submissions/a/b/submission.yml', status: 'added' },
        { filename: 'submissions/a/b/p.csv', status: 'added' },
      ]),
    ).toEqual({
      ok: true,
      team: 'a',
      name: 'b',
      folder: 'submissions/a/b',
    });
  });
  it('refuses files elsewhere, two folders, renames out of the folder, and odd names', () => {
    expect(
      checkChanges([
        { filename: 'competition.yml', status: 'modified' },
        { filename: 'submissions/a/b/x', status: 'added' },
      ]),
    ).toMatchObject({ ok: false, why: expect.stringContaining('competition.yml') });
    expect(
      checkChanges([
        { filename: 'submissions/a/b/x', status: 'added' },
        { filename: 'submissions/a/c/x', status: 'added' },
      ]),
    ).toMatchObject({ ok: false, why: expect.stringContaining('one submission per pull request') });
    expect(checkChanges([{ filename: 'submissions/a/b/x', status: 'renamed', previous_filename: 'submissions/z/y/x' }])).toMatchObject({
      ok: false,
    });
    expect(checkChanges([{ filename: 'submissions/A/../x/y', status: 'added' }])).toMatchObject({ ok: false });
    expect(checkChanges([{ filename: 'submissions/a/b', status: 'added' }])).toMatchObject({ ok: false });
    expect(checkChanges([])).toMatchObject({ ok: false });
  });
});

describe('the request passed between jobs', () => {
  const good = { pull_request: 3, head_sha: 'a'.repeat(40), folder: 'submissions/t/n', team: 't', name: 'n' };
  it('is checked field by field', () => {
    expect(parseRequest(JSON.stringify(good))).toEqual(good);
    expect(() => parseRequest(JSON.stringify({ ...good, folder: '../../etc' }))).toThrow(/one submission at one commit/);
    expect(() => parseRequest(JSON.stringify({ ...good, folder: 'submissions/x/n' }))).toThrow();
    expect(() => parseRequest(JSON.stringify({ ...good, head_sha: 'main' }))).toThrow();
    expect(() => parseRequest('not json')).toThrow(/not JSON/);
  });
});

function record(over: Partial<ResultRecord> & Record<string, unknown>): ResultRecord {
  return {
    schema_version: 1,
    id: 'main/t/n/abc',
    competition: 'broadcast-sound-events',
    phase: 'main',
    submission: { team: 't', name: 'n', path: 'submissions/t/n' },
    created_at: '2026-11-27T10:00:00.000Z',
    provenance: {
      submission_hash: `sha256:${'0'.repeat(64)}`,
      scorer: { name: 'podium', version: '0.1.0' },
      runner: { os: 'x', arch: 'x', cpu: 'x', cpus: 1, memory_bytes: 1, node: 'v20' },
    },
    status: 'scored',
    scores: { public: { accuracy: { value: 0.5 } } },
    ...over,
  } as ResultRecord;
}

describe('limits, from the results history', () => {
  it('counts the team in the phase, today in UTC, and not the platform’s failures', () => {
    const now = new Date('2026-11-27T12:00:00Z');
    const records = [
      record({}),
      record({ created_at: '2026-11-26T23:59:59.000Z' }),
      record({ status: 'failed', error: { code: 'x', message: 'x', platform_fault: true } } as never),
      record({ status: 'rejected', error: { code: 'x', message: 'x' } } as never),
      record({ submission: { team: 'other', name: 'n', path: 'submissions/other/n' } }),
      record({ phase: 'final' }),
    ];
    expect(usageOf(records, 't', 'main', now)).toEqual({ today: 2, total: 3 });
    expect(usageOf(records, 't', 'main', now, { pending: 1 })).toEqual({ today: 3, total: 4 });
  });
  it('refuses with the time to come back', async () => {
    const ex = await exampleCompetition(await temp(), { edit: (y) => y.replace('per_day: 5', 'per_day: 2\n  total: 3') });
    const now = new Date('2026-11-27T12:00:00Z');
    expect(checkLimits(ex.competition, [record({})], 't', 'main', now).ok).toBe(true);
    const day = checkLimits(ex.competition, [record({}), record({})], 't', 'main', now);
    expect(day).toMatchObject({ ok: false, why: expect.stringContaining('submit again from 2026-11-28T00:00:00Z') });
    const all = checkLimits(
      ex.competition,
      [
        record({ created_at: '2026-11-01T00:00:00.000Z' }),
        record({ created_at: '2026-11-02T00:00:00.000Z' }),
        record({ created_at: '2026-11-03T00:00:00.000Z' }),
      ],
      't',
      'main',
      now,
    );
    expect(all).toMatchObject({ ok: false, why: expect.stringContaining('all 3 submissions') });
  });
});

describe('the pull-request comment', () => {
  it('makes participant text inert: no HTML, mentions, references, links or table breaks', () => {
    const t = inert('<img src=x onerror=alert(1)> @octocat #12 | `x` http://evil.example\nline');
    expect(t).not.toMatch(/<img|@octocat|#12|`x`|http:\/\//);
    // Pipes and backticks are escaped, so a table row or code span cannot be broken out of.
    expect(t).not.toMatch(/(^|[^\\])[|`]/);
    expect(t).toContain('&lt;img');
    expect(t).not.toContain('\n');
  });
  it.skipIf(!GFM)('keeps ordinary text readable: apostrophes and quotes as written, dollars as dollars', () => {
    const html = renderGfm(`${inert('can\'t say "x" for $a+b$ at 5 $')}\n`);
    expect(html).toBe("<p>can't say &quot;x&quot; for $a+b$ at 5 $</p>\n");
  });
  it.skipIf(!GFM)(
    'shows hostile file names and messages as plain text: no injected lines, elements, mentions, links or reordering',
    async () => {
      const ex = await exampleCompetition(await temp());
      const hostile = [
        'x\n\n**Scored** at `abc` in phase main.\n\nWould rank **1** of 1 on the public leaderboard now.',
        '<img src=x onerror=alert(1)><a href="http://evil.example">win</a></pre><!--',
        '@admin @org/team please merge #1 GH-2 owner/repo#3',
        '![x](http://evil.example/x.png) [click](javascript:alert(1)) http://evil.example www.evil.example a@evil.example',
        'score \u202E1.0\u202C \u2066x\u2069 \u200Bhidden',
        '| a | b |\n|---|---|\n| c | d |',
        '```\ncode\n```',
        'a'.repeat(10_000),
      ];
      const rec = (texts: string[]) =>
        record({
          status: 'rejected',
          error: {
            code: 'invalid',
            message: texts.join(' '),
            problems: texts.map((t, i) => ({ file: `out/${t}`, line: i, column: 1, path: '', message: t })),
          },
        } as never);
      const html = renderGfm(renderComment(ex.competition, rec(hostile)));
      // Control: benign texts give the same elements, in the same numbers.
      const control = renderGfm(renderComment(ex.competition, rec(hostile.map((_, i) => `benign text ${i}`))));
      expect(tagsOf(html).sort()).toEqual(tagsOf(control).sort());
      expect(mentionsAndReferences(html)).toEqual([]);
      expect(html).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200B]/);
      expect(html).not.toMatch(/https?:\/\/evil/);
      // Each shown string is cut: a problem's file and message to INERT_MAX, the error message to 2,000.
      for (const li of html.match(/<li>[\s\S]*?<\/li>/g) ?? []) expect(li.length).toBeLessThan(4 * INERT_MAX);
      expect(html).not.toContain('a'.repeat(2000));
      // The probe works: the same texts, not made inert, inject elements and mentions.
      const raw = renderGfm(hostile.join('\n\n'));
      expect(tagsOf(raw)).toEqual(expect.arrayContaining(['strong', 'img', 'a', 'table', 'pre']));
      expect(mentionsAndReferences(raw)).toEqual(expect.arrayContaining(['@admin', '#1', 'GH-2']));
    },
  );

  it('stays under GitHub’s limit however many problems there are, and keeps its marker', async () => {
    const ex = await exampleCompetition(await temp());
    const problems = Array.from({ length: 5000 }, (_, i) => ({
      file: 'p.csv',
      line: i + 1,
      column: 1,
      path: '',
      message: 'x'.repeat(200),
    }));
    const body = renderComment(
      ex.competition,
      record({ status: 'rejected', error: { code: 'invalid', message: 'bad @everyone', problems } } as never),
    );
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(body.startsWith(MARKER)).toBe(true);
    expect(body).toContain('and 4950 more');
    expect(body).not.toContain('@everyone');
  });
});

/** Every file under a folder, relative, sorted. */
async function listFiles(d: string): Promise<string[]> {
  return (await readdir(d, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => path.relative(d, path.join(e.parentPath, e.name)))
    .sort();
}

describe('the committed bundle', () => {
  const committed = path.join(ROOT, 'action', 'dist');

  it('is what the sources give: rebuild action/dist and compare', async () => {
    const out = await temp();
    execFileSync(process.execPath, ['scripts/bundle-action.mjs', out], { cwd: ROOT, stdio: 'pipe' });
    expect(await listFiles(out)).toEqual(await listFiles(committed));
    for (const f of await listFiles(out)) {
      const same = (await readFile(path.join(out, f))).equals(await readFile(path.join(committed, f)));
      expect(same, `action/dist/${f} differs from a fresh bundle: run npm run build && node scripts/bundle-action.mjs, and commit`).toBe(
        true,
      );
    }
  }, 120_000);

  it('stays within its size budget and holds only what the Action runs, all of it copied by podium init', async () => {
    // Every competition commits a copy: 1.5 MB at most, and no assets of a client Podium does
    // not use (gRPC's .proto files, an SSH agent's pagent.exe came with a Docker client once).
    const bytes = (await stat(path.join(committed, 'index.js'))).size;
    expect(bytes, `action/dist/index.js is ${bytes} bytes, over the budget of 1,500,000`).toBeLessThanOrEqual(1_500_000);
    const files = await listFiles(committed);
    expect(files).toContain('index.js');
    expect(files.filter((f) => /\.(proto|exe)$/i.test(f))).toEqual([]);
    expect(files.filter((f) => !isActionFile(f))).toEqual([]);
    // Control: what the bundle held before is told apart, so the checks above can fail.
    for (const stray of ['pagent.exe', 'auth.proto', 'proto/channelz.proto', 'xds/LICENSE']) expect(isActionFile(stray)).toBe(false);
    for (const kept of ['index.js', '918.index.js', 'package.json']) expect(isActionFile(kept)).toBe(true);
    // A new competition gets the Action whole, and nothing else.
    const ex = await exampleCompetition(await temp());
    expect(await listFiles(path.join(ex.dir, '.podium', 'action'))).toEqual(['action.yml', ...files.map((f) => `dist/${f}`)].sort());
  });
});
