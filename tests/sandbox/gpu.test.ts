import { existsSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evaluateSubmission } from '../../runner/src/evaluate/evaluate.js';
import { checkRecord } from '../../runner/src/results/record.js';
import type { ContainerEngine, RunSpec } from '../../runner/src/sandbox/container/engine.js';
import { ENERGY_METHOD } from '../../runner/src/sandbox/container/evaluate-container.js';
import { energyOf, GpuMeter, nvidiaSmi, parseGpuQuery, readGpus, type Smi } from '../../runner/src/sandbox/gpu/nvidia.js';
import { exampleCompetition } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

/**
 * The GPU paths, on nvidia-smi output in the documented query format (see the fixtures'
 * README: written to the format, not recorded on a GPU). The engine is a fake here; the real
 * engine's GPU device requests cannot run without an NVIDIA runtime.
 */
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'nvidia-smi');
const fixture = (name: string) => readFile(path.join(FIXTURES, name), 'utf8');
const temp = useTempDirs();
const MIB = 1024 * 1024;

/** An nvidia-smi that answers with each text in turn, the last one from then on. */
function scripted(texts: string[]): Smi & { calls: string[][] } {
  const calls: string[][] = [];
  const smi = async (args: string[]) => {
    calls.push(args);
    return texts[Math.min(calls.length - 1, texts.length - 1)]!;
  };
  return Object.assign(smi, { calls });
}

describe('nvidia-smi readings', () => {
  it('parses devices, memory in MiB and the energy counter in millijoules', async () => {
    const gpus = parseGpuQuery(await fixture('two-h100-before.csv'));
    expect(gpus).toHaveLength(2);
    expect(gpus[0]).toEqual({
      index: '0',
      uuid: 'GPU-5c1b2a3e-0d4f-4e61-9a77-0c9f2f1d8a10',
      name: 'NVIDIA H100 80GB HBM3',
      driver: '550.54.15',
      memoryTotalBytes: 81559 * MIB,
      memoryUsedBytes: 2 * MIB,
      energyMj: 123456789,
    });
  });

  it('records "[N/A]" and "[Not Supported]" as not measured, never zero', async () => {
    const [p100] = parseGpuQuery(await fixture('no-energy-counter.csv'));
    expect(p100!.energyMj).toBeUndefined();
    expect(p100!.memoryUsedBytes).toBe(0);
    const [vgpu] = parseGpuQuery(await fixture('not-supported.csv'));
    expect(vgpu).toEqual({ index: '0', uuid: 'GPU-9f8e7d6c-aaaa-bbbb-cccc-ddddeeeeffff', name: 'GRID A100D-8C', driver: '535.161.08' });
    // Lines that are not the query's shape (an error message, a header) are not devices.
    expect(parseGpuQuery('NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.\n')).toEqual([]);
    expect(
      parseGpuQuery('index, uuid, name, driver_version, memory.total [MiB], memory.used [MiB], total_energy_consumption [mJ]\n'),
    ).toEqual([]);
  });

  it('adds up energy between two readings, and refuses a counter that went back or is missing', async () => {
    const before = parseGpuQuery(await fixture('two-h100-before.csv'));
    const after = parseGpuQuery(await fixture('two-h100-after.csv'));
    // (123906789 - 123456789) + (98865432 - 98765432) mJ = 450000 + 100000 mJ = 550 J
    expect(energyOf(before, after)).toEqual({ energyJ: 550 });
    expect(energyOf(after, before)).toEqual({});
    expect(energyOf(before, after.slice(0, 1))).toEqual({});
    expect(energyOf(before, undefined)).toEqual({});
  });

  it('asks nvidia-smi for the named devices only, through the real executable path', async () => {
    const dir = await temp();
    const fake = path.join(dir, 'nvidia-smi');
    const log = path.join(dir, 'args.log');
    const body = JSON.stringify(await fixture('two-h100-before.csv'));
    await writeFile(
      fake,
      `#!${process.execPath}\nrequire('node:fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)) + '\\n');\nprocess.stdout.write(${body});\n`,
    );
    await chmod(fake, 0o755);
    const gpus = await readGpus(nvidiaSmi(fake), ['0', '1']);
    expect(gpus?.map((g) => g.index)).toEqual(['0', '1']);
    const args = JSON.parse((await readFile(log, 'utf8')).trim()) as string[];
    expect(args).toEqual([
      '--query-gpu=index,uuid,name,driver_version,memory.total,memory.used,total_energy_consumption',
      '--format=csv,noheader,nounits',
      '--id=0,1',
    ]);
    // No nvidia-smi on the machine: nothing measured, nothing thrown.
    expect(await readGpus(nvidiaSmi(path.join(dir, 'missing')))).toBeUndefined();
  });

  it('meters a run: energy before and after, peak memory from the samples', async () => {
    const [before, after] = [await fixture('two-h100-before.csv'), await fixture('two-h100-after.csv')];
    // Memory is high only while the run goes on: the peak can come from the samples alone,
    // not from the readings at start and stop.
    const low = after.replace(/, 40960, /, ', 2, ').replace(/, 512, /, ', 2, ');
    let phase: 'before' | 'during' | 'after' = 'before';
    const calls: string[][] = [];
    const smi: Smi = async (args) => {
      calls.push(args);
      const text = phase === 'before' ? before : phase === 'during' ? after : low;
      if (phase === 'before') phase = 'during';
      return text;
    };
    const meter = new GpuMeter(smi, ['0', '1'], 10);
    await meter.start();
    await new Promise((r) => setTimeout(r, 60));
    phase = 'after';
    const m = await meter.stop();
    expect(m).toEqual({ name: 'NVIDIA H100 80GB HBM3', count: 2, driver: '550.54.15', peakMemoryBytes: (40960 + 512) * MIB, energyJ: 550 });
    expect(calls.length).toBeGreaterThanOrEqual(3);
    // A machine where nvidia-smi fails: no measurement at all.
    const broken = new GpuMeter(() => Promise.reject(new Error('no driver')), ['0']);
    await broken.start();
    expect(await broken.stop()).toBeUndefined();
  });
});

