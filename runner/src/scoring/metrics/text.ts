import { weightedMean } from './mean.js';
/**
 * Text metrics (captions, transcripts, translations) with the reference tools' exact
 * definitions: sacrebleu's BLEU and chrF, pycocoevalcap's CIDEr-D and ROUGE-L, jiwer's WER
 * and CER. The bootstrap units are the items; each metric evaluates a resample as a corpus:
 * BLEU, chrF, WER and CER sum their per-item statistics with the weights, CIDEr-D counts its
 * document frequencies over the weighted corpus, ROUGE-L (a mean over items in
 * pycocoevalcap) is the weighted mean.
 */
import { cookCider, CiderScorer, rougeLScores } from './text-coco.js';
import {
  BLEU_STATS,
  bleuFromTotals,
  bleuStatistics,
  CHRF_STATS,
  chrfFromTotals,
  chrfStatistics,
  weightedTotals,
} from './text-sacrebleu.js';
import { codePoints, editDistance, jiwerWords, pyStrip, Vocabulary } from './text-tokens.js';
import { MetricUndefinedError, need, type Evaluator, type Metric, type ScoringInput, type TextData } from './types.js';

/** The texts, checked once: every item has a hypothesis and at least one reference. */
function texts(name: string, input: ScoringInput): TextData {
  const data = need(name, input.text, 'hypothesis and reference texts');
  if (data.hypotheses.length === 0) throw new MetricUndefinedError(name, 'there are no items');
  data.references.forEach((refs, i) => {
    if (refs.length === 0) throw new MetricUndefinedError(name, `item ${data.ids[i] ?? i} has no reference text`);
  });
  return data;
}

/** Per item: edits against the first reference, and that reference's length in words or characters. */
export function errorStatistics(data: TextData, unit: 'word' | 'character'): Float64Array {
  const n = data.hypotheses.length;
  const stats = new Float64Array(2 * n);
  const vocabulary = new Vocabulary();
  let row = new Int32Array(64);
  for (let i = 0; i < n; i++) {
    const hyp = data.hypotheses[i]!;
    const ref = data.references[i]![0]!;
    const a = unit === 'word' ? vocabulary.ofWords(jiwerWords(hyp)) : codePoints(pyStrip(hyp));
    const b = unit === 'word' ? vocabulary.ofWords(jiwerWords(ref)) : codePoints(pyStrip(ref));
    const shorter = Math.min(a.length, b.length);
    if (row.length <= shorter) row = new Int32Array(shorter * 2 + 1);
    stats[2 * i] = editDistance(a, b, row);
    stats[2 * i + 1] = b.length;
  }
  return stats;
}

function errorRate(name: 'wer' | 'cer', unit: 'word' | 'character', description: string): Metric {
  return {
    name,
    direction: 'minimize',
    reads: 'text',
    description,
    prepare(input) {
      const stats = errorStatistics(texts(name, input), unit);
      return (w) => {
        const [edits, length] = weightedTotals(stats, 2, w);
        if (length === 0) throw new MetricUndefinedError(name, `the references have no ${unit}s`);
        return edits! / length!;
      };
    },
  };
}

export const textMetrics: Metric[] = [
  {
    name: 'bleu',
    direction: 'maximize',
    reads: 'text',
    description:
      "corpus BLEU as sacrebleu's corpus_bleu computes it by default (13a tokenisation, n-grams up to 4, exponential smoothing, closest reference length), 0-100",
    prepare(input) {
      const stats = bleuStatistics(texts('bleu', input));
      return (w) => bleuFromTotals(weightedTotals(stats, BLEU_STATS, w));
    },
  },
  {
    name: 'chrf',
    direction: 'maximize',
    reads: 'text',
    description:
      "corpus chrF as sacrebleu's corpus_chrf computes it by default (character n-grams up to 6, β = 2, whitespace removed, each item against its best reference), 0-100",
    prepare(input) {
      const stats = chrfStatistics(texts('chrf', input));
      return (w) => chrfFromTotals(weightedTotals(stats, CHRF_STATS, w));
    },
  },
  {
    name: 'cider_d',
    direction: 'maximize',
    reads: 'text',
    description:
      "CIDEr-D as pycocoevalcap's Cider computes it (n-grams up to 4 of whitespace-split words, σ = 6, clipped, ×10, document frequencies over the evaluated items' references), mean over items",
    prepare(input) {
      const scorer = new CiderScorer(cookCider(texts('cider_d', input)));
      const out = new Float64Array(input.text!.hypotheses.length);
      const evaluate: Evaluator = (w) => {
        scorer.scores(w, out);
        return weightedMean(out, w, 'cider_d');
      };
      return evaluate;
    },
  },
  {
    name: 'rouge_l',
    direction: 'maximize',
    reads: 'text',
    description:
      "ROUGE-L as pycocoevalcap's Rouge computes it (longest common subsequence of space-separated words, β = 1.2, best precision and recall over the references), mean over items",
    prepare(input) {
      const scores = rougeLScores(texts('rouge_l', input));
      return (w) => weightedMean(scores, w, 'rouge_l');
    },
  },
  errorRate(
    'wer',
    'word',
    "word error rate as jiwer defines it: word edits (substitutions, deletions, insertions) over reference words, totalled over the items; an item's first reference counts",
  ),
  errorRate(
    'cer',
    'character',
    "character error rate as jiwer defines it: character edits over reference characters (spaces included, ends stripped), totalled over the items; an item's first reference counts",
  ),
];
