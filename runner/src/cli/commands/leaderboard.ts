import path from 'node:path';
import { markdownTable } from 'markdown-table';
import { required } from '../args.js';
import { UsageError, progress } from '../io.js';
import { readFileFromRef, readRecordsFromRef, resultsRef, type LoadedRecords } from '../../results/git-store.js';
import { revealPath, type Reveal } from '../../results/seal.js';
import { formatScore } from '../../format/units.js';
import { computeStandings, type PhaseStandings } from '../../results/standings.js';
import { marksShown, VERSUS_LEADER } from '../../results/versus-leader.js';
import { openCompetition, readRecordFolder, COMPETITION_OPTION } from './shared.js';
import { defineCommand } from './command.js';

export const leaderboard = defineCommand({
  name: 'leaderboard',
  usage: ['leaderboard build --competition DIR --out DIR [--results DIR | --ref REF] [--json]'],
  description: `Recomputes the leaderboard from every result record and writes a static site to --out.
Records come from the competition's results branch (origin's, fetched first, when there
is an origin), from a git ref, or from a folder holding a results/ tree.`,
  options: {
    competition: COMPETITION_OPTION,
    out: { type: 'string', value: 'DIR', help: 'where to write the site' },
    results: { type: 'string', value: 'DIR', help: 'read records from DIR/results/ instead of git' },
    ref: { type: 'string', value: 'REF', help: 'read records from this git ref of the competition repository' },
    json: { type: 'boolean', help: 'print the standings as JSON instead of a table' },
  },
  examples: ['podium leaderboard build --competition . --out _site'],
  async run({ values, positionals }, io, deps) {
    const [sub] = positionals;
    if (sub !== 'build')
      throw new UsageError(sub ? `unknown subcommand "${sub}"; did you mean "build"?` : 'say what to do: podium leaderboard build ...');
    if (values.results && values.ref) throw new UsageError('give --results or --ref, not both.');
    const out = path.resolve(io.cwd, required(values.out, '--out'));
    const json = values.json === true;
    const bar = progress(io, json);
    const competition = await openCompetition(io, required(values.competition, '--competition'));

    bar.step('reading result records');
    let loaded: LoadedRecords;
    const reveals: Reveal[] = [];
    if (values.results) loaded = await readRecordFolder(path.resolve(io.cwd, values.results));
    else {
      const ref = values.ref ?? (await resultsRef(competition.dir));
      loaded = ref ? await readRecordsFromRef(competition.dir, ref) : { records: [], invalid: [] };
      for (const phase of ref ? competition.config.phases : []) {
        const text = await readFileFromRef(competition.dir, ref!, revealPath(phase.id));
        if (text) reveals.push(JSON.parse(text) as Reveal);
      }
    }
    for (const bad of loaded.invalid) io.stderr(`! skipped ${bad.path}: ${bad.why}\n`);

    const standings = computeStandings(competition, loaded.records);
    let index: string | undefined;
    if (deps.buildSite) {
      bar.step('building the site');
      index = (await deps.buildSite({ competition, records: loaded.records, outDir: out, reveals })).index;
    }
    bar.done();
    if (json) {
      io.stdout(`${JSON.stringify({ site: index ?? null, phases: standings.map(plainStandings) }, null, 2)}\n`);
      return 0;
    }
    for (const s of standings) io.stdout(`\n${s.phaseName}\n\n${standingsTable(s)}\n`);
    io.stdout(`\n${loaded.records.length} record(s) read.${index ? ` Site: ${index}` : ''}\n`);
    return 0;
  },
});

/**
 * A phase's standings as a terminal table: a baseline says so in the rank column, an entry better
 * than the leader or tied with it carries its mark, and the legend names only the marks shown.
 */
export function standingsTable(s: PhaseStandings): string {
  if (s.rows.length === 0) return '(no scored submissions yet)';
  const head = ['rank', 'team', 'submission', ...s.metrics.map((m) => `${m.label} ${m.direction === 'maximize' ? '↑' : '↓'}`)];
  const rows = s.rows.map((r) => {
    const mark = r.versusLeader && VERSUS_LEADER[r.versusLeader].mark;
    return [
      `${r.baseline ? 'baseline' : r.rank}${mark ? ` ${mark}` : ''}`,
      r.record.submission.team,
      r.record.submission.name,
      ...s.metrics.map((m) => {
        const v = r.record.scores.public[m.name]?.value;
        return v === undefined ? '—' : formatScore(v);
      }),
    ];
  });
  const table = markdownTable([head, ...rows], { align: ['r', 'l', 'l', ...s.metrics.map(() => 'r' as const)] });
  const on = s.metrics.find((m) => m.primary)?.label ?? 'the primary metric';
  const legend = marksShown(s.rows.map((r) => r.versusLeader)).map((m) => `${m.mark} ${m.text} (paired bootstrap on ${on})`);
  return [table, ...legend].join('\n');
}

function plainStandings(s: PhaseStandings) {
  return {
    ...(s.task !== undefined ? { task: s.task } : {}),
    phase: s.phase,
    unscored: s.unscored,
    rows: s.rows.map((r) => ({
      rank: r.baseline ? null : r.rank,
      ...(r.baseline ? { baseline: true } : {}),
      ...(r.versusLeader ? { versus_leader: r.versusLeader } : {}),
      id: r.record.id,
      team: r.record.submission.team,
      submission: r.record.submission.name,
      scores: Object.fromEntries(Object.entries(r.record.scores.public).map(([k, v]) => [k, v.value])),
    })),
  };
}
