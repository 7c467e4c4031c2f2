/**
 * BLEU and chrF as sacrebleu's `corpus_bleu` and `corpus_chrf` compute them with their
 * defaults. Each item's sufficient statistics (BLEU: hypothesis length, closest reference
 * length, matched and total n-grams of orders 1-4; chrF: hypothesis, reference and matched
 * character n-grams of orders 1-6 against the item's best reference) are worked out once;
 * the corpus score of any resample sums them with the item's weight, as sacrebleu sums the
 * segments' statistics of a corpus.
 */
import { codePoints, PairIds, pyRstrip, pySplit, Scratch, Vocabulary, withoutSpaces } from './text-tokens.js';
import type { TextData } from './types.js';

// mteval-v13a's language-independent part, as sacrebleu's Tokenizer13a applies it.
const SYMBOLS = /([\x7b-\x7e\x5b-\x60\x20-\x26\x28-\x2b\x3a-\x40\x2f])/g;
const BEFORE_PERIOD = /([^0-9])([.,])/gu;
const AFTER_PERIOD = /([.,])([^0-9])/gu;
const DASH_AFTER_DIGIT = /([0-9])(-)/g;

/** sacrebleu's 13a tokenisation of one segment (after its `rstrip()`), as space-separated tokens. */
export function tokenize13a(segment: string): string[] {
  let line = pyRstrip(segment).replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  if (line.includes('&')) line = line.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  line = ` ${line} `
    .replace(SYMBOLS, ' $1 ')
    .replace(BEFORE_PERIOD, '$1 $2 ')
    .replace(AFTER_PERIOD, ' $1 $2')
    .replace(DASH_AFTER_DIGIT, '$1 $2 ');
  // Python's split(): every whitespace character separates; the regexes add only spaces.
  return pySplit(line);
}

export const BLEU_ORDER = 4;
/** Per item: hypothesis length, reference length, matched n-grams of orders 1-4, total n-grams of orders 1-4. */
export const BLEU_STATS = 2 + 2 * BLEU_ORDER;

/** BLEU's statistics per item (BLEU_STATS numbers each). */
export function bleuStatistics(data: TextData): Float64Array {
  const n = data.hypotheses.length;
  const stats = new Float64Array(n * BLEU_STATS);
  const vocabulary = new Vocabulary();
  const grams = new PairIds(1024);
  const refMax = new Scratch();
  const count = new Scratch();
  const used = new Scratch();
  const touched: number[] = [];
  for (let item = 0; item < n; item++) {
    grams.reset();
    const refs = data.references[item]!;
    const refLengths: number[] = [];
    touched.length = 0;
    // Reference n-gram counts: the maximum over the references, as sacrebleu merges them.
    for (const ref of refs) {
      const tokens = vocabulary.ofWords(tokenize13a(ref));
      refLengths.push(tokens.length);
      const ids: number[] = [];
      for (let i = 0; i < tokens.length; i++) {
        let prefix = -1;
        for (let k = 0; k < BLEU_ORDER && i + k < tokens.length; k++) {
          prefix = grams.id(prefix, tokens[i + k]!);
          ids.push(prefix);
        }
      }
      const c = count.ensure(grams.size);
      const m = refMax.ensure(grams.size);
      for (const g of ids) c[g]!++;
      for (const g of ids) {
        if (c[g]! > 0) {
          if (c[g]! > m[g]!) {
            if (m[g] === 0) touched.push(g);
            m[g] = c[g]!;
          }
          c[g] = 0;
        }
      }
    }
    const hyp = tokenize13a(data.hypotheses[item]!);
    const base = item * BLEU_STATS;
    stats[base] = hyp.length;
    stats[base + 1] = closestLength(hyp.length, refLengths);
    const m = refMax.ensure(grams.size);
    const u = used.ensure(grams.size);
    const hypTokens = hyp.map((t) => vocabulary.find(t));
    const matched: number[] = [];
    for (let k = 0; k < BLEU_ORDER; k++) stats[base + 2 + BLEU_ORDER + k] = Math.max(0, hyp.length - k);
    for (let i = 0; i < hyp.length; i++) {
      let prefix = -1;
      for (let k = 0; k < BLEU_ORDER && i + k < hyp.length; k++) {
        const t = hypTokens[i + k]!;
        // A word or n-gram no reference has: no longer n-gram from here can match either.
        if (t < 0) break;
        prefix = grams.find(prefix, t);
        if (prefix < 0) break;
        // Clipped counts: the j-th occurrence matches while the references have j of it.
        if (u[prefix]! < m[prefix]!) {
          if (u[prefix] === 0) matched.push(prefix);
          u[prefix]!++;
          stats[base + 2 + k]!++;
        }
      }
    }
    for (const g of matched) u[g] = 0;
    for (const g of touched) m[g] = 0;
  }
  return stats;
}

/** sacrebleu's effective reference length 'closest': the nearest length, the shorter one on a tie. */
function closestLength(hypLength: number, refLengths: number[]): number {
  let bestDiff = -1;
  let best = -1;
  for (const r of refLengths) {
    const diff = Math.abs(hypLength - r);
    if (bestDiff === -1 || diff < bestDiff) {
      bestDiff = diff;
      best = r;
    } else if (diff === bestDiff && r < best) best = r;
  }
  return best;
}

/** sacrebleu's `my_log`: log floored at -9999999999 for 0. */
const myLog = (x: number): number => (x === 0 ? -9999999999 : Math.log(x));

