import type { Competition, CompetitionMetric } from '../competition/load.js';
import { compareReplicates, decodeReplicates, pairedVerdict } from '../scoring/bootstrap.js';
import { boardOf, lastPhase, type Board } from './board.js';
import type { ResultRecord, ScoredResult } from './schema.js';
import type { VersusLeader } from './versus-leader.js';
import { currentRecords } from './supersede.js';

interface StandingFacts {
  record: ScoredResult;
  /** Primary metric value. */
  value: number;
  /** Average of the per-metric ranks, when the leaderboard ranks by average rank. */
  averageRank?: number;
  /**
   * Against the leader (the first ranked row), by a paired bootstrap on the primary metric, as
   * `podium compare ENTRY LEADER` decides it: `ahead` when the entry is better, `behind` when the
   * leader is, `tied` otherwise. Baselines are compared like every other entry, so a baseline can
   * be ahead. Absent for the leader and where the records cannot be paired (no replicates, other
   * truth, seed, resample count or level).
   */
  versusLeader?: VersusLeader;
}

/**
 * A row of the standings: a ranked entry (competition ranking, "1, 2, 2, 4"), or a baseline
 * named in leaderboard.baselines, shown where its scores put it but taking no rank and not
 * moving the others.
 */
export type Standing = (StandingFacts & { rank: number; baseline?: undefined }) | (StandingFacts & { baseline: true; rank?: undefined });

export interface PhaseStandings {
  phase: string;
  phaseName: string;
  /** The task ranked, in a competition with tasks (each task ranks its own records). */
  task?: string;
  metrics: CompetitionMetric[];
  rows: Standing[];
  /** Submissions that were rejected or failed in this phase. */
  unscored: number;
}

export type TeamRule = 'best-per-team' | 'last-per-team' | 'chosen-per-team' | 'all';

/**
 * Ranks the scored records of each phase, by the rules of competition.yml's leaderboard:
 * by the primary metric then each tie-breaker in turn (each in its own direction), or by the
 * average of the per-metric ranks; then the earlier submission. A record another one
 * supersedes (podium rescore) is left out. Records equal on every key
 * share a rank. One row per team (its best or its last) or every submission. Baselines are
 * listed where their scores put them but take no rank. The leaderboard is always recomputed
 * from records like this, never stored. Each board is ranked on its own records: the official
 * standings (the default) never see a post-challenge record, whatever it scores.
 */
export function computeStandings(
  c: Competition,
  records: readonly ResultRecord[],
  opts: { rule?: TeamRule; board?: Board } = {},
): PhaseStandings[] {
  // A competition with tasks ranks each task on its own: its view, its records, each phase in turn.
  if (c.tasks)
    return c.tasks.flatMap((view) =>
      computeStandings(view, records, opts).map((s) => ({ ...s, phaseName: `${view.task!.name}: ${s.phaseName}`, task: view.task!.id })),
    );
  const board = opts.board ?? 'official';
  const onBoard = records.filter((r) => boardOf(r) === board && (c.task === undefined || r.task === c.task.id));
  return rankPhases(c, onBoard, opts.rule);
}

/**
 * The post-challenge board (competition.yml post_challenge): the last phase's post-challenge
 * records, ranked by the same rules as the official board but apart from it. Undefined when
 * there are none.
 */
export function postChallengeStandings(
  c: Competition,
  records: readonly ResultRecord[],
  opts: { rule?: TeamRule } = {},
): PhaseStandings | undefined {
  const last = lastPhase(c).id;
  if (!records.some((r) => boardOf(r) === 'post-challenge' && r.phase === last)) return undefined;
  return computeStandings(c, records, { ...opts, board: 'post-challenge' }).find((s) => s.phase === last);
}

