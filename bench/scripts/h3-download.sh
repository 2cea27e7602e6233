#!/usr/bin/env bash
# HTTP/3 download of one large body over loopback, every pairing of SharpQuic and ngtcp2 (Debian
# ngtcp2-client/ngtcp2-server 0.12, nghttp3), interleaved so all see the same machine load:
#   sharpquic get -> sharpquic serve /bytes/N, gtlsclient -> gtlsserver /N,
#   sharpquic get -> gtlsserver /N,           gtlsclient -> sharpquic serve /bytes/N.
# Wall-clock seconds per download (process start to exit, so the handshake and start-up are included),
# bodies written to /dev/shm and their sizes checked. Usage: bench/scripts/h3-download.sh [RUNS] [BYTES]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
bytes=${2:-1073741824}
work=$(mktemp -d)
out=/dev/shm/sq-h3-bench
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work" "$out"' EXIT
dotnet build src/SharpQuic.Cli -c Release -v q -nologo >/dev/null
cli="dotnet src/SharpQuic.Cli/bin/Release/net10.0/SharpQuic.Cli.dll"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/key.pem" \
  -out "$work/cert.pem" -days 2 -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
mkdir -p "$work/htdocs" "$out"

$cli serve --listen 127.0.0.1:14490 --cert "$work/cert.pem" --key "$work/key.pem" --quiet >"$work/sq.log" 2>&1 &
gtlsserver -q --initial-rtt=10ms --max-dyn-length=$((bytes + 1)) -d "$work/htdocs" 127.0.0.1 14491 "$work/key.pem" "$work/cert.pem" >"$work/ng.log" 2>&1 &
sleep 3

timed() { local start end; start=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; end=$(date +%s.%N); awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }'; }
check() { local size; size=$(stat -c %s "$1" 2>/dev/null || echo 0); rm -f "$1"; [ "$size" -eq "$bytes" ] || { echo "$2: got $size of $bytes bytes" >&2; exit 1; }; }
ngclient() { gtlsclient -q --initial-rtt=10ms --exit-on-all-streams-close --max-data=$((bytes * 2)) --download "$out" 127.0.0.1 "$1" "$2"; }

a=() b=() c=() d=()
for i in $(seq "$runs"); do
  t1=$(timed $cli get "https://127.0.0.1:14490/bytes/$bytes" --insecure -o "$out/ours"); check "$out/ours" "sharpquic<->sharpquic"
  t2=$(timed ngclient 14491 "https://127.0.0.1:14491/$bytes"); check "$out/$bytes" "ngtcp2<->ngtcp2"
  t3=$(timed $cli get "https://127.0.0.1:14491/$bytes" --insecure -o "$out/ours"); check "$out/ours" "sharpquic->ngtcp2"
  t4=$(timed ngclient 14490 "https://127.0.0.1:14490/bytes/$bytes"); check "$out/$bytes" "ngtcp2->sharpquic"
  echo "run $i: sharpquic<->sharpquic $t1 s, ngtcp2<->ngtcp2 $t2 s, sharpquic get->gtlsserver $t3 s, gtlsclient->sharpquic serve $t4 s"
  a+=("$t1") b+=("$t2") c+=("$t3") d+=("$t4")
done
median() { printf '%s\n' "$@" | sort -g | awk '{ x[NR] = $1 } END { print x[int((NR + 1) / 2)] }'; }
echo "median seconds for $bytes bytes: sharpquic<->sharpquic $(median "${a[@]}"), ngtcp2<->ngtcp2 $(median "${b[@]}"), sharpquic->ngtcp2 $(median "${c[@]}"), ngtcp2->sharpquic $(median "${d[@]}")"
