import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mayEnter, parseTeams } from '../../runner/src/competition/teams.js';
import { exampleCompetition, runCli } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

describe('teams.yml', () => {
  it('maps logins to teams, case-insensitively', () => {
    const r = parseTeams('max_size: 3\nteams:\n  alpha: [Octocat, hubot]\n  beta: [monalisa]\n');
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.teams.teamOf.get('octocat')).toBe('alpha');
    expect(r.teams.maxSize).toBe(3);
    expect(mayEnter(r.teams, 'OCTOCAT', 'alpha')).toEqual({ ok: true });
    expect(mayEnter(r.teams, 'octocat', 'beta')).toMatchObject({
      ok: false,
      why: expect.stringContaining('member of team alpha, not beta'),
    });
    expect(mayEnter(r.teams, 'stranger', 'beta')).toMatchObject({ ok: false, why: expect.stringContaining('not a member of any team') });
  });

  it('without teams.yml, every participant is a team of one named by their login', () => {
    expect(mayEnter(undefined, 'Octocat', 'octocat')).toEqual({ ok: true });
    expect(mayEnter(undefined, 'octocat', 'alpha')).toMatchObject({
      ok: false,
      why: expect.stringContaining('submissions/octocat/<name>/'),
    });
  });

  it('refuses a login in two teams, a team over the size limit, and a bad team id, with lines', () => {
    const r = parseTeams('max_size: 1\nteams:\n  alpha: [octocat, hubot]\n  beta: [Octocat]\n  Bad_Team: [x]\n');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.problems.map((p) => `${p.line}: ${p.message}`).join('\n');
    expect(text).toMatch(/Bad_Team/);
    const again = parseTeams('max_size: 1\nteams:\n  alpha: [octocat, hubot]\n  beta: [Octocat]\n');
    expect(again.ok).toBe(false);
    if (again.ok) return;
    const lines = again.problems.map((p) => `${p.line}: ${p.message}`);
    expect(lines).toContain('3: team alpha has 2 members; the most is 1 (max_size).');
    expect(lines).toContain('4: Octocat is already in team alpha; a login belongs to one team only.');
  });

  it('is checked with competition.yml by podium validate', async () => {
    const ex = await exampleCompetition(await temp());
    await writeFile(path.join(ex.dir, 'teams.yml'), 'teams:\n  alpha: [octocat]\n  beta: [octocat]\n');
    const r = await runCli(ex.dir, ['validate', '--competition', '.']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('teams.yml:3');
    expect(r.err).toContain('already in team alpha');
  });
});
