import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { required } from '../args.js';
import { progress, UsageError } from '../io.js';
import { mergeShards } from '../../evaluate/evaluate.js';
import { parseShardFile, type ShardFile } from '../../evaluate/shard.js';
import { serializeRecord } from '../../results/record.js';
import {
  ladderHistory,
  openCompetition,
  openHiddenFor,
  printProblems,
  scoreSummary,
  writeAtomically,
  COMPETITION_OPTION,
  HIDDEN_OPTION,
} from './shared.js';
import { defineCommand } from './command.js';
import { PodiumError } from '../../contracts/problems.js';

export const merge = defineCommand({
  name: 'merge',
  usage: ['merge --competition DIR --submission DIR --out FILE SHARD.json...'],
  description: `Joins the shard files that "podium evaluate --shard I/N" wrote for one submission and scores
the whole against the hidden truth: the same scores and intervals as one unsharded run. All N
shards must be given, each once, of the same submission files, commit and phase.`,
  options: {
    competition: COMPETITION_OPTION,
    submission: { type: 'string', value: 'DIR', help: 'the submission folder the shards ran (its files must hash the same)' },
    hidden: HIDDEN_OPTION,
    commit: { type: 'string', value: 'SHA', help: 'the commit the shards were run at (must match theirs)' },
    phase: { type: 'string', value: 'ID', help: 'the phase (default: the phase open now)' },
    out: { type: 'string', value: 'FILE', help: 'write the record here' },
    results: {
      type: 'string',
      value: 'DIR',
      help: "under the Ladder, the folder of earlier records to take the team's best from (default: the competition's results branch)",
    },
    json: { type: 'boolean', help: 'print the record on stdout' },
  },
  examples: ['podium merge --competition . --submission submissions/a/x --out record.json part-*.json'],
  async run({ values, positionals }, io, deps) {
    if (positionals.length === 0) throw new UsageError('give the shard files to merge.');
    if (values.commit !== undefined && !/^[0-9a-f]{40}$/.test(values.commit))
      throw new UsageError('--commit takes a full 40-character commit id.');
    const competition = await openCompetition(io, required(values.competition, '--competition'));
    const submission = required(values.submission, '--submission');
    const shards: ShardFile[] = [];
    for (const f of positionals) {
      let text: string;
      try {
        text = await readFile(path.resolve(io.cwd, f), 'utf8');
      } catch (e: unknown) {
        throw new PodiumError(`cannot read the shard file ${f}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`, {
          cause: e,
          fix: 'give the files that podium evaluate --shard wrote.',
        });
      }
      try {
        shards.push(parseShardFile(f, text));
      } catch (e: unknown) {
        // Not JSON, or not a shard file: the message names the file and says what to give.
        throw new PodiumError(e instanceof Error ? e.message : String(e), { cause: e });
      }
    }
    const ladder = await ladderHistory(competition, io, values.results);
    const json = values.json === true;
    const bar = progress(io, json);
    let record;
    const hidden = await openHiddenFor(competition, io, values.hidden);
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
    } finally {
      await hidden.close();
    }
    bar.done();
    const text = serializeRecord(record);
    if (values.out) await writeAtomically(io, values.out, text, 'the record');
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
});
