import type { FrozenKeys } from './columns.js';
import type { Table } from './table.js';
import type { ClassData, RankingData, ScoringInput, TextData, TrecLists } from './metrics/types.js';
import { normaliser } from './text-normalise.js';
import { argsort } from './metrics/sort.js';
import { labelsOf, TruthError, type ScoringSpec } from './spec.js';
import type { LoadedPredictions } from './predictions.js';
import { codesOf, KeyCodes } from './key-codes.js';

/**
 * The metrics' input, built from the truth and the joined predictions: labels, scores and
 * numbers per truth row, and for retrieval each query's ranked list in trec_eval's order.
 */

/** Class names sorted as scikit-learn's np.unique would: numerically when all are numbers. */
export function sortClasses(values: Iterable<string>): string[] {
  const all = [...new Set(values)];
  const numeric = all.every((v) => v.trim() !== '' && Number.isFinite(Number(v)));
  return numeric ? all.sort((a, b) => Number(a) - Number(b)) : all.sort();
}

/**
 * The metrics' input: truth rows in file order (the bootstrap units), each with its
 * prediction. `rows` limits it to a subset of truth rows (a slice).
 */
export function buildInput(
  truth: Table,
  predictions: LoadedPredictions,
  rowOf: Int32Array,
  spec: ScoringSpec,
  rows?: Int32Array,
): ScoringInput {
  let pick = rows;
  if (!pick) {
    pick = new Int32Array(truth.n);
    for (let i = 0; i < truth.n; i++) pick[i] = i;
  }
  const n = pick.length;
  const reads = spec.reads;
  const input: ScoringInput = { units: n };
  const tcol = truth.columns.get(spec.target)!;
  const p = predictions.table;

  if (reads.has('number')) {
    const pcol = p.columns.get(spec.target)!;
    if (tcol.kind !== 'number' || pcol.kind !== 'number') throw new TruthError(`"${spec.target}" must hold numbers`);
    if (tcol.notNumber.count + tcol.notFinite.count > 0)
      throw new TruthError(`the truth's "${spec.target}" column has values that are not finite numbers`);
    const t = new Float64Array(n);
    const pr = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      t[k] = tcol.values[pick[k]!]!;
      pr[k] = pcol.values[rowOf[pick[k]!]!]!;
    }
    input.regression = { truth: t, predicted: pr };
  }

  if (reads.has('label') || reads.has('score') || reads.has('class-scores') || reads.has('label-sets') || reads.has('predicted-sets')) {
    if (tcol.kind !== 'category') throw new TruthError(`"${spec.target}" must hold labels`);
    const predictedSets = reads.has('predicted-sets');
    const sets = reads.has('label-sets') || predictedSets;
    const truthLabels = sets ? tcol.values.flatMap(labelsOf) : tcol.values;
    const pcol = reads.has('label') || predictedSets ? p.columns.get(spec.target) : undefined;
    const predicted = pcol?.kind === 'category' ? (predictedSets ? pcol.values.flatMap(labelsOf) : pcol.values) : [];
    const scoreClasses = predictions.scoreClasses;
    // Label sets are binarised over the competition's labels when it lists them (scikit-learn's
    // MultiLabelBinarizer(classes=…)), else over every label of the truth and the predictions.
    const fixed = scoreClasses.length > 0 ? scoreClasses : predictedSets && spec.labels ? [...spec.labels] : undefined;
    const classes = fixed ?? sortClasses([...truthLabels, ...predicted]);
    if (fixed) {
      const known = new Set(fixed);
      const unknown = truthLabels.filter((l) => !known.has(l));
      if (unknown.length > 0)
        throw new TruthError(
          `the truth has label(s) ${[...new Set(unknown)].slice(0, 5).join(', ')} ${scoreClasses.length > 0 ? 'with no score column' : "that are not among the competition's labels (concepts)"}`,
        );
    }
    const code = new Map(classes.map((c, i) => [c, i]));
    const data: ClassData = { classes, truth: new Int32Array(n) };
    const truthCode = Int32Array.from(tcol.values, (v) => code.get(v) ?? -1);
    for (let k = 0; k < n; k++) data.truth[k] = truthCode[tcol.codes[pick[k]!]!]!;
    if (sets) {
      const kk = classes.length;
      const setsOf = tcol.values.map((v) => labelsOf(v).map((x) => code.get(x)!));
      data.truthSets = new Uint8Array(n * kk);
      for (let k = 0; k < n; k++) for (const c of setsOf[tcol.codes[pick[k]!]!]!) data.truthSets[k * kk + c] = 1;
    }
    if (predictedSets && pcol?.kind === 'category') {
      const kk = classes.length;
      const setsOf = pcol.values.map((v) =>
        labelsOf(v).map((x) => {
          const c = code.get(x);
          // Predictions are checked against the competition's labels when read.
          if (c === undefined) throw new Error(`predicted label "${x}" outside the labels`);
          return c;
        }),
      );
      data.predictedSets = new Uint8Array(n * kk);
      for (let k = 0; k < n; k++) for (const c of setsOf[pcol.codes[rowOf[pick[k]!]!]!]!) data.predictedSets[k * kk + c] = 1;
    } else if (pcol?.kind === 'category') {
      const predCode = Int32Array.from(pcol.values, (v) => code.get(v)!);
      data.predicted = new Int32Array(n);
      for (let k = 0; k < n; k++) data.predicted[k] = predCode[pcol.codes[rowOf[pick[k]!]!]!]!;
    }
    if (reads.has('score')) {
      const s = p.columns.get(spec.score)!;
      if (s.kind !== 'number') throw new Error('score column must be numeric');
      data.score = new Float64Array(n);
      for (let k = 0; k < n; k++) data.score[k] = s.values[rowOf[pick[k]!]!]!;
    }
    if (scoreClasses.length > 0) {
      data.classScores = scoreClasses.map((c) => {
        const s = p.columns.get(`${spec.score}_${c}`)!;
        if (s.kind !== 'number') throw new Error('score column must be numeric');
        const out = new Float64Array(n);
        for (let k = 0; k < n; k++) out[k] = s.values[rowOf[pick[k]!]!]!;
        return out;
      });
    }
    input.classes = data;
  }

  if (reads.has('text')) input.text = textInput(truth, predictions, rowOf, spec, pick);
  if (input.text) input.units = input.text.ids.length;

  // Retrieval is scored per query: only the queries of the rows picked (a part, a slice) count.
  if (reads.has('ranking')) input.ranking = rankingInput(truth, predictions, rowOf, spec, rows);
  if (input.ranking) input.units = input.ranking.queries.length;
  return input;
}

