#!/usr/bin/env bash
# Benchmark (issue 15): FINDINGS finding changes exported through the real
# SecurityHubExporter into moto server's Security Hub, behind the harness's fault proxy:
# new findings, the same updated in place (resolved), then updated again with every
# THROTTLE_EVERY-th call throttled THROTTLES times (the SDK retries). Prints, per pass,
# BatchImportFindings calls, HTTP requests, throttled requests and wall time.
#
# With WORKFLOW=1, moto runs through functions/fleet-auditor/tests/moto_workflow.py (moto
# with the BatchUpdateFindings it lacks) and a last pass suppresses every finding.
#
# usage: scripts/bench-export.sh [FINDINGS]    (PROFILE=release for a release build;
#        THROTTLE_EVERY, THROTTLES as in functions/fleet-auditor/examples/bench_export.rs)
set -euo pipefail
cd "$(dirname "$0")/.."
findings=${1:-5000}
profile=${PROFILE:-dev}
work=$(mktemp -d)
trap 'kill "${moto_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

[ -n "${SKIP_BUILD:-}" ] || cargo build --quiet --profile "$profile" -p fleet-auditor --example bench_export
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
moto=(.venv/bin/moto_server)
[ "${WORKFLOW:-0}" != 1 ] || moto=(.venv/bin/python functions/fleet-auditor/tests/moto_workflow.py)
"${moto[@]}" -H 127.0.0.1 -p "$port" > "$work/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 200); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && break
    sleep 0.1
done

export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=eu-west-1 AWS_EC2_METADATA_DISABLED=true
SECURITY_HUB_URL="http://127.0.0.1:$port" FINDINGS=$findings \
    "${CARGO_TARGET_DIR:-target}/$dir/examples/bench_export"