/** Corpus BLEU from summed statistics, with sacrebleu's exponential smoothing ('exp'). */
export function bleuFromTotals(t: Float64Array): number {
  const sysLen = t[0]!;
  const refLen = t[1]!;
  let bp = 1.0;
  if (sysLen < refLen) bp = sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0.0;
  let anyCorrect = false;
  for (let k = 0; k < BLEU_ORDER; k++) if (t[2 + k] !== 0) anyCorrect = true;
  if (!anyCorrect) return 0.0;
  const precisions = new Float64Array(BLEU_ORDER);
  let smooth = 1.0;
  for (let k = 0; k < BLEU_ORDER; k++) {
    const correct = t[2 + k]!;
    const total = t[2 + BLEU_ORDER + k]!;
    if (total === 0) break;
    if (correct === 0) {
      smooth *= 2;
      precisions[k] = 100 / (smooth * total);
    } else precisions[k] = (100 * correct) / total;
  }
  let sum = 0;
  for (let k = 0; k < BLEU_ORDER; k++) sum += myLog(precisions[k]!);
  return bp * Math.exp(sum / BLEU_ORDER);
}

export const CHRF_ORDER = 6;
const BETA = 2;
/** Per item and order 1-6: hypothesis n-grams, reference n-grams, matched n-grams (against the best reference). */
export const CHRF_STATS = 3 * CHRF_ORDER;

/** chrF's statistics per item (CHRF_STATS numbers each), against the reference sacrebleu picks (best segment chrF, the first on a tie). */
export function chrfStatistics(data: TextData): Float64Array {
  const n = data.hypotheses.length;
  const stats = new Float64Array(n * CHRF_STATS);
  const grams = new PairIds(4096);
  const count = new Scratch();
  const used = new Scratch();
  let buffer = new Int32Array(256);
  const best = new Float64Array(CHRF_STATS);
  const current = new Float64Array(CHRF_STATS);
  for (let item = 0; item < n; item++) {
    const hypText = withoutSpaces(data.hypotheses[item]!);
    if (buffer.length < hypText.length) buffer = new Int32Array(hypText.length * 2);
    const hyp = codePoints(hypText, buffer);
    let bestF = -1.0;
    for (const refText of data.references[item]!) {
      grams.reset();
      const ref = codePoints(withoutSpaces(refText));
      const ids: number[] = [];
      for (let i = 0; i < ref.length; i++) {
        let prefix = -1;
        for (let k = 0; k < CHRF_ORDER && i + k < ref.length; k++) {
          prefix = grams.id(prefix, ref[i + k]!);
          ids.push(prefix);
        }
      }
      const c = count.ensure(grams.size);
      const u = used.ensure(grams.size);
      for (const g of ids) c[g]!++;
      current.fill(0);
      const matchedIds: number[] = [];
      for (let i = 0; i < hyp.length; i++) {
        let prefix = -1;
        for (let k = 0; k < CHRF_ORDER && i + k < hyp.length; k++) {
          prefix = grams.find(prefix, hyp[i + k]!);
          if (prefix < 0) break;
          if (u[prefix]! < c[prefix]!) {
            if (u[prefix] === 0) matchedIds.push(prefix);
            u[prefix]!++;
            current[3 * k + 2]!++;
          }
        }
      }
      for (let k = 0; k < CHRF_ORDER; k++) {
        const refTotal = Math.max(0, ref.length - k);
        // sacrebleu counts the hypothesis's n-grams of an order only when the reference has some.
        current[3 * k] = refTotal > 0 ? Math.max(0, hyp.length - k) : 0;
        current[3 * k + 1] = refTotal;
      }
      for (const g of ids) c[g] = 0;
      for (const g of matchedIds) u[g] = 0;
      const f = chrfFromTotals(current);
      if (f > bestF) {
        bestF = f;
        best.set(current);
      }
    }
    stats.set(best, item * CHRF_STATS);
  }
  return stats;
}

/** chrF (β = 2) from summed statistics, averaging precision and recall over the orders both sides have (sacrebleu's default, no epsilon smoothing), on 0-100. */
export function chrfFromTotals(t: Float64Array): number {
  const factor = BETA * BETA;
  let avgPrec = 0.0;
  let avgRec = 0.0;
  let effective = 0;
  for (let k = 0; k < CHRF_ORDER; k++) {
    const hyp = t[3 * k]!;
    const ref = t[3 * k + 1]!;
    const match = t[3 * k + 2]!;
    if (hyp > 0 && ref > 0) {
      avgPrec += match / hyp;
      avgRec += match / ref;
      effective++;
    }
  }
  if (effective === 0) avgPrec = avgRec = 0.0;
  else {
    avgPrec /= effective;
    avgRec /= effective;
  }
  if (avgPrec + avgRec === 0) return 0.0;
  let score = (1 + factor) * avgPrec * avgRec;
  score /= factor * avgPrec + avgRec;
  return 100 * score;
}

/** Statistics summed over the items with their weights (absent: each once). */
export function weightedTotals(stats: Float64Array, width: number, w: Uint32Array | undefined): Float64Array {
  const t = new Float64Array(width);
  const n = stats.length / width;
  if (w) {
    for (let i = 0; i < n; i++) {
      const wi = w[i]!;
      if (wi === 0) continue;
      const base = i * width;
      for (let k = 0; k < width; k++) t[k]! += wi * stats[base + k]!;
    }
  } else for (let i = 0; i < stats.length; i += width) for (let k = 0; k < width; k++) t[k]! += stats[i + k]!;
  return t;
}