/**
 * Texts per id of the picked truth rows: the units are the distinct ids in the order they first
 * appear, each with its prediction's text and its references (its truth rows, in row order),
 * all normalised by the spec's steps.
 */
function textInput(truth: Table, predictions: LoadedPredictions, rowOf: Int32Array, spec: ScoringSpec, pick: Int32Array): TextData {
  const tcol = truth.columns.get(spec.target)!;
  const pcol = predictions.table.columns.get(spec.target)!;
  const idCol = truth.columns.get(spec.id)!;
  if (tcol.kind !== 'text' || pcol.kind !== 'text' || idCol.kind !== 'key') throw new Error('text columns');
  const norm = normaliser(spec.normalise);
  const codes = new KeyCodes();
  const unitOf = codesOf(idCol.keys, pick, codes, true);
  const units = codes.size;
  const hypotheses = new Array<string>(units);
  const references: string[][] = Array.from({ length: units }, () => []);
  for (let k = 0; k < pick.length; k++) {
    const u = unitOf[k]!;
    const row = pick[k]!;
    if (references[u]!.length === 0) hypotheses[u] = norm(pcol.values[rowOf[row]!]!);
    references[u]!.push(norm(tcol.values[row]!));
  }
  return { ids: codes.names, hypotheses, references };
}

