import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findMetric } from '../../runner/src/scoring/metrics/registry.js';
import { cookCider, CiderScorer, rougeLScores } from '../../runner/src/scoring/metrics/text-coco.js';
import { BLEU_STATS, bleuStatistics, tokenize13a, weightedTotals } from '../../runner/src/scoring/metrics/text-sacrebleu.js';
import { errorStatistics } from '../../runner/src/scoring/metrics/text.js';
import { MetricUndefinedError, type ScoringInput, type TextData } from '../../runner/src/scoring/metrics/types.js';

/**
 * The text metrics against the reference tools: sacrebleu (BLEU, chrF), pycocoevalcap
 * (CIDEr-D, ROUGE-L) and edit distances from python-Levenshtein under jiwer's definitions,
 * all from scripts/golden/text.py.
 */
interface Fixture {
  sacrebleu_commit: string;
  pycocoevalcap_commit: string;
  items: { id: string; hypothesis: string; references: string[] }[];
  expected: {
    bleu: number;
    bleu_statistics: { sys_len: number; ref_len: number; counts: number[]; totals: number[] };
    chrf: number;
    cider_d: number;
    rouge_l: number;
    wer?: number;
    cer?: number;
    per_item: Record<'cider_d' | 'rouge_l' | 'word_edits' | 'reference_words' | 'char_edits' | 'reference_chars', number[]>;
  };
}

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'text');
const fixtures = Object.fromEntries(
  readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.json') && f !== 'tokenizer-13a.json')
    .map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(path.join(FIXTURES, f), 'utf8')) as Fixture]),
);
const METRICS = ['bleu', 'chrf', 'cider_d', 'rouge_l', 'wer', 'cer'] as const;

function textData(items: Fixture['items']): TextData {
  return { ids: items.map((i) => i.id), hypotheses: items.map((i) => i.hypothesis), references: items.map((i) => i.references) };
}
const input = (text: TextData): ScoringInput => ({ units: text.hypotheses.length, text });
const evaluator = (name: string, text: TextData) => findMetric(name)!.prepare(input(text));

function close(got: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    expect(Math.abs(got[i]! - want[i]!), `entry ${i}: ${got[i]} against ${want[i]}`).toBeLessThanOrEqual(1e-9);
}

describe('text metrics equal the reference tools to 1e-9', () => {
  it('has fixtures from the named upstream commits, with every kind of case', () => {
    for (const f of Object.values(fixtures)) {
      expect(f.sacrebleu_commit).toBe('f615c7286d4d813370efb824d94fc2bfcd3a6b94');
      expect(f.pycocoevalcap_commit).toBe('ad63453cfab57a81a02b2949b17a91fab1c3df77');
    }
    expect(Object.keys(fixtures)).toEqual(
      expect.arrayContaining(['unicode', 'empty-hypotheses', 'several-references', 'repeated-words', 'short-segments', 'random-300']),
    );
    expect(fixtures['random-300']!.items.length).toBe(300);
  });

  for (const [name, f] of Object.entries(fixtures)) {
    describe(name, () => {
      const text = textData(f.items);

      it.each(METRICS.filter((m) => f.expected[m] !== undefined))('%s of the corpus', (metric) => {
        const got = evaluator(metric, text)();
        expect(Math.abs(got - f.expected[metric]!), `${got} against ${f.expected[metric]}`).toBeLessThanOrEqual(1e-9);
      });

      it("BLEU's corpus statistics are sacrebleu's", () => {
        const t = weightedTotals(bleuStatistics(text), BLEU_STATS, undefined);
        const s = f.expected.bleu_statistics;
        expect(Array.from(t)).toEqual([s.sys_len, s.ref_len, ...s.counts, ...s.totals]);
      });

      it("each item's CIDEr-D and ROUGE-L, and its edits and reference length", () => {
        const cider = new Float64Array(f.items.length);
        new CiderScorer(cookCider(text)).scores(undefined, cider);
        close(cider, f.expected.per_item.cider_d);
        close(rougeLScores(text), f.expected.per_item.rouge_l);
        const words = errorStatistics(text, 'word');
        const chars = errorStatistics(text, 'character');
        expect(Array.from(words.filter((_, i) => i % 2 === 0))).toEqual(f.expected.per_item.word_edits);
        expect(Array.from(words.filter((_, i) => i % 2 === 1))).toEqual(f.expected.per_item.reference_words);
        expect(Array.from(chars.filter((_, i) => i % 2 === 0))).toEqual(f.expected.per_item.char_edits);
        expect(Array.from(chars.filter((_, i) => i % 2 === 1))).toEqual(f.expected.per_item.reference_chars);
      });
    });
  }
});

