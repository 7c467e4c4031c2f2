/**
 * CIDEr-D and ROUGE-L as pycocoevalcap's `Cider` and `Rouge` scorers compute them, on the
 * text as given (no PTB tokenisation).
 */
import { PairIds, pySplit, Scratch, Vocabulary } from './text-tokens.js';
import { IntList } from './int-list.js';
import type { TextData } from './types.js';

const CIDER_ORDER = 4;
const SIGMA = 6.0;

/**
 * The corpus, cooked once: every n-gram (orders 1-4 of whitespace-split words) gets an id
 * across the corpus; per item, the hypothesis's distinct n-grams with their counts, the same
 * per reference, and the distinct n-grams of all its references (what document frequency
 * counts).
 */
export interface CiderCorpus {
  items: number;
  grams: number;
  /** Order (0-3) of each n-gram id. */
  order: Uint8Array;
  hypStart: Int32Array;
  hypGram: Int32Array;
  hypCount: Int32Array;
  /** Order (0-3) of each hypothesis entry. */
  hypOrder: Uint8Array;
  /** pycocoevalcap's "length" of the hypothesis: its number of bigrams (what its counts2vec adds up for n == 1). */
  hypLength: Int32Array;
  /** Item i's references are refs itemRefs[i] .. itemRefs[i+1]. */
  itemRefs: Int32Array;
  refStart: Int32Array;
  refGram: Int32Array;
  refCount: Int32Array;
  refOrder: Uint8Array;
  /** Per reference entry, the hypothesis entry of the same item with the same n-gram, or -1: only those add to the cosine. */
  refMatch: Int32Array;
  refLength: Int32Array;
  dfStart: Int32Array;
  dfGram: Int32Array;
}

export function cookCider(data: TextData): CiderCorpus {
  const n = data.hypotheses.length;
  const vocabulary = new Vocabulary();
  const ids = new PairIds(1 << 16);
  const order = new IntList();
  const counts = new Scratch();
  const seen = new Scratch();
  const hypStart = new Int32Array(n + 1);
  const hypGram = new IntList();
  const hypCount = new IntList();
  const hypLength = new Int32Array(n);
  const itemRefs = new Int32Array(n + 1);
  const refStart = new IntList();
  const refGram = new IntList();
  const refCount = new IntList();
  const refMatch = new IntList();
  const position = new Scratch();
  const refLength = new IntList();
  const dfStart = new Int32Array(n + 1);
  const dfGram = new IntList();
  refStart.push(0);

  // Distinct n-grams of a text with their counts, in first-occurrence order.
  const cook = (text: string, gram: IntList, count: IntList): number => {
    const words = vocabulary.ofWords(pySplit(text));
    const occurrences: number[] = [];
    for (let k = 0; k < CIDER_ORDER; k++) {
      for (let i = 0; i + k < words.length; i++) {
        let g = -1;
        for (let j = 0; j <= k; j++) {
          const before = ids.size;
          g = ids.id(g, words[i + j]!);
          if (ids.size > before) order.push(j);
        }
        occurrences.push(g);
      }
    }
    const c = counts.ensure(ids.size);
    for (const g of occurrences) c[g]!++;
    for (const g of occurrences) {
      if (c[g]! > 0) {
        gram.push(g);
        count.push(c[g]!);
        c[g] = 0;
      }
    }
    return Math.max(0, words.length - 1);
  };

  for (let item = 0; item < n; item++) {
    hypLength[item] = cook(data.hypotheses[item]!, hypGram, hypCount);
    hypStart[item + 1] = hypGram.n;
    const refs = data.references[item]!;
    for (const ref of refs) {
      refLength.push(cook(ref, refGram, refCount));
      refStart.push(refGram.n);
    }
    itemRefs[item + 1] = itemRefs[item]! + refs.length;
    const at = position.ensure(ids.size);
    for (let p = hypStart[item]!; p < hypStart[item + 1]!; p++) at[hypGram.a[p]!] = p - hypStart[item]! + 1;
    for (let p = refStart.a[itemRefs[item]!]!; p < refGram.n; p++) refMatch.push(at[refGram.a[p]!]! - 1);
    for (let p = hypStart[item]!; p < hypStart[item + 1]!; p++) at[hypGram.a[p]!] = 0;
    const s = seen.ensure(ids.size);
    for (let p = refStart.a[itemRefs[item]!]!; p < refGram.n; p++) {
      const g = refGram.a[p]!;
      if (s[g] === 0) {
        s[g] = 1;
        dfGram.push(g);
      }
    }
    for (let p = dfStart[item]!; p < dfGram.n; p++) s[dfGram.a[p]!] = 0;
    dfStart[item + 1] = dfGram.n;
  }
  const gramOrder = Uint8Array.from(order.done());
  const hypGrams = hypGram.done();
  const refGrams = refGram.done();
  return {
    items: n,
    grams: ids.size,
    order: gramOrder,
    hypStart,
    hypGram: hypGrams,
    hypCount: hypCount.done(),
    hypOrder: Uint8Array.from(hypGrams, (g) => gramOrder[g]!),
    hypLength,
    itemRefs,
    refStart: refStart.done(),
    refGram: refGrams,
    refCount: refCount.done(),
    refOrder: Uint8Array.from(refGrams, (g) => gramOrder[g]!),
    refMatch: refMatch.done(),
    refLength: refLength.done(),
    dfStart,
    dfGram: dfGram.done(),
  };
}

/** Work arrays of a CIDEr-D evaluation, reused between resamples. */
export class CiderScorer {
  private readonly df: Float64Array;
  private readonly scale: Float64Array;
  private hypValue = new Float64Array(256);
  private logs = new Float64Array(2);

