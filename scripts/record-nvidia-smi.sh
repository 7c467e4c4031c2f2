#!/bin/sh
# Records real nvidia-smi output on a machine with NVIDIA GPUs, as test fixtures for the
# GPU readings (tests/fixtures/nvidia-smi). Run it from the repository root; it reads only.
#   sh scripts/record-nvidia-smi.sh [seconds-between-readings]
set -eu
out=tests/fixtures/nvidia-smi
wait_s=${1:-10}
query=index,uuid,name,driver_version,memory.total,memory.used,total_energy_consumption
command -v nvidia-smi >/dev/null || { echo "no nvidia-smi on this machine: nothing to record" >&2; exit 1; }
nvidia-smi --query-gpu=$query --format=csv,noheader,nounits > "$out/recorded-before.csv"
sleep "$wait_s"
nvidia-smi --query-gpu=$query --format=csv,noheader,nounits > "$out/recorded-after.csv"
# The header line, to check the units nvidia-smi says it uses.
nvidia-smi --query-gpu=$query --format=csv > "$out/recorded-with-header.csv"
{
  echo "recorded $(date -u +%Y-%m-%dT%H:%M:%SZ), ${wait_s} s between readings, idle"
  nvidia-smi --version 2>/dev/null | head -n 3 || true
} > "$out/recorded-notes.txt"
echo "wrote $out/recorded-*.csv and recorded-notes.txt"
