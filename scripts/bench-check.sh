#!/usr/bin/env bash
# Benchmark: `streamwarden check` on large inputs written as people write them: a
# CloudFormation template of FLEETS fleets, indented, as YAML and as JSON. Prints wall
# time and peak memory (RSS) per input.
#
# usage: scripts/bench-check.sh [FLEETS]    (STREAMWARDEN=path/to/binary to skip the build)
set -euo pipefail
cd "$(dirname "$0")/.."
fleets=${1:-10000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

binary=${STREAMWARDEN:-}
if [ -z "$binary" ]; then
    cargo build --quiet --release -p streamwarden-cli
    binary=${CARGO_TARGET_DIR:-target}/release/streamwarden
fi

python3 - "$fleets" "$work" <<'PY'
import json, sys
n, work = int(sys.argv[1]), sys.argv[2]
resources = {}
for i in range(n):
    resources[f"Fleet{i:05d}"] = {"Type": "AWS::AppStream::Fleet", "Properties": {
        "Name": f"fleet-{i:05d}", "InstanceType": "stream.standard.large",
        "FleetType": ["ALWAYS_ON", "ON_DEMAND", "ELASTIC"][i % 3],
        "ComputeCapacity": {"DesiredInstances": 2},
        "EnableDefaultInternetAccess": i % 5 == 0,
        "MaxUserDurationInSeconds": 36000, "DisconnectTimeoutInSeconds": 300,
        "IdleDisconnectTimeoutInSeconds": 600,
        "VpcConfig": {"SubnetIds": ["subnet-1", "subnet-2"], "SecurityGroupIds": ["sg-1"]},
        "Tags": [{"Key": "owner", "Value": "team"}]}}
doc = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}
with open(f"{work}/template.json", "w") as f:
    json.dump(doc, f, indent=2)

def yaml(value, indent):
    for key, v in value.items():
        pad = " " * indent
        if isinstance(v, dict):
            yield f"{pad}{key}:"
            yield from yaml(v, indent + 2)
        elif isinstance(v, list):
            yield f"{pad}{key}:"
            for item in v:
                if isinstance(item, dict):
                    for j, (k, x) in enumerate(item.items()):
                        yield f"{pad}  {'- ' if j == 0 else '  '}{k}: {json.dumps(x)}"
                else:
                    yield f"{pad}  - {item}"
        else:
            yield f"{pad}{key}: {json.dumps(v)}"

with open(f"{work}/template.yaml", "w") as f:
    f.write("\n".join(yaml(doc, 0)) + "\n")
PY

for input in template.yaml template.json; do
    size=$(du -h "$work/$input" | cut -f1)
    /usr/bin/time -f "%e %M" -o "$work/time" "$binary" check --format json --fail-on never \
        "$work/$input" > /dev/null
    read -r seconds kib < "$work/time"
    echo "$fleets fleets, $input ($size): ${seconds} s, peak RSS $((kib / 1024)) MiB"
done
