import type { Competition } from '../runner/src/competition/load.js';
import { runnerInfo, SCORER } from '../runner/src/results/record.js';
import type { ResultRecord } from '../runner/src/results/schema.js';

/**
 * Made-up but valid result records for the site's browser tests and its benchmark: many teams
 * over weeks, scores with intervals, resources on some, a few rejected. Seeded, so every run
 * builds the same site. These are not results of anything and are never published.
 */
export interface SyntheticOptions {
  teams: number;
  perTeam: number;
  seed?: number;
  /** Start of the first submission; the rest spread over `days`. */
  start?: Date;
  days?: number;
  /** Add a team whose description tries to inject HTML. */
  hostile?: boolean;
}

function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

export function syntheticRecords(c: Competition, o: SyntheticOptions): ResultRecord[] {
  const rnd = random(o.seed ?? 7);
  const start = (o.start ?? new Date(Date.UTC(2026, 0, 5))).getTime();
  const span = (o.days ?? 60) * 86_400_000;
  const phase = c.config.phases[0]!.id;
  const runner = runnerInfo();
  const out: ResultRecord[] = [];
  let n = 0;
  for (let t = 0; t < o.teams; t++) {
    const team = t === 0 && o.hostile ? 'mallory' : `team-${String(t).padStart(4, '0')}`;
    const skill = 0.55 + 0.4 * rnd();
    for (let k = 0; k < o.perTeam; k++) {
      n++;
      const commit = (n * 2654435761).toString(16).padStart(40, '0').slice(-40);
      const created = new Date(start + Math.floor(rnd() * span)).toISOString();
      const base = {
        schema_version: 1 as const,
        id: `${phase}/${team}/run-${k}/${commit.slice(0, 12)}`,
        competition: c.config.slug,
        phase,
        submission: {
          team,
          name: `run-${k}`,
          kind: 'predictions' as const,
          path: `submissions/${team}/run-${k}`,
          description: team === 'mallory' ? '<script>alert("owned")</script><img src=x onerror=alert(1)>' : `Attempt ${k + 1} of ${team}.`,
          ...(t === 1 && k === 0 ? { baseline: true } : {}),
        },
        created_at: created,
        provenance: { commit, submission_hash: `sha256:${commit.padEnd(64, '0')}`, scorer: { ...SCORER }, runner },
      };
      if (rnd() < 0.05) {
        out.push({ ...base, status: 'rejected', error: { code: 'invalid-predictions', message: 'the predictions miss 12 ids.' } });
        continue;
      }
      const scores: Record<
        string,
        { value: number; ci: { low: number; high: number; level: number; method: 'percentile-bootstrap'; resamples: number; seed: number } }
      > = {};
      for (const m of c.metrics) {
        const v = Math.min(0.999, Math.max(0.05, skill + (rnd() - 0.5) * 0.08));
        const half = 0.01 + 0.02 * rnd();
        scores[m.name] = {
          value: v,
          ci: {
            low: Math.max(0, v - half),
            high: Math.min(1, v + half),
            level: 0.95,
            method: 'percentile-bootstrap',
            resamples: 1000,
            seed: 20260101,
          },
        };
      }
      const measured = rnd();
      out.push({
        ...base,
        status: 'scored',
        scores: { public: scores },
        resources: {
          wall_time_s: 1 + rnd() * 100,
          ...(measured < 0.8 ? { per_sample_ms: 0.01 * 10 ** (rnd() * 4) } : {}),
          ...(measured < 0.6 ? { peak_memory_bytes: Math.floor(2 ** 20 * (10 + rnd() * 4000)) } : {}),
          ...(measured < 0.4
            ? {
                energy_j: 10 ** (1 + rnd() * 3),
                energy_method: 'GPU board power (nvidia-smi power.draw) sampled every 0.5 s and integrated over the run, whole devices',
              }
            : {}),
        },
      });
    }
  }
  return out;
}
