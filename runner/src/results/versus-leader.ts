/**
 * The verdicts of the leaderboard's tie test (runner/src/results/standings.ts decides them) and
 * how each is marked and said: one wording for the terminal, the site, its page script and the
 * pull-request comment. No Node API here: the site's browser script bundles it.
 */

export type VersusLeader = 'ahead' | 'tied' | 'behind';

/**
 * How each verdict is marked and said, the same in the terminal, on the site and in the
 * pull-request comment. `behind` is the usual case and carries no mark.
 */
export const VERSUS_LEADER: Record<VersusLeader, { mark?: string; text: string }> = {
  ahead: { mark: '▲', text: 'better than the leader' },
  tied: { mark: '≈', text: 'statistically tied with the leader' },
  behind: { text: 'behind the leader' },
};

/** The marks a table shows, in a fixed order, each with its meaning: for a legend that lists only what is there. */
export function marksShown(verdicts: Iterable<VersusLeader | undefined>): { mark: string; text: string }[] {
  const seen = new Set(verdicts);
  return (['ahead', 'tied'] as const)
    .filter((v) => seen.has(v))
    .map((v) => ({ mark: VERSUS_LEADER[v].mark!, text: VERSUS_LEADER[v].text }));
}
