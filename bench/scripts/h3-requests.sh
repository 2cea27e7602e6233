#!/usr/bin/env bash
# Small HTTP/3 GETs per second against `sharpquic serve` on loopback, with our load generator
# (`sharpquic perf h3`: N connections x S concurrent request loops). Both processes share this machine.
# Usage: bench/scripts/h3-requests.sh [SECONDS] [CONNECTIONS] [STREAMS] [PATH]   (defaults: 10 8 32 /api/users/1)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}; connections=${2:-8}; streams=${3:-32}; path=${4:-/api/users/1}
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
dotnet build src/SharpQuic.Cli -c Release -v q -nologo >/dev/null
cli="dotnet src/SharpQuic.Cli/bin/Release/net10.0/SharpQuic.Cli.dll"
$cli serve --listen 127.0.0.1:14495 --quiet >/dev/null 2>&1 &
sleep 3
$cli perf h3 "https://127.0.0.1:14495$path" --insecure --seconds "$seconds" --connections "$connections" --streams "$streams"
