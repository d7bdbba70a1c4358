#!/usr/bin/env python3
"""session-recorder benchmark, on the release host build, through the real parts.

FLEETS fleets (one stack each, a third multi-session) and SESSIONS sessions
(`gen-scenario.py --mix recorder`) in the AppStream simulator; DynamoDB and SNS on moto
server, the table made as template.yaml declares it. Three
scheduled runs, each a fresh function process (a cold start):

1. first run: an empty table, every session new;
2. second run: nothing changed (only the region's bookkeeping item is due);
3. third run: 10 % of the sessions ended and 5 % disconnected through the
   simulator's control API in between.

For each: wall time (process start to the response), peak RSS of the function (VmHWM),
CPU seconds of the function, moto and the simulator (moto's CPU close to the wall time
means moto is what the run waits for), AppStream calls by operation (the simulator's
call log), DynamoDB and SNS calls by operation (moto's request recorder; retries count
too), moto's answers by HTTP status with the exceptions behind any 5xx (moto's log),
the handler's figures (items written, write units, ...), and a rough timeline: the last
AppStream call and the first and last DynamoDB write, in seconds after the process
started (DynamoDB to the second: from the requests' X-Amz-Date). Then the latency of
the recorder's two per-fleet Queries on moto at the final table size, and a markdown
table for BENCHMARKS.md.

usage: .venv/bin/python scripts/bench-recorder.py [FLEETS] [SESSIONS]   (default 200 20000;
       after `cargo build --release -p session-recorder -p appstream-sim`)
"""
import collections
import datetime
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

import boto3

from benchlib import (REGION, ROOT, SimControl, boto_creds, by_operation, count_calls, create_table,
                      download_recording, format_calls, function_env, moto_statuses, proc_cpu_seconds,
                      reset_recording, run, scheduled_event, sim_calls, start_moto, start_recording,
                      start_sim)

BIN = os.path.join(ROOT, "target/release/session-recorder")
NAME = "session-recorder"
ENDED_SHARE = 0.10
DISCONNECTED_SHARE = 0.05


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def dynamodb_timeline(recording):
    """(operation, epoch second) of every entry of a moto recording that parses (the
    X-Amz-Date of the request's signature). Entries that interleaved are skipped."""
    out = []
    for line in recording.splitlines():
        try:
            headers = json.loads(line)["headers"]
        except (ValueError, KeyError, TypeError):
            continue
        target, stamp = headers.get("X-Amz-Target", ""), headers.get("X-Amz-Date")
        if target.startswith("DynamoDB_20120810.") and stamp:
            t = datetime.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
            out.append((target.split(".", 1)[1], t.timestamp()))
    return out


def next_second():
    """Sleeps past the next whole second: the recorder keys runs by whole seconds, and a
    run in the same second as the last one would not count as later."""
    time.sleep(1.02 - time.time() % 1)


def moto_errors(log, offset):
    """The distinct exceptions in moto's log from `offset` on (its tracebacks' last
    lines), with counts."""
    with open(log, "rb") as f:
        f.seek(offset)
        lines = f.read().decode(errors="replace").splitlines()
    errors = collections.Counter()
    for i, line in enumerate(lines):
        if line.startswith("Traceback"):
            j = i + 1
            while j < len(lines) and (lines[j].startswith(" ") or not lines[j].strip()):
                j += 1
            if j < len(lines):
                errors[lines[j].strip()[:160]] += 1
    return errors


def invoke(label, event_time, env, moto, moto_url, moto_log, sim, sim_url):
    next_second()
    sim_calls(sim_url)  # empties the log
    reset_recording(moto_url)
    log_offset = os.path.getsize(moto_log)
    moto_cpu, sim_cpu = proc_cpu_seconds(moto.pid), proc_cpu_seconds(sim.pid)
    started = time.time()
    inv = run(BIN, [scheduled_event(label, event_time)], env, NAME, measure_rss=True, timeout=3600)
    moto_cpu, sim_cpu = proc_cpu_seconds(moto.pid) - moto_cpu, proc_cpu_seconds(sim.pid) - sim_cpu
    statuses, _ = moto_statuses(moto_log, log_offset)
    errors = moto_errors(moto_log, log_offset)
    calls = sim_calls(sim_url)
    appstream, appstream_errors = by_operation(calls)
    recording = download_recording(moto_url)
    reset_recording(moto_url)
    dynamodb = count_calls(recording)
    timeline = dynamodb_timeline(recording)
    writes = [t - started for op, t in timeline if op in ("BatchWriteItem", "PutItem", "TransactWriteItems", "UpdateItem")]
    reads = [parse_time(c["time"]) - started for c in calls]
    kind, body = inv.results[-1] if inv.results else ("timeout", {})
    return {
        "label": label, "kind": kind, "body": body, "wall": inv.wall, "cold": inv.cold, "rss": inv.rss,
        "cpu": inv.cpu, "moto_cpu": moto_cpu, "sim_cpu": sim_cpu,
        "appstream": appstream, "appstream_errors": appstream_errors, "dynamodb": dynamodb,
        "last_appstream": max(reads) if reads else None,
        "first_write": min(writes) if writes else None, "last_write": max(writes) if writes else None,
        "timeline_entries": len(timeline), "statuses": statuses, "errors": errors,
    }


