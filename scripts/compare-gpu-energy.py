"""Compares the GPU meter's energy with NVML's own energy counter over the same command.

    python3 scripts/compare-gpu-energy.py -- node scripts/check-gpu-meter.mjs -- COMMAND ...

Reads NVML's total-energy counter (through nvidia-ml-py) before and after the whole command,
which must print check-gpu-meter's JSON; prints both figures and their difference. Used only
to check the meter on a GPU machine, never by Podium.
"""
import json, subprocess, sys, time, pynvml
pynvml.nvmlInit()
hs = [pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(pynvml.nvmlDeviceGetCount())]
e0 = [pynvml.nvmlDeviceGetTotalEnergyConsumption(h) for h in hs]
t0 = time.monotonic()
out = subprocess.run(sys.argv[sys.argv.index('--') + 1:], stdout=subprocess.PIPE, check=False).stdout.decode()
t1 = time.monotonic()
e1 = [pynvml.nvmlDeviceGetTotalEnergyConsumption(h) for h in hs]
meter = json.loads(out)
nvml_j = sum(b - a for a, b in zip(e0, e1)) / 1000
mj = meter['gpu'].get('energyJ') if isinstance(meter['gpu'], dict) else None
print(json.dumps({'meter': meter, 'nvml_energy_j': nvml_j, 'nvml_window_s': round(t1 - t0, 3),
                  'meter_vs_nvml_percent': None if mj is None else round(100 * (mj - nvml_j) / nvml_j, 2)}, indent=1), flush=True)
