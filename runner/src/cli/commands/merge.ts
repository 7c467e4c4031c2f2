import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, required } from '../args.js';
import { progress, UsageError } from '../io.js';
import { mergeShards } from '../../evaluate/evaluate.js';
import { MergeError } from '../../evaluate/predictions-from-shards.js';
import { parseShardFile, type ShardFile } from '../../evaluate/shard.js';
import { serializeRecord } from '../../results/record.js';
import { ladderHistory, openCompetition, openHiddenFor, printProblems, scoreSummary, writeAtomically } from './shared.js';
import type { Command } from './command.js';
import type { CliDeps } from '../io.js';

export const merge: Command = {
  name: 'merge',
  help: `Usage: podium merge --competition DIR --submission DIR --out FILE SHARD.json...

Joins the shard files that "podium evaluate --shard I/N" wrote for one submission and scores
the whole against the hidden truth: the same scores and intervals as one unsharded run. All N
shards must be given, each once, of the same submission files, commit and phase.

Options:
  --competition DIR  the competition repository
  --submission DIR   the submission folder the shards ran (its files must hash the same)
  --hidden PATH      the hidden data folder, or a file sealed by podium hidden seal
                     (default: from competition.yml data.hidden)
  --commit SHA       the commit the shards were run at (must match theirs)
  --phase ID         the phase (default: the phase open now)
  --out FILE         write the record here
  --results DIR      under the Ladder, the folder of earlier records to take the team's best
                     from (default: the competition's results branch)
  --json             print the record on stdout

Example:
  podium merge --competition . --submission submissions/a/x --out record.json part-*.json
`,
  async run(argv, io, deps: CliDeps) {
    const { values, positionals } = parse('merge', argv, {
      competition: { type: 'string' },
      submission: { type: 'string' },
      hidden: { type: 'string' },
      commit: { type: 'string' },
      phase: { type: 'string' },
      out: { type: 'string' },
      results: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length === 0) throw new UsageError('give the shard files to merge.', 'merge');
    if (values.commit !== undefined && !/^[0-9a-f]{40}$/.test(values.commit))
      throw new UsageError('--commit takes a full 40-character commit id.', 'merge');
    const competition = await openCompetition(io, required('merge', values.competition, '--competition'));
    const submission = required('merge', values.submission, '--submission');
    const shards: ShardFile[] = [];
    for (const f of positionals) {
      let text: string;
      try {
        text = await readFile(path.resolve(io.cwd, f), 'utf8');
      } catch {
        throw new UsageError(`cannot read the shard file ${f}.`, 'merge');
      }
      try {
        shards.push(parseShardFile(f, text));
      } catch (e: unknown) {
        throw new UsageError(e instanceof Error ? e.message : String(e), 'merge');
      }
    }
    const ladder = await ladderHistory(competition, io, values.results, 'merge');
    const json = values.json === true;
    const bar = progress(io, json);
    let record;
    const hidden = await openHiddenFor(competition, io, values.hidden, 'merge');
    try {
      record = await mergeShards(
        {
          competition,
          hiddenDir: hidden.dir,
          env: io.env,
          submissionDir: path.resolve(io.cwd, submission),
          ...(values.commit ? { commit: values.commit } : {}),
          ...(values.phase ? { phase: values.phase } : {}),
          ...(deps.now ? { now: deps.now() } : {}),
          onStep: (s) => bar.step(s),
          ...(ladder ? { ladder } : {}),
        },
        shards,
      );
    } catch (e: unknown) {
      if (e instanceof MergeError) throw new UsageError(e.message, 'merge');
      throw e;
    } finally {
      await hidden.close();
    }
    bar.done();
    const text = serializeRecord(record);
    if (values.out) await writeAtomically(io, values.out, text, 'the record', 'merge');
    if (json) io.stdout(text);
    else if (record.status === 'scored') {
      io.stdout(
        `✓ ${record.submission.team}/${record.submission.name}: ${shards.length} shards merged and scored — ${scoreSummary(competition, record)}\n`,
      );
    } else {
      io.stderr(`✗ ${record.submission.team}/${record.submission.name}: ${record.status} — ${record.error.message}\n`);
      printProblems(io, record.error.problems ?? []);
    }
    return record.status === 'scored' ? 0 : 1;
  },
};