def change_sessions(sim_url, seed=11):
    """Ends ENDED_SHARE of the sessions and disconnects DISCONNECTED_SHARE (of all
    sessions, chosen among the connected ones left). Returns (ended, disconnected)."""
    control = SimControl(sim_url)
    sessions = control.call("GET", "/_sim/sessions")
    if isinstance(sessions, dict):
        sessions = sessions.get("Sessions", sessions.get("sessions", []))
    rng = random.Random(seed)
    ids = sorted(s["Id"] for s in sessions)
    ended = rng.sample(ids, int(len(ids) * ENDED_SHARE))
    gone = set(ended)
    connected = sorted(s["Id"] for s in sessions
                       if s["Id"] not in gone and s.get("ConnectionState") == "CONNECTED")
    disconnected = rng.sample(connected, min(len(connected), int(len(ids) * DISCONNECTED_SHARE)))
    for sid in ended:
        control.call("DELETE", f"/_sim/sessions/{sid}")
    for sid in disconnected:
        control.call("PATCH", f"/_sim/sessions/{sid}", {"ConnectionState": "NOT_CONNECTED"})
    control.close()
    return len(ended), len(disconnected)


def probe(ddb, fleets):
    """Times the recorder's two per-fleet reads on moto at the table's final size: the
    open sessions of a fleet (Query on gsi4) and its latest snapshot (Query on the
    table), as the recorder asks for them."""
    fleet = f"fleet-{min(fleets - 1, 2):05d}"
    queries = {
        "open sessions (Query gsi4)": dict(IndexName="gsi4", KeyConditionExpression="#pk = :pk",
                                           ExpressionAttributeNames={"#pk": "GSI4PK"},
                                           ExpressionAttributeValues={":pk": {"S": f"OPEN#{REGION}#{fleet}"}}),
        "latest snapshot (Query table, Limit 1)": dict(
            KeyConditionExpression="#pk = :pk", ExpressionAttributeNames={"#pk": "PK"},
            ExpressionAttributeValues={":pk": {"S": f"SNAP#{REGION}#{fleet}"}}, ScanIndexForward=False, Limit=1),
    }
    items = ddb.describe_table(TableName="streamwarden")["Table"].get("ItemCount", "?")
    parts = []
    for what, q in queries.items():
        t = time.perf_counter()
        n = 5
        for _ in range(n):
            found = len(ddb.query(TableName="streamwarden", **q)["Items"])
        parts.append(f"{what} {(time.perf_counter() - t) / n * 1000:.0f} ms ({found} items)")
    print(f"moto latency with {items} items in the table, {fleet}, mean of 5, no other load: " + "; ".join(parts))


def num(value, unit, digits=1):
    """A measured figure, or "-" when the process was gone before it could be read."""
    return "-" if value is None else f"{value:.{digits}f} {unit}"


def report(r):
    body = r["body"]
    print(f"{r['label']}: {r['kind']} {json.dumps(body)}")
    cold = "-" if r["cold"] is None else f"{r['cold'] * 1000:.1f} ms"
    print(f"  wall {r['wall']:.2f} s (cold start {cold}), peak RSS {num(r['rss'], 'MiB')}; "
          f"CPU: function {num(r['cpu'], 's', 2)}, moto {r['moto_cpu']:.2f} s, simulator {r['sim_cpu']:.2f} s")
    print(f"  AppStream calls {sum(r['appstream'].values()):,} ({r['appstream_errors']} answered with an error): "
          f"{format_calls(r['appstream'])}")
    print(f"  DynamoDB/SNS calls: {format_calls(r['dynamodb'])}")
    print(f"  moto's answers by HTTP status: {format_calls(r['statuses'])}" +
          "".join(f"\n    {n} x {e}" for e, n in r["errors"].most_common(5)))
    fine = lambda t: "-" if t is None else f"+{t:.1f} s"
    coarse = lambda t: "-" if t is None else f"+{max(0.0, t):.0f} s"
    print(f"  timeline after process start: last AppStream call {fine(r['last_appstream'])}; "
          f"DynamoDB writes from {coarse(r['first_write'])} to {coarse(r['last_write'])} "
          f"(+-1 s: X-Amz-Date; {r['timeline_entries']} recorded entries parsed)")