const RECORDED = existsSync(path.join(FIXTURES, 'recorded-before.csv')) && existsSync(path.join(FIXTURES, 'recorded-after.csv'));

describe.skipIf(!RECORDED)('nvidia-smi output recorded on a real GPU (scripts/record-nvidia-smi.sh)', () => {
  it('reads every device, and an energy figure that is not negative where the counter exists', async () => {
    const before = parseGpuQuery(await fixture('recorded-before.csv'));
    const after = parseGpuQuery(await fixture('recorded-after.csv'));
    const lines = (await fixture('recorded-before.csv')).trim().split('\n');
    expect(before).toHaveLength(lines.length);
    expect(after.map((g) => g.index)).toEqual(before.map((g) => g.index));
    const header = await fixture('recorded-with-header.csv');
    expect(header).toContain('memory.used [MiB]');
    expect(header).toContain('total_energy_consumption [mJ]');
    if (before.every((g) => g.energyMj !== undefined)) expect(energyOf(before, after).energyJ).toBeGreaterThanOrEqual(0);
  });
});

describe('GPU readings in the record', () => {
  /** An engine that "runs" by writing the predictions itself, as a container would, after a pause. */
  function fakeEngine(seen: RunSpec[]): ContainerEngine {
    return {
      ping: async () => true,
      describe: async () => 'fake-engine 1.0',
      image: async () => ({ id: `sha256:${'a'.repeat(64)}`, digests: [] }),
      pull: async () => undefined,
      build: async () => ({ id: `sha256:${'b'.repeat(64)}`, log: '' }),
      sweep: async () => 0,
      async run(spec) {
        seen.push(spec);
        const rows = (await readFile(path.join(spec.inputDir, 'test.csv'), 'utf8')).trim().split('\n').slice(1);
        const out = rows.map((r) => `${r.split(',')[0]},${Number(r.split(',')[1]) > -21 ? 'music' : 'speech'}`);
        await writeFile(path.join(spec.outputDir, 'predictions.csv'), `id,label\n${out.join('\n')}\n`);
        await new Promise((r) => setTimeout(r, 30));
        return { verdict: { kind: 'exited', exitCode: 0 }, wallSeconds: 0.03, startupSeconds: 0.01, logs: '', logsTruncated: false };
      },
    };
  }

  async function gpuRun(smi: Smi) {
    const root = await temp();
    const ex = await exampleCompetition(root, {
      edit: (y) =>
        y.replace(/kinds: \[.*\]/, 'kinds: [predictions, container]').replace('leaderboard:', 'runtime:\n  gpus: 1\nleaderboard:'),
    });
    const dir = await ex.submit('t', 'g', { 'submission.yml': `team: t\nname: g\nkind: container\nimage: sha256:${'a'.repeat(64)}\n` });
    const seen: RunSpec[] = [];
    const saved = process.env.PODIUM_GPU_DEVICES;
    process.env.PODIUM_GPU_DEVICES = '1';
    try {
      const record = await evaluateSubmission({
        competition: ex.competition,
        hiddenDir: ex.hidden,
        submissionDir: dir,
        engine: fakeEngine(seen),
        smi,
      });
      expect(checkRecord(record).ok).toBe(true);
      return { record, seen };
    } finally {
      if (saved === undefined) delete process.env.PODIUM_GPU_DEVICES;
      else process.env.PODIUM_GPU_DEVICES = saved;
    }
  }

  it('records the model, peak memory, energy and how it was measured, and the driver in provenance', async () => {
    const line = (used: number, mj: number) => `1, GPU-x, NVIDIA H100 80GB HBM3, 550.54.15, 81559, ${used}, ${mj}\n`;
    const smi = scripted([line(2, 1_000_000), line(2, 1_012_500)]);
    const { record, seen } = await gpuRun(smi);
    if (record.status !== 'scored') throw new Error(record.error.message);
    expect(seen[0]!.gpus).toEqual(['1']);
    expect(smi.calls[0]).toContain('--id=1');
    expect(record.resources!.gpu).toEqual({ name: 'NVIDIA H100 80GB HBM3', count: 1, peak_memory_bytes: 2 * MIB });
    expect(record.resources!.energy_j).toBe(12.5);
    expect(record.resources!.energy_method).toBe(ENERGY_METHOD);
    expect(record.provenance.runner.gpus).toEqual(['NVIDIA H100 80GB HBM3']);
    expect(record.provenance.runner.gpu_driver).toBe('550.54.15');
  });

  it('scores without GPU figures where nvidia-smi cannot be read', async () => {
    const { record } = await gpuRun(() => Promise.reject(new Error('nvidia-smi: not found')));
    if (record.status !== 'scored') throw new Error(record.error.message);
    expect(record.resources!.gpu).toBeUndefined();
    expect(record.resources!.energy_j).toBeUndefined();
    expect(record.provenance.runner.gpus).toBeUndefined();
  });
});
