#!/usr/bin/env python3
"""fleet-auditor benchmarks, on the release host build, through the real parts.

- Cold start: process start to the first poll of the Lambda runtime API (median of 20).
- A scheduled sweep of FLEETS fleets (and as many stacks) through the AppStream
  simulator, DynamoDB and SNS on moto server: wall time, peak RSS, and the DynamoDB and
  SNS calls made (moto's request recorder), for a first sweep (everything new) and a
  second one (nothing changed).

usage: .venv/bin/python scripts/bench-auditor.py [FLEETS]   (after `cargo build --release -p fleet-auditor -p appstream-sim`)
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

import boto3

from benchlib import (ROOT, boto_creds, function_env, recorded_calls, run,
                      scheduled_event, start_moto, start_recording, start_sim)

BIN = os.path.join(ROOT, "target/release/fleet-auditor")
NAME = "fleet-auditor"


def main():
    fleets = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    work = tempfile.mkdtemp()
    scenario = os.path.join(work, "scenario.json")
    with open(scenario, "w") as f:
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts/gen-scenario.py"), str(fleets), "0"], stdout=f, check=True)

    moto = sim = None
    try:
        moto, moto_url = start_moto(work)
        sim, sim_url = start_sim(scenario, work)
        creds = boto_creds(moto_url)
        ddb = boto3.client("dynamodb", **creds)
        # The auditor's index only (the recorder's gsi2..gsi4 are left out).
        ddb.create_table(TableName="streamwarden", BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("PK", "SK", "GSI1PK", "GSI1SK")],
                         KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
                         GlobalSecondaryIndexes=[{"IndexName": "gsi1", "Projection": {"ProjectionType": "ALL"},
                                                  "KeySchema": [{"AttributeName": "GSI1PK", "KeyType": "HASH"},
                                                                {"AttributeName": "GSI1SK", "KeyType": "RANGE"}]}])
        topic = boto3.client("sns", **creds).create_topic(Name="alerts")["TopicArn"]
        start_recording(moto_url)
        recorded_calls(moto_url)

        env = function_env(NAME, moto_url, sim_url, topic)
        colds = [run(BIN, [], env, NAME).cold * 1000 for _ in range(20)]
        print(f"cold start (process start -> first runtime poll): median {statistics.median(colds):.1f} ms, "
              f"min {min(colds):.1f}, max {max(colds):.1f} (20 runs)")
        sweep = scheduled_event("bench-sweep", "2026-11-27T10:00:00Z")
        for label in ("first sweep (all new)", "second sweep", "third sweep"):
            inv = run(BIN, [dict(sweep, id=label)], env, NAME, measure_rss=True)
            calls = recorded_calls(moto_url)
            print(f"{label}: {inv.results[-1][0]} {json.dumps(inv.results[-1][1])}")
            print(f"  wall {inv.wall:.2f} s, peak RSS {inv.rss:.1f} MiB; calls: " +
                  (", ".join(f"{k} {v}" for k, v in sorted(calls.items())) or "none"))
    finally:
        if sim:
            sim.terminate()
        if moto:
            moto.terminate()


if __name__ == "__main__":
    main()
