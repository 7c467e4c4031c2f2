import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { Competition } from '../../runner/src/competition/load.js';
import { csvReport, latexText, markdownCell, renderReport, reportTables, type ReportInput } from '../../runner/src/results/report.js';
import { spreadsheetSafe } from '../../runner/src/format/csv.js';
import { serializeRecord } from '../../runner/src/results/record.js';
import type { ResultRecord, ScoredResult } from '../../runner/src/results/schema.js';
import { computeStandings } from '../../runner/src/results/standings.js';
import { DEFAULT_BOOTSTRAP, encodeReplicates, random32 } from '../../runner/src/scoring/bootstrap.js';
import { exampleCompetition, runCli } from '../helpers/competition.js';
import { scoredRecord } from '../helpers/records.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

/** Every character LaTeX treats specially, and the pipe and markup Markdown does. */
const HOSTILE = 'C&C 50% $5 #1 set_{x} ~^ back\\slash | pipe *bold* <b>, "quoted"\nsecond line';

/** Replicates of a score around `centre`: the same resamples for every record (one seed), so pairs compare. */
function replicates(centre: number, spread: number, seed: number): string {
  // random32 gives 32-bit integers: scaled to [0, 1).
  const own = random32(seed);
  const shared = random32(7);
  const unit = (next: () => number) => next() / 2 ** 32;
  const out = new Float64Array(DEFAULT_BOOTSTRAP.resamples);
  for (let i = 0; i < out.length; i++) out[i] = centre + spread * (unit(shared) - 0.5) + 0.002 * (unit(own) - 0.5);
  return encodeReplicates(out);
}

/** A scored record of team `team` with an interval and replicates on accuracy, run metadata, slices and per-topic values. */
function record(i: number, team: string, name: string, accuracy: number, extra: Partial<ScoredResult['submission']> = {}): ScoredResult {
  const r = scoredRecord(i, { team, name }) as ScoredResult;
  r.provenance.data_hash = `sha256:${'1'.repeat(64)}`;
  r.submission = { ...r.submission, ...extra };
  r.scores = {
    public: {
      accuracy: {
        value: accuracy,
        ci: {
          low: accuracy - 0.03,
          high: accuracy + 0.03,
          level: 0.95,
          method: 'bootstrap-percentile',
          resamples: DEFAULT_BOOTSTRAP.resamples,
          seed: DEFAULT_BOOTSTRAP.seed,
          replicates: replicates(accuracy, 0.06, i),
        },
        per_query: { q10: accuracy - 0.1, q2: accuracy + 0.05, q1: accuracy },
      },
      f1_macro: { value: accuracy - 0.1 },
      balanced_accuracy: { value: accuracy - 0.05 },
    },
    slices: {
      source: {
        groups: {
          radio: { n: 40, metrics: { accuracy: accuracy + 0.02, f1_macro: accuracy - 0.08 } },
          tv: { n: 60, metrics: { accuracy: accuracy - 0.02, f1_macro: accuracy - 0.12 } },
        },
        worst: { accuracy: { group: 'tv', value: accuracy - 0.02 } },
        gap: { accuracy: 0.04 },
      },
    },
  };
  return r;
}

function history(): ResultRecord[] {
  return [
    record(1, 'leader', 'best', 0.9, { run: { type: 'automatic', priority: 1, training_data: 'train only', external_resources: false } }),
    record(2, 'close', 'second', 0.899, {
      run: { type: 'manual', priority: 2, training_data: HOSTILE, external_resources: 'BERT|base', notes: 'https://example.org/a_b%20c#x' },
    }),
    record(3, 'weak', 'third', 0.5),
  ];
}

async function competition(): Promise<Competition> {
  return (await exampleCompetition(await temp())).competition;
}

