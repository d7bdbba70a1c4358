#!/usr/bin/env bash
# Benchmark: `streamwarden audit --sessions` of FLEETS fleets and SESSIONS sessions
# through the AppStream simulator (release builds); with SESSIONS = 0, a plain `audit`
# (no session reads). Prints wall time, peak memory
# (RSS) and the AppStream calls made, by operation.
#
# usage: scripts/bench-audit.sh [FLEETS] [SESSIONS] [EXTRA SIMULATOR FLAGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
fleets=${1:-1000}
sessions=${2:-10000}
shift $(( $# > 2 ? 2 : $# ))
work=$(mktemp -d)
trap 'kill "${sim_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

[ -n "${SKIP_BUILD:-}" ] || cargo build --quiet --release -p streamwarden-cli -p appstream-sim
python3 scripts/gen-scenario.py "$fleets" "$sessions" > "$work/scenario.json"
target/release/appstream-sim --scenario "$work/scenario.json" --port-file "$work/url" "$@" > "$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 600); do [ -s "$work/url" ] && break; sleep 0.1; done
url=$(cat "$work/url")

sessions_flag=--sessions
[ "$sessions" != 0 ] || sessions_flag=
export AWS_ENDPOINT_URL_APPSTREAM=$url AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API=$url AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench \
       AWS_REGION=eu-west-1 AWS_EC2_METADATA_DISABLED=true
start=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$work/rss" target/release/streamwarden audit $sessions_flag --format json \
    --fail-on never > "$work/report.json"
end=$(date +%s.%N)

python3 - "$work" "$start" "$end" "$url" <<'PY'
import collections, json, sys, urllib.request
work, start, end, url = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
report = json.load(open(f"{work}/report.json"))["summary"]
calls = json.load(urllib.request.urlopen(f"{url}/_sim/calls"))["calls"]
by_op = collections.Counter(c["operation"] for c in calls)
retried = sum(1 for c in calls if c.get("error"))
rss_kib = int(open(f"{work}/rss").read().split()[-1])
print(f"fleets {report['fleets']}, stacks {report['stacks']}, sessions {report['sessions']}, findings {report['findings']}")
print(f"wall time {end - start:.2f} s, peak RSS {rss_kib / 1024:.1f} MiB")
print(f"AppStream calls {len(calls)} ({retried} answered with an error and retried): " +
      ", ".join(f"{op} {n}" for op, n in sorted(by_op.items())))
PY
