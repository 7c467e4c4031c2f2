import { execFile } from 'node:child_process';

/**
 * NVIDIA GPU readings through `nvidia-smi`, which ships with the driver on every runner that
 * has NVIDIA GPUs (no native module to build, nothing to install).
 *
 * nvidia-smi's query has no energy counter (NVML's total-energy counter is not among its
 * fields: asking for `total_energy_consumption` fails the whole query, as a recording on an H200
 * with driver 580 showed). Energy is therefore the board power `power.draw` — on Ampere and newer
 * the mean over the last second, ±5 W — sampled every half second and integrated over the run
 * (trapezoids between samples); peak memory is the highest `memory.used` over the same samples.
 * Both are readings of the whole device, so a runner must give each evaluation its GPUs alone
 * (the runner guide says how). Anything nvidia-smi reports as "[N/A]" or "[Not Supported]", or
 * cannot be read at all, is recorded as not measured, never as zero.
 */

/** The fields asked for, in this order, with `--format=csv,noheader,nounits`. */
export const GPU_FIELDS = ['index', 'uuid', 'name', 'driver_version', 'memory.total', 'memory.used', 'power.draw'] as const;

export interface GpuReading {
  index: string;
  uuid?: string;
  name: string;
  driver?: string;
  memoryTotalBytes?: number;
  memoryUsedBytes?: number;
  /** Board power draw in watts (on Ampere and newer, the mean over the last second). */
  powerW?: number;
}

/** Runs nvidia-smi with the given arguments and gives its standard output; throws when it cannot. */
export type Smi = (args: string[]) => Promise<string>;

export function nvidiaSmi(command = process.env.PODIUM_NVIDIA_SMI || 'nvidia-smi', timeoutMs = 10_000): Smi {
  return (args) =>
    new Promise((resolve, reject) =>
      execFile(command, args, { timeout: timeoutMs, maxBuffer: 1 << 20, env: { PATH: process.env.PATH ?? '' } }, (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      ),
    );
}

const MIB = 1024 * 1024;

/** Parses `--query-gpu=<GPU_FIELDS> --format=csv,noheader,nounits`. Rows that do not fit are skipped. */
export function parseGpuQuery(text: string): GpuReading[] {
  const out: GpuReading[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== GPU_FIELDS.length) continue;
    const [index, uuid, name, driver, total, used, power] = cells as [string, string, string, string, string, string, string];
    if (!/^\d+$/.test(index) || !name || unavailable(name)) continue;
    const mib = (v: string) => (isNumber(v) ? Math.round(Number(v) * MIB) : undefined);
    out.push({
      index,
      name,
      ...(unavailable(uuid) ? {} : { uuid }),
      ...(unavailable(driver) ? {} : { driver }),
      ...(mib(total) !== undefined ? { memoryTotalBytes: mib(total) } : {}),
      ...(mib(used) !== undefined ? { memoryUsedBytes: mib(used) } : {}),
      ...(isNumber(power) ? { powerW: Number(power) } : {}),
    });
  }
  return out;
}

function unavailable(v: string): boolean {
  return v === '' || /^\[?(N\/A|Not Supported|Unknown Error|GPU is lost|Insufficient Permissions)\]?$/i.test(v);
}

function isNumber(v: string): boolean {
  return /^\d+(\.\d+)?$/.test(v);
}

/** Readings of the named devices (indices or UUIDs), or of all; undefined where nvidia-smi is not there or fails. */
export async function readGpus(smi: Smi, devices?: readonly string[]): Promise<GpuReading[] | undefined> {
  const args = [`--query-gpu=${GPU_FIELDS.join(',')}`, '--format=csv,noheader,nounits'];
  if (devices && devices.length > 0) args.push(`--id=${devices.join(',')}`);
  try {
    return parseGpuQuery(await smi(args));
  } catch {
    return undefined;
  }
}

export interface GpuMeasurement {
  /** The model, or the models joined with " + " where they differ. */
  name: string;
  count: number;
  driver?: string;
  /** Highest memory in use on the devices together, over the samples. */
  peakMemoryBytes?: number;
  energyJ?: number;
}

/** One sample of the devices' power: when, and their watts together (undefined where one had none). */
export interface PowerSample {
  atMs: number;
  watts?: number;
}

/**
 * Measures the given devices over one run: `start` takes a first reading, then a sample every
 * `intervalMs` (one at a time), and `stop` a last reading. Energy is the power integrated over
 * the samples; the result is undefined when no device could be read at all.
 */
export class GpuMeter {
  private first?: GpuReading[];
  private peak?: number;
  private readonly samples: PowerSample[] = [];
  private timer?: NodeJS.Timeout;
  private sampling?: Promise<void>;

  constructor(
    private readonly smi: Smi,
    private readonly devices: readonly string[],
    private readonly intervalMs = 500,
    private readonly now: () => number = () => performance.now(),
  ) {}

  async start(): Promise<void> {
    this.first = await readGpus(this.smi, this.devices);
    if (!this.first || this.first.length === 0) return;
    this.note(this.first);
    this.timer = setInterval(() => {
      // One sample at a time: a slow nvidia-smi never piles up processes.
      this.sampling ??= readGpus(this.smi, this.devices).then((r) => {
        this.note(r);
        this.sampling = undefined;
      });
    }, this.intervalMs);
  }

  async stop(): Promise<GpuMeasurement | undefined> {
    clearInterval(this.timer);
    await this.sampling;
    const first = this.first;
    if (!first || first.length === 0) return undefined;
    this.note(await readGpus(this.smi, this.devices));
    const names = [...new Set(first.map((g) => g.name))];
    const drivers = [...new Set(first.flatMap((g) => (g.driver ? [g.driver] : [])))];
    const energyJ = integratePower(this.samples);
    return {
      name: names.join(' + '),
      count: first.length,
      ...(drivers.length === 1 ? { driver: drivers[0] } : {}),
      ...(this.peak !== undefined ? { peakMemoryBytes: this.peak } : {}),
      ...(energyJ !== undefined ? { energyJ } : {}),
    };
  }

  /** Notes one reading; a reading that failed outright leaves a gap, not a zero. */
  private note(readings: GpuReading[] | undefined): void {
    if (!readings || readings.length === 0) return;
    const sameDevices = readings.length === this.first!.length && readings.every((g, i) => g.index === this.first![i]!.index);
    const watts = sameDevices && readings.every((g) => g.powerW !== undefined) ? readings.reduce((s, g) => s + g.powerW!, 0) : undefined;
    this.samples.push({ atMs: this.now(), ...(watts !== undefined ? { watts } : {}) });
    if (!sameDevices || readings.some((g) => g.memoryUsedBytes === undefined)) return;
    const used = readings.reduce((s, g) => s + g.memoryUsedBytes!, 0);
    this.peak = Math.max(this.peak ?? 0, used);
  }
}

/**
 * Joules over the samples, by trapezoids between consecutive samples. Not measured when fewer
 * than two samples were taken, or any sample lacks a device's power (an old card, a virtual GPU,
 * a device that went missing): a partial figure would read as a low one.
 */
export function integratePower(samples: readonly PowerSample[]): number | undefined {
  if (samples.length < 2 || samples.some((s) => s.watts === undefined)) return undefined;
  let joules = 0;
  for (let i = 1; i < samples.length; i++) {
    const [a, b] = [samples[i - 1]!, samples[i]!];
    joules += ((a.watts! + b.watts!) / 2) * (Math.max(0, b.atMs - a.atMs) / 1000);
  }
  return joules;
}
