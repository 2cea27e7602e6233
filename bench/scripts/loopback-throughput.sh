#!/usr/bin/env bash
# Single-connection download throughput over loopback, SharpQuic (sharpquic perf) against ngtcp2's own
# client and server (Debian ngtcp2-client/ngtcp2-server 0.12), interleaved so both see the same machine load.
# Usage: bench/scripts/loopback-throughput.sh [RUNS] [BYTES]   (defaults: 3 runs, 1 GiB)
# Prints one line per run and the medians. Needs: dotnet, gtlsserver, gtlsclient, openssl.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
bytes=${2:-1073741824}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work" /dev/shm/sq-bench' EXIT
dotnet build src/SharpQuic.Cli -c Release -v q -nologo >/dev/null
cli="dotnet src/SharpQuic.Cli/bin/Release/net10.0/SharpQuic.Cli.dll"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/key.pem" \
  -out "$work/cert.pem" -days 2 -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
mkdir -p "$work/htdocs" /dev/shm/sq-bench

$cli perf server --listen 127.0.0.1:14480 --cert "$work/cert.pem" --key "$work/key.pem" >"$work/sq.log" 2>&1 &
SHARPQUIC_UDP=portable $cli perf server --listen 127.0.0.1:14481 --cert "$work/cert.pem" --key "$work/key.pem" >"$work/sqp.log" 2>&1 &
gtlsserver -q --initial-rtt=10ms --max-dyn-length=$((bytes + 1)) -d "$work/htdocs" 127.0.0.1 14482 "$work/key.pem" "$work/cert.pem" >"$work/ng.log" 2>&1 &
sleep 3

sq=() sqp=() ng=()
gbps() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.3f", b * 8 / s / 1e9 }'; }
for i in $(seq "$runs"); do
  s=$($cli perf client 127.0.0.1:14480 --download "$bytes" | tail -1 | sed -E 's/.*"throughput_gbps":([0-9.]+).*/\1/')
  p=$(SHARPQUIC_UDP=portable $cli perf client 127.0.0.1:14481 --download "$bytes" | tail -1 | sed -E 's/.*"throughput_gbps":([0-9.]+).*/\1/')
  start=$(date +%s.%N)
  gtlsclient -q --initial-rtt=10ms --exit-on-all-streams-close --max-data=$((bytes * 2)) --download /dev/shm/sq-bench \
    127.0.0.1 14482 "https://127.0.0.1:14482/$bytes" >/dev/null 2>&1
  end=$(date +%s.%N)
  size=$(stat -c %s "/dev/shm/sq-bench/$bytes" 2>/dev/null || echo 0)
  rm -f "/dev/shm/sq-bench/$bytes"
  [ "$size" -eq "$bytes" ] || { echo "ngtcp2 run $i: got $size of $bytes bytes" >&2; exit 1; }
  n=$(gbps "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')")
  echo "run $i: sharpquic fast path $s Gbit/s, sharpquic portable $p Gbit/s, ngtcp2 $n Gbit/s (wall clock incl. handshake)"
  sq+=("$s") sqp+=("$p") ng+=("$n")
done
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
echo "median: sharpquic fast path $(median "${sq[@]}") Gbit/s, portable $(median "${sqp[@]}") Gbit/s, ngtcp2 $(median "${ng[@]}") Gbit/s"
