#!/usr/bin/env bash
# Download throughput over loopback for the transport choices of issue 6: CUBIC vs NewReno, pacing on/off,
# GSO on/off (the sender is the perf server, so the choices are the server's). Runs are interleaved so every
# configuration sees the same machine load. Usage: bench/scripts/transport-matrix.sh [RUNS] [BYTES]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
bytes=${2:-1G}
dotnet build src/SharpQuic.Cli -c Release -v q -nologo >/dev/null
cli="dotnet src/SharpQuic.Cli/bin/Release/net10.0/SharpQuic.Cli.dll"
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
names=("cubic+pacing+gso" "cubic-nopacing" "newreno+pacing" "newreno-nopacing" "cubic+pacing-gso")
port=14500
for i in "${!names[@]}"; do
  case ${names[$i]} in
    cubic+pacing+gso) $cli perf server --listen 127.0.0.1:$((port + i)) >/dev/null 2>&1 & ;;
    cubic-nopacing) $cli perf server --listen 127.0.0.1:$((port + i)) --no-pacing >/dev/null 2>&1 & ;;
    newreno+pacing) $cli perf server --listen 127.0.0.1:$((port + i)) --cc reno >/dev/null 2>&1 & ;;
    newreno-nopacing) $cli perf server --listen 127.0.0.1:$((port + i)) --cc reno --no-pacing >/dev/null 2>&1 & ;;
    cubic+pacing-gso) SHARPQUIC_GSO=0 $cli perf server --listen 127.0.0.1:$((port + i)) >/dev/null 2>&1 & ;;
  esac
done
sleep 3
declare -A results
for r in $(seq "$runs"); do
  for i in "${!names[@]}"; do
    g=$($cli perf client 127.0.0.1:$((port + i)) --download "$bytes" | tail -1 | sed -E 's/.*"throughput_gbps":([0-9.]+).*/\1/')
    results[${names[$i]}]="${results[${names[$i]}]:-} $g"
    echo "run $r ${names[$i]}: $g Gbit/s"
  done
done
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
for n in "${names[@]}"; do
  # shellcheck disable=SC2086
  echo "median ${n}: $(median ${results[$n]}) Gbit/s"
done
