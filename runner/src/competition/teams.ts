import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { ContractError, type Problem } from '../contracts/problems.js';
import { parseContract } from '../contracts/yaml-contract.js';
import { Slug } from '../contracts/common.js';

export const TEAMS_FILE = 'teams.yml';
const SLUG = new RegExp(Slug.pattern!);

const Login = Type.String({
  pattern: '^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$',
  description: 'a GitHub login',
});

export const TeamsSchema = Type.Object(
  {
    max_size: Type.Optional(Type.Integer({ minimum: 1, description: 'most members a team may have' })),
    teams: Type.Record(Slug, Type.Array(Login, { minItems: 1, uniqueItems: true }), {
      description: 'team id (the folder under submissions/) to the GitHub logins of its members',
    }),
  },
  { additionalProperties: false },
);
export type TeamsConfig = Static<typeof TeamsSchema>;

/** Who may submit for which team. */
export interface Teams {
  /** Lower-cased login to team id. */
  teamOf: ReadonlyMap<string, string>;
  maxSize?: number;
}

/** Reads and checks teams.yml: one team per login, teams within the size limit. */
export function parseTeams(text: string): { ok: true; teams: Teams } | { ok: false; problems: Problem[] } {
  const parsed = parseContract(TEAMS_FILE, text, TeamsSchema);
  if (!parsed.ok) return { ok: false, problems: parsed.problems };
  const { value, source } = parsed;
  const problems: Problem[] = [];
  const teamOf = new Map<string, string>();
  for (const [team, members] of Object.entries(value.teams)) {
    if (!SLUG.test(team)) {
      problems.push(
        source.problem(
          ['teams', team],
          `team id "${team}" must be 1 to 64 lower-case letters, digits, "-" and "_": it names the folder submissions/<team>/.`,
          true,
        ),
      );
      continue;
    }
    if (value.max_size !== undefined && members.length > value.max_size)
      problems.push(
        source.problem(['teams', team], `team ${team} has ${members.length} members; the most is ${value.max_size} (max_size).`, true),
      );
    members.forEach((login, i) => {
      const other = teamOf.get(login.toLowerCase());
      if (other !== undefined && other !== team)
        problems.push(source.problem(['teams', team, i], `${login} is already in team ${other}; a login belongs to one team only.`));
      else teamOf.set(login.toLowerCase(), team);
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, teams: { teamOf, ...(value.max_size !== undefined ? { maxSize: value.max_size } : {}) } };
}

/** The competition's teams.yml, or undefined when it has none. Throws ContractError when it is invalid. */
export async function loadTeams(competitionDir: string): Promise<Teams | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(competitionDir, TEAMS_FILE), 'utf8');
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const parsed = parseTeams(text);
  if (!parsed.ok) throw new ContractError(TEAMS_FILE, parsed.problems);
  return parsed.teams;
}

/**
 * Whether a GitHub login may submit for a team. With teams.yml, only its members may; without
 * one, every participant is a team of one, named by their login, so nobody can submit (and use
 * up the limits) in someone else's name.
 */
export function mayEnter(teams: Teams | undefined, login: string, team: string): { ok: true } | { ok: false; why: string } {
  const l = login.toLowerCase();
  if (!teams) {
    return l === team
      ? { ok: true }
      : {
          ok: false,
          why: `without a teams.yml, each participant submits as a team of one named by their GitHub login: use submissions/${l}/<name>/, or ask the organisers to add your team to teams.yml.`,
        };
  }
  const mine = teams.teamOf.get(l);
  if (mine === team) return { ok: true };
  return {
    ok: false,
    why:
      mine === undefined
        ? `${login} is not a member of any team in teams.yml; ask the organisers to add you to team ${team}.`
        : `${login} is a member of team ${mine}, not ${team}; submit under submissions/${mine}/.`,
  };
}
