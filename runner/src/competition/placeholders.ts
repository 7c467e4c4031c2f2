import type { Problem } from '../contracts/problems.js';
import type { YamlSource } from '../contracts/yaml-contract.js';

/**
 * How the template marks what an organiser must still write: a value that starts with it.
 * Upper case only, so that a title such as "Fill in the gaps" is not taken for one.
 */
export const PLACEHOLDER = 'FILL IN';

/**
 * Every value of a competition.yml that still holds a placeholder of the template, at its line,
 * with what to write there (the placeholder says it after the marker). A competition with one
 * left is not valid: a board titled "FILL IN" should never reach participants.
 */
export function placeholderProblems(source: YamlSource): Problem[] {
  let value: unknown;
  try {
    value = source.toJS();
  } catch {
    return []; // a text the YAML parser refused: its own problems say so
  }
  const found: Problem[] = [];
  const walk = (v: unknown, at: (string | number)[]): void => {
    if (typeof v === 'string') {
      const text = v.trim();
      if (!text.startsWith(PLACEHOLDER)) return;
      const what = text.slice(PLACEHOLDER.length).replace(/^[\s:]+/, '');
      found.push(source.problem(at, `still the template's placeholder; write ${what || 'your own value'}`));
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, [...at, i]));
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) walk(x, [...at, k]);
    }
  };
  walk(value, []);
  return found;
}
