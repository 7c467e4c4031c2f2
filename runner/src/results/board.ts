import { findPhase, type Competition, type Phase } from '../competition/load.js';
import type { ResultRecord } from './schema.js';

/*
 * The two boards of a competition. The official board takes submissions while a phase is open;
 * once the last phase has ended, the post-challenge board (competition.yml post_challenge) takes
 * them, evaluated exactly as the last phase's, and ranks them apart. The official final ranking
 * never sees a post-challenge record, whatever it scores.
 */

export type Board = 'official' | 'post-challenge';

export const POST_CHALLENGE_LABEL = 'after the challenge: not part of the official ranking';

/** The board a record belongs to; records made before boards existed are official. */
export function boardOf(r: Pick<ResultRecord, 'board'>): Board {
  return r.board ?? 'official';
}

export function isOfficial(r: Pick<ResultRecord, 'board'>): boolean {
  return boardOf(r) === 'official';
}

/** The last phase: the one that ends last (the first of them on a tie). */
export function lastPhase(c: Competition): Phase {
  return c.config.phases.reduce((a, p) => (Date.parse(p.end) > Date.parse(a.end) ? p : a));
}

/**
 * The phase and board a submission goes to now: the phase open now (official); or, once the last
 * phase has ended and the organisers opened the post-challenge board, the last phase's
 * evaluation on that board. A phase named by id is the organiser's deliberate choice: official.
 */
export function findBoard(c: Competition, now: Date, id?: string): { ok: true; phase: Phase; board: Board } | { ok: false; why: string } {
  const found = findPhase(c, now, id);
  if (found.ok) return { ...found, board: 'official' };
  if (id !== undefined) return found;
  const last = lastPhase(c);
  if (now.getTime() < Date.parse(last.end)) return found;
  const post = c.config.post_challenge;
  if (post?.open) return { ok: true, phase: last, board: 'post-challenge' };
  const closed = `The competition is closed: its last phase, ${last.id}, ended at ${last.end}`;
  return {
    ok: false,
    why: `${found.why} ${closed}${
      post
        ? ', and its post-challenge board is closed (post_challenge.open is false in competition.yml).'
        : '; the organisers may open a post-challenge board (post_challenge: { open: true } in competition.yml), where later submissions are ranked apart from the official results.'
    }`,
  };
}

/** The key that makes a record's id unique on its board: post-challenge ids can never be official ones. */
export function boardKey(board: Board, key: string): string {
  return board === 'post-challenge' ? `post-${key}` : key;
}
