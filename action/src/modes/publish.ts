import path from 'node:path';
import { buildSite } from '../../../leaderboard-site/src/build.js';
import { originRemote, publishRecords } from '../../../runner/src/results/git-store.js';
import { openCompetition, resultsHistory } from '../checkout.js';
import { readEvaluation } from '../handoff.js';
import type { PublishInputs } from '../inputs.js';
import type { Io } from '../io.js';

/**
 * publish — commits the record to the results branch (compare-and-swap, retried) and builds
 * the leaderboard site for Pages, saying how many evaluations wait when the count job gave
 * their number (this job's token cannot read Actions).
 */
export async function publish(inputs: PublishInputs, io: Io): Promise<void> {
  const { record } = await readEvaluation(path.resolve(io.workspace, inputs['record-dir']));
  const c = await openCompetition(io.workspace, inputs.competition);
  let outcome: { commit?: string | undefined } = {};
  if (record) {
    const remote = inputs.remote || (await originRemote(c.dir));
    if (!remote) throw new Error('no remote to publish to: check out the competition repository first (actions/checkout).');
    const pushed = await publishRecords([record], { remote, onRetry: (n, why) => io.info(`push ${n} lost a race (${why}); retrying`) });
    io.info(pushed.added.length > 0 ? `Committed ${record.id} to the results branch.` : `${record.id} was already on the results branch.`);
    outcome = pushed;
  } else io.info('Nothing was evaluated, so there is no record to publish; the leaderboard is built as it stands.');
  const site = path.resolve(io.workspace, inputs['site-dir']);
  const waiting = inputs.waiting === '' ? undefined : Number(inputs.waiting);
  const built = await buildSite({
    competition: c,
    records: await resultsHistory(c.dir),
    outDir: site,
    generatedAt: io.now(),
    ...(waiting !== undefined ? { queue: { waiting } } : {}),
  });
  io.output('site-dir', site);
  io.output('commit', outcome.commit ?? '');
  io.info(`Leaderboard built: ${built.files.length} file(s) in ${site}.`);
}
