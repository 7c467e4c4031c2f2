import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { publishedSchemas } from '../../runner/src/contracts/published.js';
import { checkRecord, recordKey, recordPath, serializeRecord } from '../../runner/src/results/record.js';
import { scoredRecord } from '../helpers/records.js';

const root = path.join(import.meta.dirname, '../..');

describe('published schemas', () => {
  it.each(Object.keys(publishedSchemas()))('schemas/%s matches the engine (run "npm run schemas" after a change)', (name) => {
    const committed: unknown = JSON.parse(readFileSync(path.join(root, 'schemas', name), 'utf8'));
    expect(committed).toEqual(publishedSchemas()[name]);
  });

  it('are usable by a plain JSON Schema validator, outside Podium', () => {
    const ajv = new Ajv({ strict: false });
    const validate = ajv.compile(JSON.parse(readFileSync(path.join(root, 'schemas/result.schema.json'), 'utf8')) as object);
    expect(validate(scoredRecord(1))).toBe(true);
    expect(validate({ ...scoredRecord(1), status: 'pending' })).toBe(false);
  });
});

describe('result records', () => {
  it('accepts each status with its own fields', () => {
    const base = scoredRecord(1);
    const { scores: _scores, ...rest } = base as Extract<typeof base, { status: 'scored' }>;
    expect(checkRecord(base).ok).toBe(true);
    expect(checkRecord({ ...rest, status: 'rejected', error: { code: 'invalid-submission', message: 'x', problems: [] } }).ok).toBe(true);
    expect(checkRecord({ ...rest, status: 'failed', error: { code: 'truth-unavailable', message: 'x', platform_fault: true } }).ok).toBe(
      true,
    );
  });

  it('has room for what later stages add: intervals, sealed private scores, energy, image digest', () => {
    const r = scoredRecord(1) as Extract<ReturnType<typeof scoredRecord>, { status: 'scored' }>;
    const extended = {
      ...r,
      scores: {
        public: {
          accuracy: { value: 0.9, ci: { low: 0.88, high: 0.92, level: 0.95, method: 'bootstrap-percentile', resamples: 1000, seed: 7 } },
        },
        private: { algorithm: 'aes-256-gcm', key_id: 'k1', ciphertext: 'AA', iv: 'BB', tag: 'CC', commitment: 'ff' },
      },
      resources: {
        wall_time_s: 12.5,
        per_sample_ms: 3.1,
        peak_memory_bytes: 1024,
        energy_j: 40.2,
        energy_method: 'nvml',
        gpu: { name: 'H100', count: 1 },
      },
      provenance: { ...r.provenance, image_digest: 'sha256:' + 'a'.repeat(64) },
    };
    expect(checkRecord(extended)).toEqual({ ok: true, record: extended });
  });

  it('says what is wrong with an invalid record, for the status it claims', () => {
    const bad = { ...scoredRecord(1), scores: undefined };
    const checked = checkRecord(bad);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.why).toContain("must have required property 'scores'");
    expect(() => serializeRecord(bad as unknown as ReturnType<typeof scoredRecord>)).toThrow('refusing to write an invalid result record');
  });

  it('lives at a path derived from its id, keyed by commit or content hash', () => {
    expect(recordPath(scoredRecord(1))).toBe(`results/${scoredRecord(1).id}.json`);
    expect(recordKey('0123456789abcdef0123456789abcdef01234567', 'sha256:ff')).toBe('0123456789ab');
    expect(recordKey(undefined, `sha256:${'b'.repeat(64)}`)).toBe('bbbbbbbbbbbb');
  });
});
