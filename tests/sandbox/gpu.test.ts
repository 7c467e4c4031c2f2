import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evaluateSubmission } from '../../runner/src/evaluate/evaluate.js';
import { checkRecord } from '../../runner/src/results/record.js';
import type { ContainerEngine, RunSpec } from '../../runner/src/sandbox/container/engine.js';
import { ENERGY_METHOD } from '../../runner/src/sandbox/container/evaluate-container.js';
import { GPU_FIELDS, GpuMeter, integratePower, nvidiaSmi, parseGpuQuery, readGpus, type Smi } from '../../runner/src/sandbox/gpu/nvidia.js';
import { exampleCompetition } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

/**
 * The GPU paths, on nvidia-smi output recorded on an H200 and on hand-written output in the
 * same format for situations no GPU at hand shows (the fixtures' README says which is which).
 * The engine is a fake here; the real engine's GPU device requests need an NVIDIA runtime.
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
  it('parses devices, memory in MiB and power in watts', async () => {
    const gpus = parseGpuQuery(await fixture('two-h100-before.csv'));
    expect(gpus).toHaveLength(2);
    expect(gpus[0]).toEqual({
      index: '0',
      uuid: 'GPU-5c1b2a3e-0d4f-4e61-9a77-0c9f2f1d8a10',
      name: 'NVIDIA H100 80GB HBM3',
      driver: '550.54.15',
      memoryTotalBytes: 81559 * MIB,
      memoryUsedBytes: 2 * MIB,
      powerW: 69.52,
    });
  });

  it('records "[N/A]" and "[Not Supported]" as not measured, never zero', async () => {
    const [old] = parseGpuQuery(await fixture('no-power-reading.csv'));
    expect(old!.powerW).toBeUndefined();
    expect(old!.memoryUsedBytes).toBe(0);
    const [vgpu] = parseGpuQuery(await fixture('not-supported.csv'));
    expect(vgpu).toEqual({ index: '0', uuid: 'GPU-9f8e7d6c-aaaa-bbbb-cccc-ddddeeeeffff', name: 'GRID A100D-8C', driver: '535.161.08' });
    // Lines that are not the query's shape (an error message, a header) are not devices.
    expect(parseGpuQuery('NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.\n')).toEqual([]);
    expect(parseGpuQuery('Field "total_energy_consumption" is not a valid field to query.\n')).toEqual([]);
    expect(parseGpuQuery((await fixture('recorded-with-header.csv')).split('\n')[0]!)).toEqual([]);
  });

  it('integrates power over the samples by trapezoids, and refuses a partial figure', () => {
    // 100 W to 300 W over 2 s, then 300 W for 1 s: 400 J + 300 J.
    expect(
      integratePower([
        { atMs: 0, watts: 100 },
        { atMs: 2000, watts: 300 },
        { atMs: 3000, watts: 300 },
      ]),
    ).toBe(700);
    expect(integratePower([{ atMs: 0, watts: 100 }])).toBeUndefined();
    expect(integratePower([{ atMs: 0, watts: 100 }, { atMs: 500 }, { atMs: 1000, watts: 100 }])).toBeUndefined();
    // A clock that went back adds nothing rather than taking energy away.
    expect(
      integratePower([
        { atMs: 1000, watts: 100 },
        { atMs: 500, watts: 100 },
      ]),
    ).toBe(0);
  });

  it('asks for the same fields as the recording script, so recordings stay fixtures of this query', async () => {
    const script = await readFile(path.join(FIXTURES, '..', '..', '..', 'scripts', 'record-nvidia-smi.sh'), 'utf8');
    expect(script).toMatch(new RegExp(`^query=${GPU_FIELDS.join(',').replace(/\./g, '\\.')}$`, 'm'));
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
      '--query-gpu=index,uuid,name,driver_version,memory.total,memory.used,power.draw',
      '--format=csv,noheader,nounits',
      '--id=0,1',
    ]);
    // No nvidia-smi on the machine: nothing measured, nothing thrown.
    expect(await readGpus(nvidiaSmi(path.join(dir, 'missing')))).toBeUndefined();
  });

  it('meters a run: energy integrated over the samples, peak memory from the samples', async () => {
    const [before, after] = [await fixture('two-h100-before.csv'), await fixture('two-h100-after.csv')];
    // Memory is high only while the run goes on: the peak can come from the samples alone,
    // not from the readings at start and stop.
    const low = after.replace(/, 40960, /, ', 2, ').replace(/, 512, /, ', 2, ');
    let phase: 'before' | 'during' | 'after' = 'before';
    let clock = 0;
    const calls: string[][] = [];
    const smi: Smi = async (args) => {
      calls.push(args);
      // The clock says when each reading was taken: 0 s, 1 s for every sample while the run
      // goes on, 2 s at the end — so the figure is the same however many samples were taken.
      clock = { before: 0, during: 1000, after: 2000 }[phase];
      const text = phase === 'before' ? before : phase === 'during' ? after : low;
      if (phase === 'before') phase = 'during';
      return text;
    };
    const meter = new GpuMeter(smi, ['0', '1'], 10, () => clock);
    await meter.start();
    await new Promise((r) => setTimeout(r, 60));
    phase = 'after';
    const m = await meter.stop();
    const [idle, busy] = [69.52 + 71.1, 612.4 + 118.98];
    // From 0 s to 1 s power rises from idle to busy, then stays busy until 2 s. Without a
    // sample during the run it would be (idle + busy) / 2 * 2 s instead.
    const energyJ = (idle + busy) / 2 + busy;
    expect(m).toEqual({
      name: 'NVIDIA H100 80GB HBM3',
      count: 2,
      driver: '550.54.15',
      peakMemoryBytes: (40960 + 512) * MIB,
      energyJ: expect.closeTo(energyJ, 9),
    });
    expect(calls.length).toBeGreaterThanOrEqual(3);
    // A machine where nvidia-smi fails: no measurement at all.
    const broken = new GpuMeter(() => Promise.reject(new Error('no driver')), ['0']);
    await broken.start();
    expect(await broken.stop()).toBeUndefined();
    // A device without a power reading: memory still measured, energy left out.
    const noPower = new GpuMeter(scripted([await fixture('no-power-reading.csv')]), ['0'], 10);
    await noPower.start();
    expect(await noPower.stop()).toEqual({ name: 'Example GPU without power reading', count: 1, driver: '470.256.02', peakMemoryBytes: 0 });
  });
});

describe('nvidia-smi output recorded on an H200 under load (scripts/record-nvidia-smi.sh)', () => {
  it('reads the device in every line, with the units the header names', async () => {
    const header = await fixture('recorded-with-header.csv');
    expect(header).toContain('memory.used [MiB]');
    expect(header).toContain('power.draw [W]');
    for (const name of ['recorded-before.csv', 'recorded-during.csv', 'recorded-after.csv']) {
      const text = await fixture(name);
      const gpus = parseGpuQuery(text);
      expect(gpus, name).toHaveLength(text.trim().split('\n').length);
      for (const g of gpus)
        expect(g, name).toMatchObject({ index: '0', name: 'NVIDIA H200', driver: '580.159.04', memoryTotalBytes: 143771 * MIB });
      for (const g of gpus) expect(g.powerW, name).toBeGreaterThan(0);
    }
  });

  it('meters the recorded run: the memory of the load as peak, energy between idle and the power limit', async () => {
    const lines = ['recorded-before.csv', 'recorded-during.csv', 'recorded-after.csv'];
    const readings = (await Promise.all(lines.map(fixture))).flatMap((t) =>
      t
        .trim()
        .split('\n')
        .map((l) => `${l}\n`),
    );
    // Replayed one reading a second, as they were taken.
    let clock = -1000;
    const replay = scripted(readings);
    const smi: Smi = (args) => {
      clock += 1000;
      return replay(args);
    };
    const meter = new GpuMeter(smi, ['0'], 1, () => clock);
    await meter.start();
    while (replay.calls.length < readings.length - 1) await new Promise((r) => setTimeout(r, 2));
    const m = await meter.stop();
    expect(m!.peakMemoryBytes).toBe(17613 * MIB);
    const seconds = (readings.length - 1) * 1;
    const powers = parseGpuQuery(readings.join('')).map((g) => g.powerW!);
    const idle = Math.min(...powers);
    expect(idle).toBeLessThan(100);
    // Under load the card ran near its 700 W limit: the energy is far above idle, below the limit.
    expect(m!.energyJ).toBeGreaterThan(3 * idle * seconds);
    expect(m!.energyJ).toBeLessThan(700 * seconds);
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
      sweep: async () => ({ containers: 0, images: 0 }),
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
        // nvidia-ctk's answer as its source prints it (urfave/cli: "<name> version <v>", then the commit).
        toolkit: () => Promise.resolve('NVIDIA Container Toolkit CLI version 1.17.8\ncommit: 0000000000000000000000000000000000000000\n'),
      });
      expect(checkRecord(record).ok).toBe(true);
      return { record, seen };
    } finally {
      if (saved === undefined) delete process.env.PODIUM_GPU_DEVICES;
      else process.env.PODIUM_GPU_DEVICES = saved;
    }
  }

  it('records the model, peak memory, energy and how it was measured, and the driver in provenance', async () => {
    // A steady 250 W over a run that takes at least 30 ms (the fake engine's pause).
    const smi = scripted(['1, GPU-x, NVIDIA H100 80GB HBM3, 550.54.15, 81559, 2, 250.00\n']);
    const { record, seen } = await gpuRun(smi);
    if (record.status !== 'scored') throw new Error(record.error.message);
    expect(seen[0]!.gpus).toEqual(['1']);
    expect(smi.calls[0]).toContain('--id=1');
    expect(record.resources!.gpu).toEqual({ name: 'NVIDIA H100 80GB HBM3', count: 1, peak_memory_bytes: 2 * MIB });
    expect(record.resources!.energy_j).toBeGreaterThanOrEqual(250 * 0.03 - 0.01);
    expect(record.resources!.energy_j).toBeLessThan(250 * 2);
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