def table_row(r):
    body = r["body"]
    ok = r["kind"] == "response"
    appstream = f"{sum(r['appstream'].values()):,}: " + format_calls(r["appstream"])
    if r["appstream_errors"]:
        appstream += f" ({r['appstream_errors']} errors, retried)"
    dynamodb = format_calls({k.split(" ", 1)[1]: v for k, v in r["dynamodb"].items() if k.startswith("DynamoDB ")})
    sns = sum(v for k, v in r["dynamodb"].items() if k.startswith("SNS "))
    if sns:
        dynamodb += f"; SNS {sns:,}"
    failed = sum(n for status, n in r["statuses"].items() if status.startswith("5"))
    if failed:
        dynamodb += f" ({failed} answered 5xx by moto, retried)"
    if ok:
        items, units = f"{body['items_written']:,}", f"{body['write_units']:,}"
        what = (f"{body['sessions']:,} sessions; opened {body['opened']:,}, changed {body['changed']:,}, "
                f"closed {body['closed']:,}, snapshots {body['snapshots']:,}")
    else:
        items = units = "-"
        what = f"{body.get('errorType', r['kind'])}: {str(body.get('errorMessage', ''))[:120]}"
    return (f"| {r['label']} | {r['wall']:.1f} s | {num(r['rss'], 'MiB')} | {num(r['cpu'], 's')} / {r['moto_cpu']:.1f} s | "
            f"{appstream} | {dynamodb} | {items} | {units} | {what} |")


def main():
    fleets = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    sessions = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    work = tempfile.mkdtemp()
    scenario = os.path.join(work, "scenario.json")
    with open(scenario, "w") as f:
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts/gen-scenario.py"), str(fleets), str(sessions),
                        "--mix", "recorder"], stdout=f, check=True)

    moto = sim = None
    try:
        moto_log = os.path.join(work, "moto.log")
        moto, moto_url = start_moto(work, log=moto_log)
        sim, sim_url = start_sim(scenario, work)
        # Let the simulated clock follow real time, so the call log's times are real.
        SimControl(sim_url).call("POST", "/_sim/clock", {"set": time.time(), "frozen": False})
        creds = boto_creds(moto_url)
        ddb = boto3.client("dynamodb", **creds)
        create_table(ddb)
        topic = boto3.client("sns", **creds).create_topic(Name="alerts")["TopicArn"]
        start_recording(moto_url)
        env = function_env(NAME, moto_url, sim_url, topic)

        print(f"session-recorder: {fleets:,} fleets, {sessions:,} sessions")
        base = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        at = lambda minutes: (base + datetime.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")
        results = [invoke("first run (empty table)", at(0), env, moto, moto_url, moto_log, sim, sim_url)]
        report(results[-1])
        results.append(invoke("second run (nothing changed)", at(5), env, moto, moto_url, moto_log, sim, sim_url))
        report(results[-1])
        t = time.perf_counter()
        ended, disconnected = change_sessions(sim_url)
        print(f"changes: {ended:,} sessions ended, {disconnected:,} disconnected "
              f"(control API, {time.perf_counter() - t:.1f} s)")
        results.append(invoke(f"third run ({ended:,} ended, {disconnected:,} disconnected)", at(10),
                              env, moto, moto_url, moto_log, sim, sim_url))
        report(results[-1])
        probe(ddb, fleets)

        print()
        print(f"`.venv/bin/python scripts/bench-recorder.py {fleets} {sessions}`, "
              f"{datetime.date.today().isoformat()}: {fleets:,} fleets, {sessions:,} sessions")
        print()
        print("| Run | Wall time | Peak RSS | CPU function / moto | AppStream calls | DynamoDB calls | "
              "Items written | Write units | Outcome |")
        print("|---|---|---|---|---|---|---|---|---|")
        for r in results:
            print(table_row(r))
    finally:
        for proc in (sim, moto):
            if proc:
                proc.terminate()
                proc.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
