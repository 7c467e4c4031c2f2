import { markdownTable } from 'markdown-table';
import type { Direction } from '../../scoring/metrics/types.js';
import type { SliceReport } from '../../scoring/score.js';
import { formatScore } from '../../format/units.js';
import { groupValue, groupsWeakestFirst, withheldNote, worstOf } from '../../results/slices.js';

/** A metric as the slice tables name it. */
export interface SliceMetric {
  name: string;
  direction: Direction;
}

/**
 * Every slice column as a table for the terminal: one row per group, weakest first on the
 * primary metric, a column per metric, then the worst group of each metric and its gap to the
 * best. Group names come from a truth file: control characters (a terminal would obey them)
 * are shown as �, and a | cannot break the table.
 */
export function sliceTables(slices: Record<string, SliceReport>, all: readonly SliceMetric[], primary: SliceMetric): string {
  const out: string[] = [];
  for (const [column, report] of Object.entries(slices)) {
    // A metric the slices do not hold (one a scoring program computes) has no column.
    const metrics = all.filter((m) => Object.values(report.groups).some((g) => Object.hasOwn(g.metrics, m.name)));
    const groups = groupsWeakestFirst(report, primary.name, primary.direction);
    const head = [shown(column), 'n', ...metrics.map((m) => `${m.name} ${m.direction === 'maximize' ? '↑' : '↓'}`)];
    const rows = groups.map((g) => [
      shown(g.name),
      String(g.n),
      ...metrics.map((m) => {
        const v = groupValue(g, m.name);
        return v === undefined ? '–' : formatScore(v);
      }),
    ]);
    const worst = metrics.flatMap((m) => {
      const w = worstOf(report, m.name);
      return w ? [`${m.name}: ${shown(w.group)} (${formatScore(w.value)}, ${formatScore(w.gap)} from the best group)`] : [];
    });
    out.push(
      `Slices by ${shown(column)}: ${groups.length} group(s), weakest first on ${primary.name}`,
      markdownTable([head, ...rows], { align: ['l', 'r', ...metrics.map(() => 'r' as const)] }),
      ...(worst.length > 0 ? [`Worst group per metric: ${worst.join('; ')}.`] : []),
      ...(withheldNote(report) ? [withheldNote(report)!] : []),
      '',
    );
  }
  return out.join('\n');
}

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** A name from a file, safe in a terminal table. */
function shown(text: string): string {
  return text.replace(CONTROL, '\ufffd').replace(/\|/g, '\\|');
}