describe('text metrics on a bootstrap resample', () => {
  const items = fixtures['random-300']!.items.concat(fixtures.unicode!.items, fixtures['empty-hypotheses']!.items);
  const text = textData(items);
  // A fixed, uneven draw: some items left out, some drawn several times.
  const weights = Uint32Array.from(items, (_, i) => [0, 1, 2, 0, 3, 1, 1, 5][(i * 7 + 3) % 8]!);
  const duplicated = textData(items.flatMap((item, i) => Array.from({ length: weights[i]! }, () => item)));

  it.each(METRICS)('%s with weights equals %s of the corpus with each item repeated as often as drawn', (metric) => {
    const weighted = evaluator(metric, text)(weights, 1);
    const repeated = evaluator(metric, duplicated)();
    expect(Math.abs(weighted - repeated) / Math.max(1, Math.abs(repeated))).toBeLessThanOrEqual(1e-12);
    // And the resample is not the plain corpus: the weights change the value.
    expect(weighted).not.toBe(evaluator(metric, text)());
  });

  it.each(METRICS)('%s with every weight 1 is the plain value, bit for bit', (metric) => {
    const evaluate = evaluator(metric, text);
    expect(evaluate(new Uint32Array(items.length).fill(1), 7)).toBe(evaluate());
  });

  it('on generated corpora: every metric with weights equals the corpus with the items repeated', () => {
    const word = fc.constantFrom('a', 'cat', 'dog', 'sat', 'on', 'the', 'mat', '.', ',', 'é', '猫', '🎉');
    const sentence = fc.array(word, { maxLength: 8 }).map((w) => w.join(' '));
    const unit = fc.record({ hypothesis: sentence, references: fc.array(sentence, { minLength: 1, maxLength: 3 }), weight: fc.nat(3) });
    fc.assert(
      fc.property(fc.array(unit, { minLength: 1, maxLength: 12 }), (units) => {
        const all = textData(units.map((u, i) => ({ id: String(i), hypothesis: u.hypothesis, references: u.references })));
        const drawn = units.flatMap((u, i) => Array.from({ length: u.weight }, () => ({ id: String(i), ...u })));
        if (drawn.length === 0) return;
        const w = Uint32Array.from(units, (u) => u.weight);
        for (const metric of METRICS) {
          let weighted: number | Error;
          let repeated: number | Error;
          try {
            weighted = evaluator(metric, all)(w, 1);
          } catch (e) {
            weighted = e as Error;
          }
          try {
            repeated = evaluator(metric, textData(drawn))();
          } catch (e) {
            repeated = e as Error;
          }
          if (repeated instanceof Error) expect(weighted, metric).toBeInstanceOf(MetricUndefinedError);
          else expect(Math.abs((weighted as number) - repeated), metric).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(repeated)));
        }
      }),
      { numRuns: 200 },
    );
  });

  it("CIDEr-D's document frequencies come from the resample: an item's score changes when others are left out", () => {
    const scorer = new CiderScorer(cookCider(text));
    const all = new Float64Array(items.length);
    const some = new Float64Array(items.length);
    scorer.scores(undefined, all);
    scorer.scores(weights, some);
    const kept = weights.findIndex((w) => w === 1);
    expect(some[kept]).not.toBe(all[kept]);
    // The scorer leaves no state behind between resamples.
    scorer.scores(undefined, some);
    expect(Array.from(some)).toEqual(Array.from(all));
  });
});

describe('where the text metrics are undefined', () => {
  it.each(METRICS)('%s of no items', (metric) => {
    expect(() => evaluator(metric, { ids: [], hypotheses: [], references: [] })).toThrow(MetricUndefinedError);
  });

  it.each(METRICS)('%s of an item without references names the item', (metric) => {
    expect(() => evaluator(metric, { ids: ['a', 'b'], hypotheses: ['x', 'y'], references: [['x'], []] })).toThrow(
      /item b has no reference/,
    );
  });

  it.each(METRICS)('%s needs the texts', (metric) => {
    expect(() => findMetric(metric)!.prepare({ units: 3 })).toThrow(MetricUndefinedError);
  });

  it.each(['wer', 'cer'])('%s when the references have no words: undefined, also on a resample of only such items', (metric) => {
    const text: TextData = { ids: ['a', 'b'], hypotheses: ['something', 'x y'], references: [['  '], ['x y']] };
    expect(() => evaluator(metric, { ids: ['a'], hypotheses: ['something'], references: [['']] })()).toThrow(MetricUndefinedError);
    const evaluate = evaluator(metric, text);
    expect(evaluate()).toBeGreaterThan(0);
    expect(() => evaluate(Uint32Array.from([2, 0]), 1)).toThrow(/references have no/);
  });
});

describe("sacrebleu's 13a tokenisation", () => {
  const golden = JSON.parse(readFileSync(path.join(FIXTURES, 'tokenizer-13a.json'), 'utf8')) as { cases: [string, string][] };

  it('tokenises every line of the fixtures, and lines made to reach each rule, as sacrebleu does', () => {
    expect(golden.cases.length).toBeGreaterThan(1000);
    for (const [line, tokens] of golden.cases) expect(tokenize13a(line).join(' '), JSON.stringify(line)).toBe(tokens);
  });
});
