import { execFile } from 'node:child_process';

/**
 * NVIDIA GPU readings through `nvidia-smi`, which ships with the driver on every runner that
 * has NVIDIA GPUs (no native module to build, nothing to install).
 *
 * Energy comes from NVML's total-energy counter (`total_energy_consumption`: millijoules since
 * the driver was loaded, Volta and newer), read before and after the run; peak memory from
 * `memory.used`, sampled while the run goes on. Both are readings of the whole device, so a
 * runner must give each evaluation its GPUs alone (the runner guide says how). Anything
 * nvidia-smi reports as "[N/A]" or "[Not Supported]", or cannot be read at all, is recorded
 * as not measured, never as zero.
 */

/** The fields asked for, in this order, with `--format=csv,noheader,nounits`. */
export const GPU_FIELDS = ['index', 'uuid', 'name', 'driver_version', 'memory.total', 'memory.used', 'total_energy_consumption'] as const;

export interface GpuReading {
  index: string;
  uuid?: string;
  name: string;
  driver?: string;
  memoryTotalBytes?: number;
  memoryUsedBytes?: number;
  /** NVML's total-energy counter, in millijoules. */
  energyMj?: number;
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
    const [index, uuid, name, driver, total, used, energy] = cells as [string, string, string, string, string, string, string];
    if (!/^\d+$/.test(index) || !name || unavailable(name)) continue;
    const mib = (v: string) => (isNumber(v) ? Math.round(Number(v) * MIB) : undefined);
    out.push({
      index,
      name,
      ...(unavailable(uuid) ? {} : { uuid }),
      ...(unavailable(driver) ? {} : { driver }),
      ...(mib(total) !== undefined ? { memoryTotalBytes: mib(total) } : {}),
      ...(mib(used) !== undefined ? { memoryUsedBytes: mib(used) } : {}),
      ...(isNumber(energy) ? { energyMj: Number(energy) } : {}),
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

/**
 * Measures the given devices over one run: `start` reads the energy counters, samples memory
 * every `intervalMs`, `stop` reads the counters again. The result is undefined when no device
 * could be read at all.
 */
export class GpuMeter {
  private before?: GpuReading[];
  private peak?: number;
  private timer?: NodeJS.Timeout;
  private sampling?: Promise<void>;

  constructor(
    private readonly smi: Smi,
    private readonly devices: readonly string[],
    private readonly intervalMs = 500,
  ) {}

  async start(): Promise<void> {
    this.before = await readGpus(this.smi, this.devices);
    this.notePeak(this.before);
    if (!this.before || this.before.length === 0) return;
    this.timer = setInterval(() => {
      // One sample at a time: a slow nvidia-smi never piles up processes.
      this.sampling ??= readGpus(this.smi, this.devices).then((r) => {
        this.notePeak(r);
        this.sampling = undefined;
      });
    }, this.intervalMs);
  }

  async stop(): Promise<GpuMeasurement | undefined> {
    clearInterval(this.timer);
    await this.sampling;
    const before = this.before;
    if (!before || before.length === 0) return undefined;
    const after = await readGpus(this.smi, this.devices);
    this.notePeak(after);
    const names = [...new Set(before.map((g) => g.name))];
    const drivers = [...new Set(before.flatMap((g) => (g.driver ? [g.driver] : [])))];
    return {
      name: names.join(' + '),
      count: before.length,
      ...(drivers.length === 1 ? { driver: drivers[0] } : {}),
      ...(this.peak !== undefined ? { peakMemoryBytes: this.peak } : {}),
      ...energyOf(before, after),
    };
  }

  private notePeak(readings: GpuReading[] | undefined): void {
    if (!readings || readings.length === 0 || readings.some((g) => g.memoryUsedBytes === undefined)) return;
    const used = readings.reduce((s, g) => s + g.memoryUsedBytes!, 0);
    this.peak = Math.max(this.peak ?? 0, used);
  }
}

/**
 * Joules used between two readings of the same devices. Not measured when a device lacks the
 * counter, is missing from one reading, or its counter went backwards (a driver reload).
 */
export function energyOf(before: readonly GpuReading[], after: readonly GpuReading[] | undefined): { energyJ?: number } {
  if (!after) return {};
  let mj = 0;
  for (const b of before) {
    const a = after.find((g) => g.index === b.index);
    if (b.energyMj === undefined || a?.energyMj === undefined || a.energyMj < b.energyMj) return {};
    mj += a.energyMj - b.energyMj;
  }
  return { energyJ: mj / 1000 };
}
