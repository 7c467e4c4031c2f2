import type { NamedMetric } from './score.js';
import type { ScoringSpec } from './spec.js';
import type { Table } from './table.js';
import type { ScoringInput } from './metrics/types.js';
import { errorStatistics } from './metrics/text.js';
import { cookCider, CiderScorer, rougeLScores } from './metrics/text-coco.js';

/**
 * Each item's outcome, as lm-evaluation-harness's --log_samples writes them: for the
 * participant's own data only (`podium score --per-item`). Nothing on the way to a record
 * calls this: an item's outcome on hidden data would give its label away.
 */

/** A column of the per-item table: its name and its value on item i (undefined: empty). */
interface Column {
  name: string;
  at(i: number): string | number | undefined;
}

export interface PerItemTable {
  header: string[];
  /** Items, in the truth's order. */
  n: number;
  row(i: number): (string | number | undefined)[];
}

/** What --per-item cannot give per item, and what to use instead; undefined when it can. */
export function perItemUnsupported(spec: ScoringSpec): string | undefined {
  if (spec.reads.has('ranking')) return "retrieval metrics are computed per query, not per item: --per-query gives each query's value.";
  if (spec.reads.has('boxes')) return "COCO metrics are computed over every image at once: --per-query gives each category's value.";
  return undefined;
}

/**
 * The outcome of every item: its id, what was predicted and what is true, and whether it was
 * right (labels) or by how much it missed (numbers); for text, each item's value of the metrics
 * that have one (WER and CER edits over reference words or characters, ROUGE-L, CIDEr-D as
 * pycocoevalcap gives it per item). BLEU and chrF are corpus statistics: no per-item value.
 */
export function perItemOutcomes(input: ScoringInput, truth: Table, spec: ScoringSpec, metrics: readonly NamedMetric[]): PerItemTable {
  const cols: Column[] = [];
  const text = input.text;
  if (text) {
    cols.push(
      { name: 'id', at: (i) => text.ids[i] },
      { name: 'predicted', at: (i) => text.hypotheses[i] },
      { name: 'reference', at: (i) => text.references[i]![0] },
      { name: 'references', at: (i) => text.references[i]!.length },
    );
    for (const m of metrics) {
      const name = m.metric.name;
      if (name === 'wer' || name === 'cer') {
        const stats = errorStatistics(text, name === 'wer' ? 'word' : 'character');
        const unit = name === 'wer' ? 'words' : 'characters';
        cols.push(
          { name: `${m.name}_edits`, at: (i) => stats[2 * i] },
          { name: `${m.name}_reference_${unit}`, at: (i) => stats[2 * i + 1] },
          { name: m.name, at: (i) => (stats[2 * i + 1]! > 0 ? stats[2 * i]! / stats[2 * i + 1]! : undefined) },
        );
      } else if (name === 'rouge_l') {
        const scores = rougeLScores(text);
        cols.push({ name: m.name, at: (i) => scores[i] });
      } else if (name === 'cider_d') {
        const scores = new Float64Array(text.ids.length);
        new CiderScorer(cookCider(text)).scores(undefined, scores);
        cols.push({ name: m.name, at: (i) => scores[i] });
      }
    }
    return table(cols, text.ids.length);
  }
  // Every other kind: the units are the truth's rows, in order.
  const idCol = truth.columns.get(spec.id);
  if (idCol?.kind !== 'key') throw new Error('per-item outcomes need the truth ids');
  cols.push({ name: 'id', at: (i) => idCol.keys.get(i) });
  const reg = input.regression;
  if (reg)
    cols.push(
      { name: 'predicted', at: (i) => reg.predicted[i] },
      { name: 'true', at: (i) => reg.truth[i] },
      { name: 'error', at: (i) => reg.predicted[i]! - reg.truth[i]! },
    );
  const c = input.classes;
  if (c) {
    const k = c.classes.length;
    const setOf = (sets: Uint8Array, i: number) => c.classes.filter((_, j) => sets[i * k + j]).join(' ');
    const truthSets = c.truthSets;
    const predictedSets = c.predictedSets;
    if (predictedSets && truthSets) {
      cols.push(
        { name: 'predicted', at: (i) => setOf(predictedSets, i) },
        { name: 'true', at: (i) => setOf(truthSets, i) },
        { name: 'correct', at: (i) => (sameSet(predictedSets, truthSets, i, k) ? 1 : 0) },
      );
    } else {
      const predicted = c.predicted ?? (c.classScores && !truthSets ? argmax(c.classScores, input.units) : undefined);
      if (predicted) cols.push({ name: 'predicted', at: (i) => c.classes[predicted[i]!] });
      cols.push({ name: 'true', at: (i) => (truthSets ? setOf(truthSets, i) : c.classes[c.truth[i]!]) });
      if (predicted && !truthSets) cols.push({ name: 'correct', at: (i) => (predicted[i] === c.truth[i] ? 1 : 0) });
      const score = c.score;
      if (score) cols.push({ name: 'score', at: (i) => score[i] });
    }
  }
  return table(cols, input.units);
}

function table(cols: Column[], n: number): PerItemTable {
  return { header: cols.map((c) => c.name), n, row: (i) => cols.map((c) => c.at(i)) };
}

/** The class with the highest score per item (the first on a tie), for predictions given as one score column per class. */
function argmax(scores: readonly Float64Array[], n: number): Int32Array {
  const out = new Int32Array(n);
  const best = Float64Array.from(scores[0] ?? new Float64Array(n));
  for (let c = 1; c < scores.length; c++) {
    const s = scores[c]!;
    for (let i = 0; i < n; i++)
      if (s[i]! > best[i]!) {
        best[i] = s[i]!;
        out[i] = c;
      }
  }
  return out;
}

function sameSet(a: Uint8Array, b: Uint8Array, i: number, k: number): boolean {
  for (let j = i * k; j < (i + 1) * k; j++) if (a[j] !== b[j]) return false;
  return true;
}

/**
 * The table as text, in chunks of rows: CSV (RFC 4180 quoting) or JSON Lines (one object an
 * item, empty values left out).
 */
export function* perItemText(t: PerItemTable, format: 'csv' | 'jsonl', rowsPerChunk = 8192): Generator<string> {
  if (format === 'csv') yield `${t.header.map(csvField).join(',')}\n`;
  let chunk: string[] = [];
  for (let i = 0; i < t.n; i++) {
    const cells = t.row(i);
    if (format === 'csv') chunk.push(cells.map((v) => (v === undefined ? '' : csvField(String(v)))).join(','));
    else {
      const o: Record<string, string | number> = {};
      cells.forEach((v, j) => {
        if (v !== undefined) o[t.header[j]!] = v;
      });
      chunk.push(JSON.stringify(o));
    }
    if (chunk.length === rowsPerChunk) {
      yield `${chunk.join('\n')}\n`;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield `${chunk.join('\n')}\n`;
}

function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
