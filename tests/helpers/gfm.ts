import { execFileSync } from 'node:child_process';

/**
 * Markdown rendered as GitHub renders comments and job summaries: cmark-gfm, GitHub's own
 * CommonMark implementation (Debian's cmark-gfm), with the GFM extensions and raw HTML kept,
 * as GitHub keeps it before sanitising. GitHub's mention and reference links are added after
 * rendering, on the text: see `mentionsAndReferences`.
 */
export function renderGfm(markdown: string): string {
  return execFileSync(
    'cmark-gfm',
    ['--unsafe', '--extension', 'autolink', '--extension', 'table', '--extension', 'strikethrough', '--extension', 'tasklist'],
    { input: markdown, encoding: 'utf8', maxBuffer: 64 << 20 },
  );
}

function installed(): boolean {
  try {
    execFileSync('cmark-gfm', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the tests that render Markdown run: always in CI (which installs cmark-gfm, so a
 * missing one fails there), and elsewhere when it is installed (apt-get install cmark-gfm).
 */
export const GFM = process.env.CI === 'true' || installed();

/**
 * The @mentions, #references and GH- references GitHub would link in the text of rendered
 * HTML outside code (its filters act on text nodes after rendering).
 */
export function mentionsAndReferences(html: string): string[] {
  const text = html
    .replace(/<code>[\s\S]*?<\/code>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#64;|&commat;/g, '@')
    .replace(/&#35;|&num;/g, '#');
  return [...text.matchAll(/(?:^|[^\w`])(@[A-Za-z0-9][A-Za-z0-9-]*|#\d+|GH-\d+)/g)].map((m) => m[1]!);
}

/** The names of the HTML elements in rendered output. */
export function tagsOf(html: string): string[] {
  return [...html.matchAll(/<([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => m[1]!.toLowerCase());
}
