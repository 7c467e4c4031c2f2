import { it } from 'vitest';

/**
 * A system part some tests need (a Docker engine, the Debian Python image, Chromium). Outside
 * CI their tests are skipped without it, saying so; in CI (CI=true, where .ci/run installs
 * every part) its absence is a failing test of its own, so that a run that skipped them cannot
 * pass for a complete one. Returns whether it is there.
 */
export function requireTool(what: string, available: boolean, install = 'see .ci/run'): boolean {
  if (!available && process.env.CI === 'true')
    it(`CI provides ${what}`, () => {
      throw new Error(`${what} is missing in CI (${install}): the tests that need it would be skipped, so the run fails instead.`);
    });
  return available;
}
