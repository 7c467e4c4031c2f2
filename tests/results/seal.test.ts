import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { main } from '../../runner/src/cli/main.js';
import { buildSite } from '../../leaderboard-site/src/build.js';
import { evaluateSubmission } from '../../runner/src/evaluate/evaluate.js';
import { checkRecord } from '../../runner/src/results/record.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import { checkReveal, commitmentOf, keyId, revealPhase, seal, unseal, type Reveal } from '../../runner/src/results/seal.js';
import { argv } from '../helpers/argv.js';
import { captureIO, exampleCompetition } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();
const KEY = randomBytes(32);
const ENV = { PODIUM_SEAL_KEY: KEY.toString('hex') };

describe('sealing', () => {
  const scores = { accuracy: { value: 0.8125, ci: { low: 0.78, high: 0.84, level: 0.95, method: 'percentile-bootstrap' } } };

  it('says nothing of the scores through the length of the box', () => {
    const round = seal('main/t/n/abc', { accuracy: { value: 0.885 } }, KEY);
    const long = seal('main/t/n/abc', { accuracy: { value: 0.8833333333333333 } }, KEY);
    expect(Buffer.from(long.ciphertext, 'base64').length).toBe(Buffer.from(round.ciphertext, 'base64').length);
    expect(unseal('main/t/n/abc', long, KEY).scores.accuracy!.value).toBe(0.8833333333333333);
  });

  it('round-trips, and the commitment is over the id, the salt and the scores', () => {
    const s = seal('main/t/n/abc', scores, KEY);
    expect(s.key_id).toBe(keyId(KEY));
    expect(s.ciphertext).not.toContain('0.8125');
    const opened = unseal('main/t/n/abc', s, KEY);
    expect(opened.scores).toEqual(scores);
    expect(s.commitment).toBe(commitmentOf('main/t/n/abc', opened.salt, JSON.stringify(scores)));
    // A fresh salt and IV each time: the same scores never seal to the same text.
    expect(seal('main/t/n/abc', scores, KEY).commitment).not.toBe(s.commitment);
  });

  it('refuses an altered ciphertext, a seal moved to another record, a wrong key, and a changed commitment', () => {
    const s = seal('main/t/n/abc', scores, KEY);
    const flipped = Buffer.from(s.ciphertext, 'base64');
    flipped[3]! ^= 1;
    expect(() => unseal('main/t/n/abc', { ...s, ciphertext: flipped.toString('base64') }, KEY)).toThrow(/do not decrypt/);
    expect(() => unseal('main/t/n/other', s, KEY)).toThrow(/do not decrypt/);
    expect(() => unseal('main/t/n/abc', s, randomBytes(32))).toThrow(/sealed with key/);
    expect(() => unseal('main/t/n/abc', { ...s, commitment: '0'.repeat(64) }, KEY)).toThrow(/do not match the commitment/);
  });

  /** Scores of a few metrics, any finite values, some with an interval. */
  const scoreMaps = fc.dictionary(
    fc.stringMatching(/^[a-z][a-z0-9_@]{0,19}$/),
    fc.record(
      {
        value: fc.double({ noNaN: true, noDefaultInfinity: true }),
        ci: fc.record({
          low: fc.double({ noNaN: true, noDefaultInfinity: true }),
          high: fc.double({ noNaN: true, noDefaultInfinity: true }),
          level: fc.constantFrom(0.9, 0.95, 0.99),
          method: fc.constant('percentile-bootstrap'),
        }),
      },
      { requiredKeys: ['value'] },
    ),
    { minKeys: 1, maxKeys: 4 },
  );
  const recordIds = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 });

  it('opens to the scores sealed, as JSON keeps them, for any record id and scores', () => {
    fc.assert(
      fc.property(recordIds, scoreMaps, (id, scores) => {
        const s = seal(id, scores, KEY);
        const opened = unseal(id, s, KEY);
        expect(opened.scores).toEqual(JSON.parse(JSON.stringify(scores)));
        expect(s.commitment).toBe(commitmentOf(id, opened.salt, JSON.stringify(scores)));
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('seals scores of the same metrics to boxes of the same length, whatever the values', () => {
    const sameMetrics = scoreMaps.chain((a) =>
      fc.tuple(
        fc.constant(a),
        fc
          .tuple(...Object.keys(a).map(() => fc.double({ noNaN: true, noDefaultInfinity: true })))
          .map((values) => Object.fromEntries(Object.entries(a).map(([name, score], i) => [name, { ...score, value: values[i]! }]))),
      ),
    );
    fc.assert(
      fc.property(sameMetrics, ([a, b]) => {
        const length = (scores: typeof a) => Buffer.from(seal('main/t/n/abc', scores, KEY).ciphertext, 'base64').length;
        expect(length(a)).toBe(length(b));
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('refuses a box with any bit changed, or moved to any other record', () => {
    const parts = fc.constantFrom('ciphertext' as const, 'iv' as const, 'tag' as const);
    fc.assert(
      fc.property(recordIds, recordIds, scoreMaps, parts, fc.nat(), fc.nat(7), (id, other, scores, part, at, bit) => {
        const s = seal(id, scores, KEY);
        // Control: as sealed, it opens.
        expect(unseal(id, s, KEY).scores).toEqual(JSON.parse(JSON.stringify(scores)));
        const bytes = Buffer.from(s[part], 'base64');
        bytes[at % bytes.length]! ^= 1 << bit;
        expect(() => unseal(id, { ...s, [part]: bytes.toString('base64') }, KEY)).toThrow(/do not decrypt/);
        if (other !== id) expect(() => unseal(other, s, KEY)).toThrow(/do not decrypt/);
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});

async function sealedCompetition() {
  const root = await temp();
  const ex = await exampleCompetition(root, {
    git: true,
    edit: (y) =>
      y.replace('leaderboard:', 'private:\n  fraction: 0.5\n  seed: 7\nscoring:\n  bootstrap:\n    resamples: 100\nleaderboard:'),
  });
  execFileSync('git', ['init', '--quiet', '--bare', path.join(root, 'origin.git')]);
  execFileSync('git', ['remote', 'add', 'origin', path.join(root, 'origin.git')], { cwd: ex.dir });
  return { root, ex };
}

describe('a phase with a sealed private leaderboard', () => {
  it('records public scores on the public part only, and private scores sealed', async () => {
    const { ex } = await sealedCompetition();
    const dir = path.join(ex.dir, 'submissions', 'baseline', 'nearest-centroid');
    const record = await evaluateSubmission({ competition: ex.competition, hiddenDir: ex.hidden, submissionDir: dir, env: ENV });
    expect(checkRecord(record).ok).toBe(true);
    if (record.status !== 'scored') throw new Error(record.error.message);
    // The example scores 0.885 on all 600 ids; the public half gives another figure.
    expect(record.scores.public.accuracy!.value).not.toBeCloseTo(0.885, 6);
    const text = JSON.stringify(record);
    const opened = unseal(record.id, record.scores.private as never, KEY);
    expect(opened.scores.accuracy!.value).not.toBe(record.scores.public.accuracy!.value);
    expect(text).not.toContain(String(opened.scores.accuracy!.value));
  });

  it('fails as the platform’s fault when the runner has no key, and shows nothing', async () => {
    const { ex } = await sealedCompetition();
    const dir = path.join(ex.dir, 'submissions', 'baseline', 'nearest-centroid');
    const record = await evaluateSubmission({ competition: ex.competition, hiddenDir: ex.hidden, submissionDir: dir, env: {} });
    expect(record.status).toBe('failed');
    if (record.status === 'failed') {
      expect(record.error.platform_fault).toBe(true);
      expect(record.error.message).toContain('PODIUM_SEAL_KEY is not set');
    }
  });

  it('reveal: refused before the end, then publishes, prints the private board, and anyone can check it; tampering is caught', async () => {
    const { root, ex } = await sealedCompetition();
    const io = () => captureIO(root, { ...ENV });
    const sub = path.join(ex.dir, 'submissions', 'baseline', 'nearest-centroid');
    expect(await main(['evaluate', ...argv({ competition: ex.dir, hidden: ex.hidden, out: 'r.json' }, sub)], io())).toBe(0);
    expect(await main(['publish', '--competition', ex.dir, 'r.json'], io())).toBe(0);
    const record = JSON.parse(await readFile(path.join(root, 'r.json'), 'utf8')) as ResultRecord;

    const early = io();
    expect(await main(['reveal', ...argv({ competition: ex.dir, phase: 'main' })], early)).toBe(1);
    expect(early.err()).toContain('its private scores stay sealed until then');

    const after = () => new Date(Date.parse(ex.competition.config.phases[0]!.end) + 1000);
    const wrongKey = captureIO(root, { PODIUM_SEAL_KEY: randomBytes(32).toString('hex') });
    expect(await main(['reveal', ...argv({ competition: ex.dir, phase: 'main' })], wrongKey, { now: after })).toBe(1);
    expect(wrongKey.err()).toContain('Nothing was published.');

    const done = io();
    expect(await main(['reveal', ...argv({ competition: ex.dir, phase: 'main' })], done, { now: after })).toBe(0);
    expect(done.out()).toContain('1 sealed record(s) of phase main: every private score matches its commitment.');
    expect(done.out()).toContain('Published reveals/main.json');
    expect(done.out()).toMatch(/private leaderboard[\s\S]*\| +1 \| baseline +\| nearest-centroid/);

    // Anyone, without the key, checks the published reveal against the records.
    const check = captureIO(root, {});
    expect(await main(['reveal', ...argv({ competition: ex.dir, phase: 'main', check: true })], check)).toBe(0);

    // The site shows the private board next to the public one, checked.
    const site = captureIO(root, {});
    expect(await main(['leaderboard', 'build', ...argv({ competition: ex.dir, out: 'site' })], site, { buildSite })).toBe(0);
    const html = await readFile(path.join(root, 'site', 'index.html'), 'utf8');
    expect(html).toContain('<h2 id="private-main">Private leaderboard</h2>');
    expect(html).toContain('every score matches the commitment published with its record');
    expect(JSON.parse(await readFile(path.join(root, 'site', 'reveals', 'main.json'), 'utf8'))).toMatchObject({ phase: 'main' });

    // A reveal with a changed score does not match its commitment.
    const reveal = JSON.parse(
      execFileSync('git', ['--git-dir', path.join(root, 'origin.git'), 'show', 'results:reveals/main.json'], { encoding: 'utf8' }),
    ) as Reveal;
    const forged: Reveal = structuredClone(reveal);
    forged.records[0]!.scores.accuracy!.value += 0.01;
    expect(checkReveal(forged, [record])).toEqual([
      `${record.id}: the revealed scores do not match the commitment published with the record.`,
    ]);
    expect(checkReveal(reveal, [record])).toEqual([]);
    await writeFile(path.join(root, 'forged.json'), JSON.stringify(forged));
    const caught = captureIO(root, {});
    expect(await main(['reveal', ...argv({ competition: ex.dir, phase: 'main', check: true, out: 'forged.json' })], caught)).toBe(1);

    // A record rewritten on the results branch after the fact is named, with the commit.
    const work = path.join(root, 'tamper');
    execFileSync('git', ['clone', '--quiet', '--branch', 'results', path.join(root, 'origin.git'), work]);
    const file = path.join(work, 'results', 'main', 'baseline', 'nearest-centroid', `${record.id.split('/')[3]}.json`);
    await writeFile(file, (await readFile(file, 'utf8')).replace('"phase": "main"', '"phase":  "main"'));
    execFileSync('git', ['-c', 'user.name=x', '-c', 'user.email=x@x', 'commit', '--quiet', '-am', 'touch up'], { cwd: work });
    execFileSync('git', ['push', '--quiet', 'origin', 'results'], { cwd: work });
    const tampered = captureIO(root, {});
    expect(await main(['reveal', ...argv({ competition: ex.dir, phase: 'main', check: true })], tampered)).toBe(1);
    expect(tampered.err()).toMatch(/results\/main\/baseline\/nearest-centroid\/[0-9a-f]+\.json was changed after it was committed/);
  });

  it('revealPhase opens only the phase’s sealed records', () => {
    const id = 'main/t/n/k';
    const r = {
      id,
      phase: 'main',
      status: 'scored',
      scores: { public: {}, private: seal(id, { accuracy: { value: 0.5 } }, KEY) },
    } as unknown as ResultRecord;
    const other = { ...r, id: 'final/t/n/k', phase: 'final' } as ResultRecord;
    const rev = revealPhase('c', 'main', [r, other], KEY, new Date('2026-01-01T00:00:00Z'));
    expect(rev.records.map((x) => x.id)).toEqual([id]);
    expect(checkReveal(rev, [r, other])).toEqual([]);
  });
});