  constructor(private readonly c: CiderCorpus) {
    this.df = new Float64Array(c.grams);
    this.scale = new Float64Array(c.grams);
  }

  /**
   * Each item's CIDEr-D (items with weight 0 get 0), with the document frequencies and the
   * number of images counted over the weighted corpus: an item drawn w times counts w times.
   */
  scores(w: Uint32Array | undefined, out: Float64Array): void {
    const c = this.c;
    const df = this.df;
    let images = 0;
    for (let i = 0; i < c.items; i++) {
      const wi = w ? w[i]! : 1;
      if (wi === 0) continue;
      images += wi;
      for (let p = c.dfStart[i]!; p < c.dfStart[i + 1]!; p++) df[c.dfGram[p]!]! += wi;
    }
    if (this.logs.length <= images) {
      this.logs = new Float64Array(images + 1);
      for (let k = 1; k <= images; k++) this.logs[k] = Math.log(k);
    }
    const logs = this.logs;
    const refLen = Math.log(images);
    // Each n-gram's idf weight, refLen - log(max(1, df)): df is a whole number of (weighted)
    // images, 0 for n-grams no reference has.
    const scale = this.scale;
    for (let g = 0; g < c.grams; g++) scale[g] = refLen - logs[Math.max(1, df[g]!)]!;
    const normHyp = new Float64Array(CIDER_ORDER);
    const normRef = new Float64Array(CIDER_ORDER);
    const val = new Float64Array(CIDER_ORDER);
    const score = new Float64Array(CIDER_ORDER);
    const penaltyScale = 2 * SIGMA ** 2;
    for (let i = 0; i < c.items; i++) {
      out[i] = 0;
      if (w && w[i] === 0) continue;
      const h0 = c.hypStart[i]!;
      const h1 = c.hypStart[i + 1]!;
      if (this.hypValue.length < h1 - h0) this.hypValue = new Float64Array((h1 - h0) * 2);
      const hv = this.hypValue;
      normHyp.fill(0);
      for (let p = h0; p < h1; p++) {
        const v = c.hypCount[p]! * scale[c.hypGram[p]!]!;
        hv[p - h0] = v;
        normHyp[c.hypOrder[p]!]! += v * v;
      }
      for (let k = 0; k < CIDER_ORDER; k++) normHyp[k] = Math.sqrt(normHyp[k]!);
      score.fill(0);
      const r0 = c.itemRefs[i]!;
      const r1 = c.itemRefs[i + 1]!;
      for (let r = r0; r < r1; r++) {
        normRef.fill(0);
        val.fill(0);
        for (let p = c.refStart[r]!; p < c.refStart[r + 1]!; p++) {
          const v = c.refCount[p]! * scale[c.refGram[p]!]!;
          const k = c.refOrder[p]!;
          normRef[k]! += v * v;
          const h = c.refMatch[p]!;
          // Clipping: the hypothesis's weight counts at most as much as the reference's.
          if (h >= 0) val[k]! += Math.min(hv[h]!, v) * v;
        }
        for (let k = 0; k < CIDER_ORDER; k++) normRef[k] = Math.sqrt(normRef[k]!);
        const delta = c.hypLength[i]! - c.refLength[r]!;
        const penalty = Math.exp(-(delta * delta) / penaltyScale);
        for (let k = 0; k < CIDER_ORDER; k++) {
          if (normHyp[k] !== 0 && normRef[k] !== 0) val[k] = val[k]! / (normHyp[k]! * normRef[k]!);
          score[k]! += val[k]! * penalty;
        }
      }
      let mean = 0;
      for (let k = 0; k < CIDER_ORDER; k++) mean += score[k]!;
      mean /= CIDER_ORDER;
      mean /= r1 - r0;
      out[i] = mean * 10.0;
    }
    for (let i = 0; i < c.items; i++) {
      if (w && w[i] === 0) continue;
      for (let p = c.dfStart[i]!; p < c.dfStart[i + 1]!; p++) df[c.dfGram[p]!] = 0;
    }
  }
}

const BETA2 = 1.2 * 1.2;

/** ROUGE-L per item: LCS-based F-measure with β = 1.2, precision and recall each the maximum over the references; words split on single spaces as pycocoevalcap splits them. */
export function rougeLScores(data: TextData): Float64Array {
  const n = data.hypotheses.length;
  const out = new Float64Array(n);
  const vocabulary = new Vocabulary();
  let row = new Int32Array(64);
  for (let item = 0; item < n; item++) {
    const candidate = vocabulary.ofWords(data.hypotheses[item]!.split(' '));
    let precMax = -Infinity;
    let recMax = -Infinity;
    for (const ref of data.references[item]!) {
      const reference = vocabulary.ofWords(ref.split(' '));
      if (row.length <= candidate.length) row = new Int32Array(candidate.length * 2 + 1);
      const lcs = longestCommonSubsequence(reference, candidate, row);
      precMax = Math.max(precMax, lcs / candidate.length);
      recMax = Math.max(recMax, lcs / reference.length);
    }
    out[item] = precMax !== 0 && recMax !== 0 ? ((1 + BETA2) * precMax * recMax) / (recMax + BETA2 * precMax) : 0.0;
  }
  return out;
}

function longestCommonSubsequence(a: Int32Array, b: Int32Array, row: Int32Array): number {
  const m = b.length;
  row.fill(0, 0, m + 1);
  for (let i = 0; i < a.length; i++) {
    const ai = a[i]!;
    let diagonal = 0;
    for (let j = 1; j <= m; j++) {
      const up = row[j]!;
      row[j] = b[j - 1] === ai ? diagonal + 1 : up > row[j - 1]! ? up : row[j - 1]!;
      diagonal = up;
    }
  }
  return row[m]!;
}
