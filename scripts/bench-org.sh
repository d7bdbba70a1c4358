#!/usr/bin/env bash
# Benchmark (issue 16): the organisation sweep through the local fan-out. A generated
# organisation (ACCOUNTS x REGIONS x FLEETS fleets and STACKS stacks, default 100 x 3 x
# 10 + 10) in the AppStream simulator (its STS issues each member role's credentials),
# moto server for DynamoDB (behind the harness's counting proxy), SNS and SQS. The
# scheduled run sends one message per (account, region) to an SQS queue; CONCURRENCY
# consumers (Lambda's MaximumConcurrency, BatchSize 1) each take one record at a time
# and run the fleet-auditor's unit on it. Prints one JSON line per phase: first and
# unchanged sweep per concurrency, first and unchanged session poll, then single units
# under /usr/bin/time -v for their peak RSS. See
# functions/fleet-auditor/examples/bench_org.rs for what each figure counts.
#
# usage: scripts/bench-org.sh        (PROFILE=release for a release build; ACCOUNTS,
#        REGIONS, FLEETS, STACKS, CONCURRENCY=5,20, POLL=1 as in the example)
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${PROFILE:-dev}
[ -x .venv/bin/moto_server ] || { echo "moto server missing: run scripts/bootstrap.sh" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time (GNU time) missing: the peak RSS needs it" >&2; exit 1; }
[ -n "${SKIP_BUILD:-}" ] || cargo build --quiet --profile "$profile" -p fleet-auditor --example bench_org
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
# The example starts the simulator and moto itself (the harness's LocalStack) and runs
# each phase in a child process configured by the standard variables only.
env -u AWS_PROFILE -u AWS_ENDPOINT_URL "${CARGO_TARGET_DIR:-target}/$dir/examples/bench_org"
