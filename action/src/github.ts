import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';

const PodiumOctokit = Octokit.plugin(retry, throttling);
export type GitHub = InstanceType<typeof PodiumOctokit>;

export interface Repo {
  owner: string;
  repo: string;
}

/**
 * The API client: retries server errors a few times, waits out rate limits (GitHub's
 * retry-after, at most twice per request, each wait said in the log), and talks to
 * GITHUB_API_URL, so it works on GitHub Enterprise and against a local emulator alike.
 */
export function github(token: string, env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = () => {}): GitHub {
  const wait = (what: string) => (after: number, options: { method?: string; url?: string }, _octokit: unknown, retryCount: number) => {
    const again = retryCount < 2;
    log(
      `GitHub answered ${options.method ?? ''} ${options.url ?? ''} with its ${what}: ${again ? `waiting ${after} s, then trying again` : 'giving up'}.`,
    );
    return again;
  };
  return new PodiumOctokit({
    auth: token || undefined,
    // Octokit's own request lines say nothing the caller does not say better; warnings stay.
    log: { debug: () => {}, info: () => {}, warn: (m: string) => log(m), error: (m: string) => log(m) },
    baseUrl: env.GITHUB_API_URL || 'https://api.github.com',
    userAgent: 'podium-action',
    retry: { doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
    throttle: { onRateLimit: wait('rate limit'), onSecondaryRateLimit: wait('secondary rate limit') },
  });
}

export function repoOf(env: NodeJS.ProcessEnv = process.env): Repo {
  const full = env.GITHUB_REPOSITORY ?? '';
  const [owner, repo] = full.split('/');
  if (!owner || !repo) throw new Error('GITHUB_REPOSITORY is not set: run this action inside a GitHub Actions workflow.');
  return { owner, repo };
}
