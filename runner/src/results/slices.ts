import type { SliceReport } from '../scoring/score.js';
import type { Direction } from '../scoring/metrics/types.js';

/**
 * A slice report as people read it (the submission page, the pull-request comment, the CLI):
 * its groups weakest first on the primary metric, since the weakest is what a participant
 * looks into. Group names come from the organiser's truth: whoever shows them escapes them.
 */

export interface SliceGroup {
  /** The group's value in the slice column. */
  name: string;
  /** Its items (queries, images). */
  n: number;
  /** Every metric defined on it. */
  metrics: Record<string, number>;
}

/** The groups, weakest first on `metric`; those where it is undefined last; equal values by name. */
export function groupsWeakestFirst(report: SliceReport, metric: string, direction: Direction): SliceGroup[] {
  const sign = direction === 'maximize' ? 1 : -1;
  const value = (g: SliceGroup) => (Object.hasOwn(g.metrics, metric) ? g.metrics[metric] : undefined);
  return Object.entries(report.groups)
    .map(([name, g]) => ({ name, n: g.n, metrics: g.metrics }))
    .sort((a, b) => {
      const x = value(a);
      const y = value(b);
      if (x === undefined || y === undefined) {
        if (x !== y) return x === undefined ? 1 : -1;
      } else if (x !== y) return sign * (x - y);
      return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    });
}

/** A metric's value on a group, undefined where it has none. */
export function groupValue(g: SliceGroup, metric: string): number | undefined {
  return Object.hasOwn(g.metrics, metric) ? g.metrics[metric] : undefined;
}

/**
 * The sentence saying which groups have no values because they are too small
 * (data.min_slice_size), or undefined when every group was scored.
 */
export function withheldNote(report: SliceReport): string | undefined {
  const min = report.min_size;
  const withheld = Object.values(report.groups).filter((g) => g.withheld);
  if (min === undefined || withheld.length === 0) return undefined;
  const small = withheld.filter((g) => g.n < min).length;
  const cover = withheld.length - small;
  return `${small} ${small === 1 ? 'group has' : 'groups have'} fewer than ${min} items, so ${small === 1 ? 'it is' : 'they are'} not scored apart (–): a score on a few hidden items would tell their outcomes.${
    cover > 0
      ? ` Nor ${cover === 1 ? 'is 1 other group' : `are ${cover} other groups`}, or ${small === 1 ? 'its' : 'their'} score would follow from the whole's and the groups shown.`
      : ''
  }`;
}

/** The worst group of a metric, when the report has one. */
export function worstOf(report: SliceReport, metric: string): { group: string; value: number; gap: number } | undefined {
  if (!Object.hasOwn(report.worst, metric)) return undefined;
  const w = report.worst[metric]!;
  return { group: w.group, value: w.value, gap: Object.hasOwn(report.gap, metric) ? report.gap[metric]! : 0 };
}
