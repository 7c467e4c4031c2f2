/**
 * The bundled example competition: classify short broadcast audio segments into four sound
 * classes from four summary features. The data is synthetic and seeded, so every machine
 * generates the same files, and the sample methods are real (if small) classifiers.
 */
export const CLASSES = ['speech', 'music', 'applause', 'noise'] as const;
export const FEATURES = ['loudness_db', 'zero_crossing_rate', 'spectral_centroid_khz', 'onset_rate_hz'] as const;

export interface Example {
  id: string;
  features: number[];
  label: string;
}

/** Mulberry32: a small, fast, seedable generator; enough for synthetic data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

// Per class: mean and spread of each feature. The classes overlap so no method is perfect.
const PROFILE: Record<(typeof CLASSES)[number], { mean: number[]; sd: number[]; weight: number }> = {
  speech: { mean: [-24, 0.09, 1.6, 3.5], sd: [4, 0.03, 0.5, 1.2], weight: 0.4 },
  music: { mean: [-18, 0.06, 2.4, 2.2], sd: [4, 0.03, 0.7, 1.0], weight: 0.3 },
  applause: { mean: [-20, 0.22, 3.6, 6.0], sd: [4, 0.06, 0.8, 2.0], weight: 0.15 },
  noise: { mean: [-34, 0.16, 3.0, 1.4], sd: [6, 0.07, 1.0, 1.2], weight: 0.15 },
};

export function generateExamples(count: number, seed: number, idPrefix: string): Example[] {
  const random = seededRandom(seed);
  const out: Example[] = [];
  for (let i = 0; i < count; i++) {
    let pick = random();
    let label: (typeof CLASSES)[number] = CLASSES[CLASSES.length - 1]!;
    for (const c of CLASSES) {
      pick -= PROFILE[c].weight;
      if (pick < 0) {
        label = c;
        break;
      }
    }
    const p = PROFILE[label];
    const features = p.mean.map((m, j) => round(m + p.sd[j]! * gaussian(random), 4));
    out.push({ id: `${idPrefix}${String(i + 1).padStart(4, '0')}`, features, label });
  }
  return out;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export interface ExampleData {
  train: Example[];
  test: Example[];
}

export function exampleData(seed = 2026): ExampleData {
  return { train: generateExamples(800, seed, 'train-'), test: generateExamples(600, seed + 1, 'clip-') };
}

type Classifier = (train: readonly Example[], test: readonly Example[]) => string[];

function standardiser(train: readonly Example[]): (x: readonly number[]) => number[] {
  const d = train[0]!.features.length;
  const mean = new Array<number>(d).fill(0);
  const sd = new Array<number>(d).fill(0);
  for (const e of train) e.features.forEach((v, j) => (mean[j]! += v / train.length));
  for (const e of train) e.features.forEach((v, j) => (sd[j]! += (v - mean[j]!) ** 2 / train.length));
  return (x) => x.map((v, j) => (v - mean[j]!) / (Math.sqrt(sd[j]!) || 1));
}

function distance(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += (a[j]! - b[j]!) ** 2;
  return s;
}

/** Nearest class centroid on standardised features. */
export const nearestCentroid: Classifier = (train, test) => {
  const z = standardiser(train);
  const centroids = CLASSES.map((c) => {
    const members = train.filter((e) => e.label === c).map((e) => z(e.features));
    return members[0]!.map((_, j) => members.reduce((s, m) => s + m[j]!, 0) / members.length);
  });
  return test.map((e) => {
    const x = z(e.features);
    let best = 0;
    for (let k = 1; k < centroids.length; k++) if (distance(x, centroids[k]!) < distance(x, centroids[best]!)) best = k;
    return CLASSES[best]!;
  });
};

/** k nearest neighbours on standardised features, majority vote. */
export function nearestNeighbours(k: number): Classifier {
  return (train, test) => {
    const z = standardiser(train);
    const points = train.map((e) => ({ x: z(e.features), label: e.label }));
    return test.map((e) => {
      const x = z(e.features);
      const near = points
        .map((p) => ({ d: distance(x, p.x), label: p.label }))
        .sort((a, b) => a.d - b.d)
        .slice(0, k);
      const votes = new Map<string, number>();
      for (const n of near) votes.set(n.label, (votes.get(n.label) ?? 0) + 1);
      return [...votes.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
    });
  };
}

/** Gaussian naive Bayes: per-class normal densities per feature, with class priors. */
export const gaussianNaiveBayes: Classifier = (train, test) => {
  const model = CLASSES.map((c) => {
    const members = train.filter((e) => e.label === c);
    const d = members[0]!.features.length;
    const mean = Array.from({ length: d }, (_, j) => members.reduce((s, m) => s + m.features[j]!, 0) / members.length);
    const variance = mean.map((mu, j) => members.reduce((s, m) => s + (m.features[j]! - mu) ** 2, 0) / members.length || 1e-9);
    return { label: c, mean, variance, logPrior: Math.log(members.length / train.length) };
  });
  return test.map((e) => {
    let best = model[0]!;
    let bestScore = -Infinity;
    for (const m of model) {
      let score = m.logPrior;
      e.features.forEach((x, j) => (score -= 0.5 * (Math.log(2 * Math.PI * m.variance[j]!) + (x - m.mean[j]!) ** 2 / m.variance[j]!)));
      if (score > bestScore) {
        best = m;
        bestScore = score;
      }
    }
    return best.label;
  });
};

/** Loud segments are music, quiet ones speech: a deliberately weak rule of thumb. */
export const loudnessRule: Classifier = (_train, test) => test.map((e) => (e.features[0]! > -21 ? 'music' : 'speech'));

export function toCsv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n';
}