describe('report tables', () => {
  it('lists every run in board order with its rank, its tie mark as the board gives it, its metadata and intervals', async () => {
    const c = await competition();
    const records = history();
    const input: ReportInput = { competition: c, records, phase: 'main', part: 'public' };
    const [runs] = reportTables(input);
    const board = computeStandings(c, records, { rule: 'all' })[0]!;
    // The same verdicts as the board's: the close second is tied, the weak third behind.
    expect(board.rows.map((r) => r.versusLeader)).toEqual([undefined, 'tied', 'behind']);
    const md = renderReport([runs!], 'markdown');
    expect(md).toMatch(
      /\| {4}1 \| leader \| best {3}\| automatic \| {8}1 \| train only +\| no +\| +\| 0\.9000 \[0\.8700, 0\.9300\] \| +0\.8000 \|/,
    );
    expect(md).toContain('|  2 ≈ | close  | second | manual ');
    expect(md).toContain('<https://example.org/a_b%20c#x>');
    expect(md).toContain('0.9000 [0.8700, 0.9300]');
    expect(md).toContain('≈ statistically tied with the leader (paired bootstrap on accuracy)');
    expect(md).toMatch(/\| +3 \| weak/);
    expect(runs!.caption).toContain('with 95% intervals');
  });

  it('escapes every LaTeX special character, so hostile names and texts typeset as written', async () => {
    expect(latexText('a_b&c%d$e#f{g}h~i^j\\k')).toBe(
      'a\\_b\\&c\\%d\\$e\\#f\\{g\\}h\\textasciitilde{}i\\textasciicircum{}j\\textbackslash{}k',
    );
    const c = await competition();
    const records = history();
    // A team name no slug allows, as a record from elsewhere might carry it.
    records[2]!.submission.team = 'we_are #1 & 100%';
    const tex = renderReport(reportTables({ competition: c, records, phase: 'main', part: 'public' }), 'latex');
    expect(tex).toContain('we\\_are \\#1 \\& 100\\%');
    expect(tex).toContain(
      'C\\&C 50\\% \\$5 \\#1 set\\_\\{x\\} \\textasciitilde{}\\textasciicircum{} back\\textbackslash{}slash \\textbar{} pipe *bold* \\textless{}b\\textgreater{}, "quoted" second line',
    );
    expect(tex).toContain('https://example.org/a\\_b\\%20c\\#x');
    expect(tex).toContain('2 $\\approx$');
    // Outside the escapes, no special character is left bare in a cell: each row has the columns' count of & separators.
    const rows = tex.split('\n').filter((l) => l.trimEnd().endsWith('\\\\'));
    const cols = /\\begin\{tabular\}\{([lr]+)\}/.exec(tex)![1]!.length;
    for (const row of rows.slice(0, 4)) expect(row.replace(/\\&/g, '').split('&')).toHaveLength(cols);
    expect(tex.match(/\\begin\{table\}/g)).toHaveLength(3);
  });

  it('escapes pipes and markup in Markdown, so each row keeps its cells', async () => {
    expect(markdownCell('a|b\\c*d_e\nf $x$ ~~y~~')).toBe('a\\|b\\\\c\\*d\\_e f \\$x\\$ \\~\\~y\\~\\~');
    const c = await competition();
    const md = renderReport(reportTables({ competition: c, records: history(), phase: 'main', part: 'public' }), 'markdown');
    const row = md.split('\n').find((l) => l.includes('close'))!;
    // Unescaped pipes are the cell borders only: rank, team, run, 5 run fields, 3 metrics.
    expect(row.replace(/\\\|/g, '').split('|').length - 2).toBe(11);
    expect(row).toContain('BERT\\|base');
  });

  it('writes RFC 4180 CSV that csv-parse reads back to the same texts and numbers', async () => {
    const c = await competition();
    const text = csvReport({ competition: c, records: history(), phase: 'main', part: 'public' }, 'runs');
    expect(text.endsWith('\r\n')).toBe(true);
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(3);
    expect(Object.keys(rows[0]!)).toEqual([
      'rank',
      'versus_leader',
      'team',
      'run',
      'type',
      'priority',
      'training_data',
      'external_resources',
      'notes',
      'accuracy',
      'accuracy_low',
      'accuracy_high',
      'f1_macro',
      'f1_macro_low',
      'f1_macro_high',
      'balanced_accuracy',
      'balanced_accuracy_low',
      'balanced_accuracy_high',
    ]);
    expect(rows[1]).toMatchObject({
      rank: '2',
      versus_leader: 'tied',
      team: 'close',
      training_data: HOSTILE,
      external_resources: 'BERT|base',
    });
    expect(Number(rows[0]!.accuracy)).toBe(0.9);
    expect(Number(rows[0]!.accuracy_low)).toBeCloseTo(0.87, 12);
    expect(rows[0]!.external_resources).toBe('no');
    expect(rows[2]).toMatchObject({ versus_leader: 'behind', type: '', f1_macro_low: '' });
  });

  it("keeps a participant's text from running as a spreadsheet formula, notifying on GitHub, or spacing a LaTeX row (controls: plain text is left as it is)", () => {
    for (const formula of ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", '-2+3', '@SUM(A1)', '\t=1', '\r\t+1'])
      expect(spreadsheetSafe(formula)).toBe(`'${formula}`);
    expect(spreadsheetSafe('BERT base, 2019')).toBe('BERT base, 2019');
    expect(markdownCell('thanks @octocat, see #12')).toBe('thanks @\u2060octocat, see #\u206012');
    expect(markdownCell('plain words')).toBe('plain words');
    expect(latexText('[3pt] topic')).toBe('{[}3pt] topic');
    expect(latexText('topic [3]')).toBe('topic [3]');
  });

  it('reports the post-challenge board apart: its runs only, said in the caption (control: the official report leaves them out)', async () => {
    const c = await competition();
    const late = { ...record(4, 'late', 'after', 0.95), board: 'post-challenge' as const };
    late.id = late.id.replace(/[^/]+$/, (k) => `post-${k}`);
    const records = [...history(), late];
    const official = csvReport({ competition: c, records, phase: 'main', part: 'public' }, 'runs');
    expect((parse(official, { columns: true }) as Record<string, string>[]).map((r) => r.team)).toEqual(['leader', 'close', 'weak']);
    const post = reportTables({ competition: c, records, phase: 'main', part: 'public', board: 'post-challenge' });
    expect(post[0]!.caption).toContain('post-challenge board (after the challenge: not part of the official ranking)');
    const rows = parse(csvReport({ competition: c, records, phase: 'main', part: 'public', board: 'post-challenge' }, 'runs'), {
      columns: true,
    }) as Record<string, string>[];
    expect(rows.map((r) => r.team)).toEqual(['late']);
  });

  it('gives the primary metric per slice group and per topic, topics in natural order', async () => {
    const c = await competition();
    const input: ReportInput = { competition: c, records: history(), phase: 'main', part: 'public' };
    const tables = reportTables(input);
    expect(tables.map((t) => t.key)).toEqual(['runs', 'slices', 'topics']);
    const md = renderReport(tables, 'markdown');
    expect(md).toMatch(/\| leader \| best +\| 0\.9200 \| 0\.8800 \| tv +\|/);
    const topics = parse(csvReport(input, 'topics'), { columns: true }) as Record<string, string>[];
    expect(topics.map((t) => t.topic)).toEqual(['q1', 'q2', 'q10']);
    expect(topics[0]).toMatchObject({ best: '0.9000', median: '0.8990', worst: '0.5000' });
    const slices = parse(csvReport(input, 'slices'), { columns: true }) as Record<string, string>[];
    expect(slices).toHaveLength(6);
    expect(slices[0]).toMatchObject({ team: 'leader', slice: 'source', group: 'radio', n: '40', accuracy: String(0.9 + 0.02) });
  });

  it('leaves out what the records do not have: no run columns, no slice or topic table', async () => {
    const c = await competition();
    const plain = [scoredRecord(1, { team: 'a' }), scoredRecord(2, { team: 'b' })];
    const tables = reportTables({ competition: c, records: plain, phase: 'main', part: 'public' });
    expect(tables.map((t) => t.key)).toEqual(['runs']);
    expect(tables[0]!.columns.map((col) => col.head)).toEqual(['rank', 'team', 'run', 'accuracy ↑', 'Macro F1 ↑', 'Balanced accuracy ↑']);
  });
});

describe('podium report', () => {
  async function setUp() {
    const root = await temp();
    const ex = await exampleCompetition(root);
    const results = path.join(root, 'history');
    for (const r of history()) {
      const file = path.join(results, 'results', `${r.id}.json`);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, serializeRecord(r));
    }
    return { root, ex, results };
  }

  it('writes each format from a results folder, to a file or standard output', async () => {
    const { root, ex, results } = await setUp();
    const base = ['report', '--competition', ex.dir, '--phase', 'main', '--results', results];
    const md = await runCli(root, base);
    expect(md.code).toBe(0);
    expect(md.out).toContain('|  2 ≈ | close ');
    const out = path.join(root, 'paper', 'results.tex');
    const tex = await runCli(root, [...base, '--format', 'latex', '--out', out]);
    expect(tex.code).toBe(0);
    expect(tex.err).toContain('3 record(s) of phase main reported in');
    expect(await readFile(out, 'utf8')).toContain('\\begin{tabular}');
    const csv = await runCli(root, [...base, '--format', 'csv', '--table', 'topics']);
    expect((parse(csv.out, { columns: true }) as unknown[]).length).toBe(3);
  });

  it('refuses what it cannot write, and says what to give instead', async () => {
    const { root, ex, results } = await setUp();
    const base = ['report', '--competition', ex.dir, '--results', results];
    const all = await runCli(root, [...base, '--phase', 'main', '--format', 'csv', '--table', 'all']);
    expect(all.code).toBe(2);
    expect(all.err).toContain('a CSV file holds one table: give --table runs, slices or topics.');
    const phase = await runCli(root, [...base, '--phase', 'mian']);
    expect(phase.code).toBe(2);
    expect(phase.err).toContain('"mian" is not a phase of this competition; its phases: main.');
    const sealed = await runCli(root, [...base, '--phase', 'main', '--part', 'private']);
    expect(sealed.code).toBe(1);
    expect(sealed.err).toContain('phase main has no revealed private scores (reveals/main.json).');
    expect(sealed.err).toContain('podium reveal');
  });
});
