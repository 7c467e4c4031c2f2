import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Direction } from '../../scoring/metrics/types.js';
import { PodiumError } from '../../contracts/problems.js';

/**
 * A complexity metric an organiser adds by naming a module in competition.yml
 * (`runtime.probes`). It is told when the participant's container starts and stops, and then
 * gives one number, or undefined when it could not measure on this machine: a value that
 * was not measured is recorded as such, never as zero.
 *
 * The module is the organiser's code from the competition repository and runs in the runner
 * process, like the rest of the runner; participants cannot name one.
 */
export interface ComplexityProbe {
  /** Column name in the record, e.g. "output_bytes". */
  name: string;
  /** Unit shown with the value, e.g. "bytes", "J", "GFLOP". */
  unit: string;
  direction: Direction;
  start(context: ProbeContext): void | Promise<void>;
  stop(context: ProbeContext): void | Promise<void>;
  result(): number | undefined;
}

export interface ProbeContext {
  /** Host folders mounted at /input and /output. */
  inputDir: string;
  outputDir: string;
  /** The container engine and its version. */
  engine: string;
}

export interface ProbeReading {
  unit: string;
  direction: Direction;
  /** Absent when the probe could not measure. */
  value?: number;
}

export class ProbeError extends PodiumError {
  constructor(message: string) {
    super(message);
    this.name = 'ProbeError';
  }
}

/** Loads the probes competition.yml names; each module's default export makes one probe. */
export async function loadProbes(competitionDir: string, modules: readonly string[]): Promise<ComplexityProbe[]> {
  const probes: ComplexityProbe[] = [];
  for (const m of modules) {
    const file = path.resolve(competitionDir, m);
    if (path.relative(competitionDir, file).startsWith('..'))
      throw new ProbeError(`probe module ${m} must be inside the competition repository`);
    let make: unknown;
    try {
      make = ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
    } catch (e: unknown) {
      throw new ProbeError(`cannot load the probe module ${m}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (typeof make !== 'function') throw new ProbeError(`the probe module ${m} must export a default function that returns a probe`);
    const probe = (await (make as () => unknown)()) as Partial<ComplexityProbe>;
    const ok =
      typeof probe.name === 'string' &&
      /^[a-z][a-z0-9_]*$/.test(probe.name) &&
      typeof probe.unit === 'string' &&
      (probe.direction === 'minimize' || probe.direction === 'maximize') &&
      typeof probe.start === 'function' &&
      typeof probe.stop === 'function' &&
      typeof probe.result === 'function';
    if (!ok)
      throw new ProbeError(
        `the probe from ${m} needs a name (lower-case letters, digits, _), a unit, a direction, and start, stop and result functions`,
      );
    probes.push(probe as ComplexityProbe);
  }
  return probes;
}

/** Readings of every probe; a probe that throws or gives a non-finite value is "not measured". */
export async function readProbes(probes: readonly ComplexityProbe[]): Promise<Record<string, ProbeReading>> {
  const out: Record<string, ProbeReading> = {};
  for (const p of probes) {
    let value: number | undefined;
    try {
      value = p.result();
    } catch {
      value = undefined;
    }
    out[p.name] = { unit: p.unit, direction: p.direction, ...(typeof value === 'number' && Number.isFinite(value) ? { value } : {}) };
  }
  return out;
}
