#!/usr/bin/env node
// Measures one command with the same GPU meter an evaluation uses, and prints what a record
// would hold: a runner operator's check that the readings work on a new GPU runner.
//   npm run build && node scripts/check-gpu-meter.mjs [--devices=0,1] -- COMMAND [ARG ...]
import { spawn } from 'node:child_process';
import { GpuMeter, nvidiaSmi } from '../build/runner/src/sandbox/gpu/nvidia.js';

const args = process.argv.slice(2);
const dash = args.indexOf('--');
if (dash < 0 || dash === args.length - 1) {
  console.error('usage: node scripts/check-gpu-meter.mjs [--devices=0,1] -- COMMAND [ARG ...]');
  process.exit(2);
}
const devices = (
  args
    .slice(0, dash)
    .find((a) => a.startsWith('--devices='))
    ?.slice('--devices='.length) ?? ''
)
  .split(',')
  .filter(Boolean);
const [command, ...rest] = args.slice(dash + 1);

const meter = new GpuMeter(nvidiaSmi(), devices);
await meter.start();
const started = process.hrtime.bigint();
const exitCode = await new Promise((resolve) => {
  const child = spawn(command, rest, { stdio: ['ignore', 2, 2] });
  child.on('error', (err) => {
    console.error(`could not start ${command}: ${err.message}`);
    resolve(127);
  });
  child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
});
const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
const gpu = await meter.stop();
const out = {
  command: [command, ...rest].join(' '),
  exit_code: exitCode,
  wall_seconds: Number(wallSeconds.toFixed(3)),
  gpu: gpu ?? 'not measured: nvidia-smi could not be read',
  ...(gpu?.energyJ !== undefined && wallSeconds > 0 ? { mean_power_w: Number((gpu.energyJ / wallSeconds).toFixed(1)) } : {}),
};
console.log(JSON.stringify(out, null, 2));
process.exit(gpu ? 0 : 1);