function rankPhases(c: Competition, records: readonly ResultRecord[], ruleOpt: TeamRule | undefined): PhaseStandings[] {
  const board = c.config.leaderboard;
  const rule = ruleOpt ?? board?.rule ?? 'best-per-team';
  const columns = board?.columns;
  const metrics = columns ? columns.map((name) => c.metrics.find((m) => m.name === name)!) : c.metrics;
  const primary = c.primary;
  const baselines = new Set(board?.baselines ?? []);
  const keys = [primary, ...(board?.tie_breakers ?? []).map((n) => c.metrics.find((m) => m.name === n)!).filter((m) => m !== primary)];
  const byAverage = board?.rank_by === 'average-rank';

  // A re-scored submission counts with its newest record only.
  const current = currentRecords(records);
  return c.config.phases.map((phase) => {
    const inPhase = current.filter((r) => r.phase === phase.id);
    const scored = inPhase.filter((r): r is ScoredResult => r.status === 'scored' && Number.isFinite(r.scores.public[primary.name]?.value));
    const byKeys = (a: ScoredResult, b: ScoredResult) => {
      for (const m of keys) {
        const d = betterFirst(m)(a, b);
        if (d !== 0) return d;
      }
      return 0;
    };
    const earlier = (a: ScoredResult, b: ScoredResult) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id);
    let kept = [...scored];
    if (rule === 'chosen-per-team') {
      // Kaggle's model: each team's best among the submissions it chose (final: true in
      // submission.yml; the latest N count), or among all of them when it chose none.
      const n = board?.choose ?? 2;
      const byTeam = new Map<string, ScoredResult[]>();
      for (const r of kept) (byTeam.get(r.submission.team) ?? byTeam.set(r.submission.team, []).get(r.submission.team)!).push(r);
      kept = [...byTeam.values()].flatMap((rs) => {
        const chosen = rs
          .filter((r) => r.submission.final)
          .sort((a, b) => earlier(b, a))
          .slice(0, n);
        return chosen.length > 0 ? chosen : rs;
      });
    }
    if (rule === 'best-per-team' || rule === 'chosen-per-team') {
      kept.sort((a, b) => byKeys(a, b) || earlier(a, b));
      const seen = new Set<string>();
      kept = kept.filter((r) => (seen.has(r.submission.team) ? false : (seen.add(r.submission.team), true)));
    } else if (rule === 'last-per-team') {
      const last = new Map<string, ScoredResult>();
      for (const r of kept) {
        const prev = last.get(r.submission.team);
        if (!prev || earlier(prev, r) < 0) last.set(r.submission.team, r);
      }
      kept = [...last.values()];
    }
    const average = byAverage ? averageRanks(kept, metrics) : undefined;
    const order = (a: ScoredResult, b: ScoredResult) => (average ? average.get(a)! - average.get(b)! : byKeys(a, b)) || earlier(a, b);
    kept.sort(order);
    const same = (a: ScoredResult, b: ScoredResult) => (average ? average.get(a) === average.get(b) : byKeys(a, b) === 0);

    const rows: Standing[] = [];
    let ranked = 0;
    let prevRanked: (Standing & { rank: number }) | undefined;
    const leader = kept.find((r) => !baselines.has(r.submission.team));
    for (const record of kept) {
      const facts: StandingFacts = { record, value: valueOf(record, primary)! };
      if (average) facts.averageRank = average.get(record)!;
      if (leader && record !== leader) {
        const verdict = versusLeader(record, leader, primary);
        if (verdict) facts.versusLeader = verdict;
      }
      if (baselines.has(record.submission.team)) {
        rows.push({ ...facts, baseline: true });
        continue;
      }
      ranked++;
      const row = { ...facts, rank: prevRanked && same(prevRanked.record, record) ? prevRanked.rank : ranked };
      prevRanked = row;
      rows.push(row);
    }
    return { phase: phase.id, phaseName: phase.name, metrics, rows, unscored: inPhase.length - scored.length };
  });
}

/** A metric's value in a record, or undefined where it is missing or not finite. */
function valueOf(r: ScoredResult, m: CompetitionMetric): number | undefined {
  const v = r.scores.public[m.name]?.value;
  return v === undefined || !Number.isFinite(v) ? undefined : v;
}

/** Orders records better first on one metric, in its direction; a missing value sorts last. */
function betterFirst(m: CompetitionMetric): (a: ScoredResult, b: ScoredResult) => number {
  return (a, b) => {
    const x = valueOf(a, m);
    const y = valueOf(b, m);
    if (x === y) return 0;
    if (x === undefined) return 1;
    if (y === undefined) return -1;
    return m.direction === 'maximize' ? y - x : x - y;
  };
}

/** Each record's mean over the metrics of its rank among the records (equal values share the better rank). */
function averageRanks(records: readonly ScoredResult[], metrics: readonly CompetitionMetric[]): Map<ScoredResult, number> {
  const sum = new Map<ScoredResult, number>(records.map((r) => [r, 0]));
  for (const m of metrics) {
    const sorted = [...records].sort(betterFirst(m));
    let rank = 0;
    sorted.forEach((r, i) => {
      // Equal values keep the rank of the first of them.
      if (i === 0 || valueOf(sorted[i - 1]!, m) !== valueOf(r, m)) rank = i + 1;
      sum.set(r, sum.get(r)! + rank);
    });
  }
  return new Map([...sum].map(([r, s]) => [r, Math.round((s / metrics.length) * 1e9) / 1e9]));
}

/**
 * The tie test: a paired bootstrap of an entry (as A) against the leader (as B) on their stored
 * replicates of the primary metric, when both carry replicates of the same resamples of the same
 * truth. The same function and orientation as `podium compare`, so given the same replicates the
 * two say the same.
 */
export function versusLeader(entry: ScoredResult, leader: ScoredResult, primary: CompetitionMetric): VersusLeader | undefined {
  const a = entry.scores.public[primary.name]?.ci;
  const b = leader.scores.public[primary.name]?.ci;
  if (!a?.replicates || !b?.replicates) return undefined;
  if (a.seed !== b.seed || a.draws !== b.draws || a.resamples !== b.resamples || a.level !== b.level) return undefined;
  if (leader.provenance.data_hash === undefined || leader.provenance.data_hash !== entry.provenance.data_hash) return undefined;
  const c = compareReplicates(decodeReplicates(a.replicates), decodeReplicates(b.replicates), primary.direction, a.level);
  if (c.resamples === 0) return undefined;
  return { 'a-better': 'ahead' as const, 'b-better': 'behind' as const, tied: 'tied' as const }[pairedVerdict(c)];
}

/**
 * The standings on revealed scores (a phase's private part, or its exact public scores under the
 * Ladder): each sealed record ranked by its revealed scores, with the same rules as the board.
 */
export function revealedStandings(
  c: Competition,
  records: readonly ResultRecord[],
  reveal: { phase: string; records: { id: string; scores: ScoredResult['scores']['public'] }[] },
): PhaseStandings[] {
  const revealed = new Map(reveal.records.map((r) => [r.id, r.scores]));
  const swapped = records.flatMap((r): ResultRecord[] => {
    if (r.phase !== reveal.phase || r.status !== 'scored') return [];
    const scores = revealed.get(r.id);
    return scores ? [{ ...r, scores: { public: scores } }] : [];
  });
  return computeStandings(c, swapped);
}
