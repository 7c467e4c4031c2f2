import type { ResultRecord } from '../../runner/src/results/schema.js';
import { runnerInfo, SCORER } from '../../runner/src/results/record.js';

/** A valid scored record for team-<i>, as the evaluator would write it. */
export function scoredRecord(
  i: number,
  overrides: Partial<{ value: number; phase: string; team: string; name: string; created_at: string; commit: string }> = {},
): ResultRecord {
  const team = overrides.team ?? `team-${i}`;
  const name = overrides.name ?? 'run';
  const phase = overrides.phase ?? 'main';
  const commit = overrides.commit ?? i.toString(16).padStart(40, 'a');
  return {
    schema_version: 1,
    id: `${phase}/${team}/${name}/${commit.slice(0, 12)}`,
    competition: 'broadcast-sound-events',
    phase,
    submission: { team, name, kind: 'predictions', path: `submissions/${team}/${name}` },
    created_at: overrides.created_at ?? new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    provenance: { commit, submission_hash: `sha256:${'0'.repeat(64)}`, scorer: { ...SCORER }, runner: runnerInfo() },
    status: 'scored',
    scores: { public: { accuracy: { value: overrides.value ?? i / 100 } } },
  };
}
