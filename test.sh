#!/usr/bin/env bash
# Sets up and runs every SharpQuic test. Usage: ./test.sh [extra dotnet test arguments]
# Installs the Debian packages the tests need when they are missing, then runs the whole
# solution's tests and ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"

# Debian packages the test suite needs. Interop peers (ngtcp2-client, ngtcp2-server, tshark,
# chromium) join this list with the issues whose tests use them.
packages=(ngtcp2-client ngtcp2-server tshark chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
  # ngtcp2-server ships a service (gtlsserver on localhost:7777); the tests start their own peers.
  if command -v systemctl >/dev/null 2>&1; then $sudo systemctl disable --now ngtcp2d >/dev/null 2>&1 || true; fi
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET 10 SDK is required (dotnet not found on PATH)." >&2
  exit 2
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
log=$(mktemp)
# Category=Measure cases are measurement harnesses (throughput printouts), run on demand:
#   SHARPQUIC_MEASURE_SECONDS=2 dotnet test tests/SharpQuic.Tests -c Release --filter Category=Measure
dotnet test SharpQuic.slnx -c Release --filter "Category!=Measure" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# The cryptography again with every hardware intrinsic off: the portable fallbacks (software
# AES, the BCL's AES-GCM, scalar ML-KEM and Keccak, scalar ChaCha20) must pass the same vectors.
echo "== cryptography without hardware intrinsics (DOTNET_EnableHWIntrinsic=0)"
DOTNET_EnableHWIntrinsic=0 dotnet test tests/SharpQuic.Cryptography.Tests -c Release --no-build "$@" 2>&1 | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

# The runtime again on the portable socket (Socket, one datagram per call, no GSO/GRO/ECN): the
# fallback used where the Linux fast path is missing must pass the same loopback tests.
echo "== runtime on the portable UDP socket (SHARPQUIC_UDP=portable)"
SHARPQUIC_UDP=portable dotnet test tests/SharpQuic.Tests -c Release --no-build --filter "FullyQualifiedName~SharpQuic.Tests.Api" "$@" 2>&1 | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

# Sum the per-assembly summaries: "Passed!  - Failed:     0, Passed:   123, Skipped: ..."
passed=0 failed=0
while read -r f p; do
  passed=$((passed + p)); failed=$((failed + f))
done < <(sed -nE 's/.*Failed: *([0-9]+), Passed: *([0-9]+),.*/\1 \2/p' "$log")
rm -f "$log"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1   # the build or a test host failed before any summary: count it, never report green
fi
echo "$passed passed, $failed failed"
exit "$status"
