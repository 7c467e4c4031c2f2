#!/bin/sh
# Records real nvidia-smi output on a machine with NVIDIA GPUs, as test fixtures for the
# GPU readings (tests/fixtures/nvidia-smi). Run it from the repository root; it reads only.
#   sh scripts/record-nvidia-smi.sh [seconds] [load command ...]
# With no load command it waits the given seconds (default 10) between the two readings, idle.
# With one, it runs the command between them and samples the device once a second meanwhile
# (recorded-during.csv), so that the fixtures show a device under load.
set -eu
out=tests/fixtures/nvidia-smi
wait_s=${1:-10}
[ $# -gt 0 ] && shift
query=index,uuid,name,driver_version,memory.total,memory.used,power.draw
smi() { nvidia-smi --query-gpu=$query --format=csv,noheader,nounits; }
command -v nvidia-smi >/dev/null || { echo "no nvidia-smi on this machine: nothing to record" >&2; exit 1; }
smi > "$out/recorded-before.csv"
start=$(date +%s.%N)
if [ $# -gt 0 ]; then
  : > "$out/recorded-during.csv"
  "$@" &
  load=$!
  while kill -0 "$load" 2>/dev/null; do
    sleep 1
    smi >> "$out/recorded-during.csv"
  done
  wait "$load"
  how="under load: $*"
else
  sleep "$wait_s"
  how="idle"
fi
smi > "$out/recorded-after.csv"
end=$(date +%s.%N)
# The header line, to check the units nvidia-smi says it uses.
nvidia-smi --query-gpu=$query --format=csv > "$out/recorded-with-header.csv"
{
  echo "recorded $(date -u +%Y-%m-%dT%H:%M:%SZ), $(echo "$end - $start" | awk '{ printf "%.1f", $1 - $3 }') s between the first and last readings, $how"
  nvidia-smi --version 2>/dev/null | head -n 3 || true
} > "$out/recorded-notes.txt"
echo "wrote $out/recorded-*.csv and recorded-notes.txt"