/**
 * Per query of the picked truth rows (the units, in truth order): its retrieved documents in
 * trec_eval's order with their judgements, and the judged grades. One radix sort of all scores
 * and one counting pass by query; equal scores are then put in reverse document-id order.
 */
function rankingInput(truth: Table, predictions: LoadedPredictions, rowOf: Int32Array, spec: ScoringSpec, rows?: Int32Array): RankingData {
  const q = truth.columns.get(spec.query!)!;
  const d = truth.columns.get(spec.id)!;
  const g = truth.columns.get(spec.target)!;
  if (q.kind !== 'key' || d.kind !== 'key' || g.kind !== 'number') throw new Error('ranking truth columns');
  const pd = predictions.table.columns.get(spec.id)!;
  const ps = predictions.table.columns.get(spec.score)!;
  if (pd.kind !== 'key' || ps.kind !== 'number') throw new Error('ranking prediction columns');
  const grade = g.values;

  // Units: the queries of the picked rows.
  const unitOf = new KeyCodes();
  const pickedUnit = codesOf(q.keys, rows, unitOf, true);
  const units = unitOf.size;
  const queries = unitOf.names;
  const nPicked = pickedUnit.length;

  // Judged grades per unit, in truth order; counts per whole grade; any fractional grade.
  const judgedStart = new Int32Array(units + 1);
  for (let r = 0; r < nPicked; r++) judgedStart[pickedUnit[r]! + 1] = judgedStart[pickedUnit[r]! + 1]! + 1;
  for (let u = 0; u < units; u++) judgedStart[u + 1] = judgedStart[u + 1]! + judgedStart[u]!;
  const judgedFlat = new Float64Array(nPicked);
  const fill = judgedStart.slice(0, units);
  let maxGrade = 0;
  let fractionalGrade: number | undefined;
  for (let r = 0; r < nPicked; r++) {
    const v = grade[rows ? rows[r]! : r]!;
    judgedFlat[fill[pickedUnit[r]!]!++] = v;
    if (!Number.isInteger(v)) fractionalGrade ??= v;
    else if (v > maxGrade) maxGrade = v;
  }
  if (fractionalGrade === undefined && (maxGrade + 1) * units > 1 << 26)
    throw new TruthError(`the truth's grades go up to ${maxGrade}: too many relevance levels; grade documents 0, 1, 2, …`);
  const width = fractionalGrade === undefined ? maxGrade + 1 : 1;
  const levelStart = Int32Array.from({ length: units + 1 }, (_, u) => u * width);
  const levels = new Int32Array(units * width);
  const numRel = new Int32Array(units);
  if (fractionalGrade === undefined) {
    for (let u = 0; u < units; u++) {
      for (let k = judgedStart[u]!; k < judgedStart[u + 1]!; k++) {
        const v = judgedFlat[k]!;
        if (v >= 0) levels[u * width + v] = levels[u * width + v]! + 1;
        if (v >= 1) numRel[u] = numRel[u]! + 1;
      }
    }
  }

  // Each prediction row's judgement (its truth row, or -1) and unit (or -1: a query not picked).
  const np = predictions.ids.length;
  const truthRow = new Int32Array(np).fill(-1);
  for (let t = 0; t < rowOf.length; t++) if (rowOf[t]! >= 0) truthRow[rowOf[t]!] = t;
  const predUnit = codesOf(predictions.queries!, undefined, unitOf, false);

  // Rows grouped by unit, in file order first.
  const score = ps.values;
  const docs = pd.keys;
  const start = new Int32Array(units + 1);
  for (let i = 0; i < np; i++) if (predUnit[i]! >= 0) start[predUnit[i]! + 1] = start[predUnit[i]! + 1]! + 1;
  for (let u = 0; u < units; u++) start[u + 1] = start[u + 1]! + start[u]!;
  const ranked = new Int32Array(start[units]!);
  let at = start.slice(0, units);
  for (let i = 0; i < np; i++) {
    const u = predUnit[i]!;
    if (u >= 0) ranked[at[u]!++] = i;
  }
  // Then by score, highest first. Runs are mostly written that way already, which one pass
  // sees; a few unsorted lists are sorted alone, and many with one radix sort of all scores.
  const unsorted: number[] = [];
  let unsortedRows = 0;
  for (let u = 0; u < units; u++) {
    const e = start[u + 1]!;
    for (let k = start[u]! + 1; k < e; k++) {
      if (score[ranked[k]!]! > score[ranked[k - 1]!]!) {
        unsorted.push(u);
        unsortedRows += e - start[u]!;
        break;
      }
    }
  }
  if (unsortedRows > ranked.length / 8) {
    // A stable ascending sort walked backwards: each group by score descending.
    const order = argsort(score);
    at = start.slice(0, units);
    for (let k = np - 1; k >= 0; k--) {
      const i = order[k]!;
      const u = predUnit[i]!;
      if (u >= 0) ranked[at[u]!++] = i;
    }
  } else {
    for (const u of unsorted) ranked.subarray(start[u]!, start[u + 1]!).sort((x, y) => score[y]! - score[x]!);
  }
  // Equal scores: reverse document-id order, as trec_eval's comparison breaks ties.
  for (let u = 0; u < units; u++) {
    const e = start[u + 1]!;
    for (let a = start[u]!; a < e;) {
      let b = a + 1;
      while (b < e && score[ranked[b]!] === score[ranked[a]!]) b++;
      if (b - a > 1) ranked.subarray(a, b).sort((x, y) => compareKeys(docs, y, x));
      a = b;
    }
  }
  const rel = new Int32Array(ranked.length);
  for (let k = 0; k < ranked.length; k++) {
    const t = truthRow[ranked[k]!]!;
    rel[k] = t < 0 ? -1 : grade[t]! < 0 ? -2 : grade[t]!;
  }
  const trec: TrecLists = {
    rel,
    start,
    levels,
    levelStart,
    numRel,
    complete: spec.trecComplete === true,
    ...(fractionalGrade !== undefined ? { fractionalGrade } : {}),
  };

  // Podium's own retrieval metrics (map@k, ndcg@k, …) rank equal scores in document-id order,
  // the reverse of trec_eval's within each tie group, and read unjudged documents as grade 0.
  let legacy: { ranked: Float64Array[]; ties: Int32Array[]; judged: Float64Array[] } | undefined;
  const views = () => {
    if (legacy) return legacy;
    const out: { ranked: Float64Array[]; ties: Int32Array[]; judged: Float64Array[] } = { ranked: [], ties: [], judged: [] };
    for (let u = 0; u < units; u++) {
      const s = start[u]!;
      const e = start[u + 1]!;
      const grades = new Float64Array(e - s);
      const ties = new Int32Array(e - s);
      let group = 0;
      for (let a = s; a < e;) {
        let b = a + 1;
        while (b < e && score[ranked[b]!] === score[ranked[a]!]) b++;
        for (let k = a; k < b; k++) {
          const t = truthRow[ranked[a + b - 1 - k]!]!;
          grades[k - s] = t < 0 ? 0 : grade[t]!;
          ties[k - s] = group;
        }
        group++;
        a = b;
      }
      out.ranked.push(grades);
      out.ties.push(ties);
      out.judged.push(judgedFlat.subarray(judgedStart[u]!, judgedStart[u + 1]!));
    }
    return (legacy = out);
  };
  return {
    queries,
    get ranked() {
      return views().ranked;
    },
    get ties() {
      return views().ties;
    },
    get judged() {
      return views().judged;
    },
    trec,
  };
}

/** Bytewise comparison of two keys of the same column, as C's strcmp orders them. */
function compareKeys(keys: FrozenKeys, i: number, j: number): number {
  const b = keys.bytes;
  let a = keys.starts[i]!;
  const ae = keys.starts[i + 1]!;
  let c = keys.starts[j]!;
  const ce = keys.starts[j + 1]!;
  for (; a < ae && c < ce; a++, c++) if (b[a] !== b[c]) return b[a]! - b[c]!;
  return ae - a - (ce - c);
}
