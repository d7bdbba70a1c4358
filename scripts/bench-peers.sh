#!/usr/bin/env bash
# Side by side: `streamwarden audit` and Cloud Custodian's four AppStream policies on one
# simulated account (FLEETS fleets + FLEETS stacks, TAGGED of them tagged, pages of 50),
# the same endpoint for both (the simulator serves AppStream and the tagging API on one
# port). Reports wall time, CPU, peak memory and calls (the simulator's call log) for
# each. Release builds (SKIP_BUILD=1 to use what is built).
#
# Custodian (PyPI c7n) goes into its own venv, $PEERS_VENV (default .venv-peers): c7n
# pins boto3 and cryptography to versions other than those moto and sam use in .venv.
#
# usage: scripts/bench-peers.sh [FLEETS] [TAGGED]     (default 1000 400)
set -euo pipefail
cd "$(dirname "$0")/.."
fleets=${1:-1000}
tagged=${2:-400}
venv=${PEERS_VENV:-.venv-peers}
target=${CARGO_TARGET_DIR:-target}
work=$(mktemp -d)
trap 'kill "${sim_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

if ! "$venv/bin/custodian" version > /dev/null 2>&1; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet c7n
fi
[ -n "${SKIP_BUILD:-}" ] || cargo build --quiet --release -p streamwarden-cli -p appstream-sim
python3 scripts/gen-scenario.py "$fleets" 0 > "$work/base.json"
python3 scripts/bench-peers.py scenario "$work/base.json" "$tagged" > "$work/scenario.json"
"$target/release/appstream-sim" --scenario "$work/scenario.json" --port-file "$work/url" > "$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 600); do [ -s "$work/url" ] && break; sleep 0.1; done

python3 scripts/bench-peers.py run "$work" "$(cat "$work/url")" "$sim_pid" \
    "$target/release/streamwarden" "$venv/bin/custodian"
