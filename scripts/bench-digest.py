#!/usr/bin/env python3
"""Compliance digest benchmark: `streamwarden report` over a month of history.

Seeds a table on moto server (made as template.yaml declares
it) with DAYS days of history of FLEETS fleets in one region, item for item as the
Rust code writes them (serde_dynamo: the same attribute names and types, times RFC 3339
UTC with whole seconds):

- session records: about 6 a fleet a day (SESSIONS_PER_DAY a fleet in use), closed
  with ended_after / ended_before between two recorder runs (every 5 minutes), sessions
  still running at the end open (gsi4); a quarter of the fleets multi-session, their sessions placed on
  instances (InstanceId, gsi3); some fleets stopped or idle, with no sessions;
- capacity snapshots: one per recorder run at which the fleet's load changed (a session
  appeared, went away or changed its connection state), and one a day at least;
- the region's recorder state, listing every fleet;
- resource states: a fifth of the fleets with open findings (the sparse gsi1, GSI1SK as
  `ResourceState::new` sets it), the other resources with history compliant again;
- finding history (`opened`, `raised`, `resolved`), 1.5 items a fleet over the month,
  with the changes-by-day keys of gsi2 (`CHANGES#<region>#<YYYY-MM-DD>`).

Then runs the release CLI, `streamwarden report --format json|html`, for the daily
digest (the last 24 h) and for the whole month (DAYS days):

1. once through a small counting proxy in front of moto: DynamoDB calls by operation and
   by access path, items and bytes read, and read units computed from the responses by
   DynamoDB's rules (an item's size is its attribute names plus values, as
   `streamwarden::aws::dynamodb::item_size` counts it; Query: the items of one page
   summed and rounded up to 4 KB, half a unit per 4 KB for the eventually consistent
   reads the code makes, at least one 4 KB step per page even if empty; GetItem strongly
   consistent: one unit per 4 KB; DescribeTable: none). moto does not report consumed
   capacity. This run's wall time is the json figure against moto;
2. RUNS times per format with the proxy replaying moto's recorded answers from memory:
   the CLI's own wall time, with a DynamoDB that answers at once; and RUNS times more
   with every answer held back LATENCY_MS (a DynamoDB that answers in that time);
3. MOTO_RUNS times in html straight against moto (default none: the same calls as
   the json run, and moto answers each Query by scanning the whole table, so a run at
   200 fleets takes the better part of an hour).

Peak RSS and CPU time of the CLI come from GNU time (/usr/bin/time), moto's CPU time
from /proc. Every json report is checked against what was seeded (no errors, every
fleet, the session, open-finding and change counts). Prints a markdown table for
BENCHMARKS.md.

usage: .venv/bin/python scripts/bench-digest.py [FLEETS] [DAYS] [--runs RUNS]
           [--latency-ms LATENCY_MS] [--moto-runs MOTO_RUNS]
       (default 200 30 --runs 5 --latency-ms 10 --moto-runs 0; after
       `cargo build --release -p streamwarden-cli`)
"""
import argparse
import base64
import collections
import datetime as dt
import http.client
import http.server
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from decimal import Decimal

import boto3

from benchlib import REGION, ROOT, boto_creds, create_table, proc_cpu_seconds, start_moto

CLI = os.path.join(ROOT, "target/release/streamwarden")
TIME = "/usr/bin/time"  # GNU time: peak RSS and CPU of the CLI alone
TABLE = "streamwarden"
# The digest's schedule is 07:00 UTC; the recorder's last run before it.
END = dt.datetime(2026, 11, 27, 7, 0, 0, tzinfo=dt.timezone.utc)
RUN = dt.timedelta(minutes=5)
LAST_RUN = END - RUN
RETENTION = dt.timedelta(days=400)
HEARTBEAT = dt.timedelta(days=1)
# Sessions a day of a fleet in use (a tenth of the fleets is stopped or idle): about 6 a
# day over all fleets.
SESSIONS_PER_DAY = 6.7
# Per 200 fleets: 40 with open findings, 300 finding changes over the month.
OPEN_SHARE = 0.2
HISTORY_PER_FLEET = 1.5
SEVERITY_RANK = {"INFO": 0, "LOW": 1, "MEDIUM": 2, "HIGH": 3, "CRITICAL": 4}
FLEET_RULES = [("FLEET-INTERNET-ACCESS", "CRITICAL", "Fleet allows default internet access"),
               ("FLEET-VPC-REQUIRED", "HIGH", "Fleet is not in a VPC"),
               ("FLEET-IAM-ROLE", "HIGH", "Fleet has an IAM role attached"),
               ("FLEET-MAX-USER-DURATION", "MEDIUM", "Sessions may run too long"),
               ("FLEET-DISCONNECT-TIMEOUT", "MEDIUM", "Disconnected sessions linger"),
               ("FLEET-IDLE-DISCONNECT-TIMEOUT", "LOW", "No idle disconnect timeout"),
               ("FLEET-REQUIRED-TAGS", "LOW", "Required tags are missing"),
               ("FLEET-INSTANCE-TYPE-RETIRED", "INFO", "Instance type is previous generation")]
STACK_RULES = [("STACK-CLIPBOARD-TO-LOCAL", "MEDIUM", "Clipboard copy to the local device"),
               ("STACK-FILE-DOWNLOAD", "HIGH", "File download is enabled"),
               ("STACK-ACCESS-ENDPOINT", "LOW", "No interface VPC endpoint")]


# ---------------------------------------------------------------------------------------
# Times and keys, as the Rust code writes them.

def ts(t):
    """A time as serde writes a chrono DateTime<Utc> with whole seconds (and as
    `key_time` writes range keys): `2026-11-27T04:55:00Z`."""
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def ts_ms(t):
    """`%Y-%m-%dT%H:%M:%S%.3fZ`: the history sort keys and the digest's gsi2 range."""
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def next_run(t):
    """The first recorder run at or after `t` (runs every 5 minutes on the clock)."""
    base = t.replace(second=0, microsecond=0)
    minute = (base.minute // 5) * 5
    base = base.replace(minute=minute)
    return base if base >= t else base + RUN


def resource_pk(kind, name):
    return f"RES#{REGION}#{kind}#{name}"


# ---------------------------------------------------------------------------------------
# The month: fleets, sessions, snapshots, findings.

class Fleet:
    def __init__(self, index, rng):
        self.name = f"fleet-{index:03d}"
        self.stack = f"stack-{index:03d}"
        self.multi = index % 4 == 3
        self.max_sessions = rng.choice([4, 8]) if self.multi else None
        roll = index % 20
        self.stopped = roll == 5
        self.idle = roll == 11  # running all month, nobody uses it
        if self.multi:
            self.type = "ALWAYS_ON" if rng.random() < 0.7 else "ON_DEMAND"
        else:
            self.type = rng.choices(["ALWAYS_ON", "ON_DEMAND", "ELASTIC"], [6, 3, 1.5])[0]
        self.base = rng.randint(3, 8)  # instances kept running (single-session)
        self.instances = [f"i-0{rng.getrandbits(64):016x}" for _ in range(6)] if self.multi else []
        self.users = [f"user{rng.randrange(3000):04d}@example.com" for _ in range(25)]

    def capacity(self, sessions, busy_instances):
        if self.stopped:
            return {"desired": 0, "running": 0, "in_use": 0, "available": 0}
        if self.type == "ELASTIC":
            return {}
        if self.multi:
            running = max(2, busy_instances)
            total = running * self.max_sessions
            return {"desired": running, "running": running, "in_use": busy_instances,
                    "available": running - busy_instances, "desired_user_sessions": total,
                    "available_user_sessions": total - sessions, "active_user_sessions": sessions,
                    "actual_user_sessions": total}
        running = max(self.base, sessions)
        return {"desired": running, "running": running, "in_use": sessions, "available": running - sessions}


def session_id(rng):
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def make_sessions(fleet, start, end, rng):
    """The fleet's sessions started in [start, end): plain dicts with their
    observations; multi-session ones placed on the least loaded busy instance."""
    out = []
    if fleet.stopped or fleet.idle:
        return out
    day = start.replace(hour=0, minute=0, second=0)
    while day < end:
        n = max(0, round(rng.gauss(SESSIONS_PER_DAY, 2)))
        for _ in range(n):
            hour = rng.uniform(6, 20) if rng.random() < 0.85 else rng.uniform(0, 24)
            begin = (day + dt.timedelta(hours=hour)).replace(microsecond=0)
            if not start <= begin < end:
                continue
            length = dt.timedelta(minutes=rng.triangular(10, 600, 120))
            out.append({"start": begin, "end": begin + length})
        day += dt.timedelta(days=1)
    out.sort(key=lambda s: s["start"])
    placed = []  # (instance, end) of sessions on instances
    for s in out:
        s["id"] = session_id(rng)
        s["user"] = rng.choice(fleet.users)
        s["auth"] = rng.choices(["SAML", "USERPOOL", "API"], [16, 3, 1])[0]
        s["max_expiration"] = s["start"] + dt.timedelta(hours=16)
        s["instance"] = None
        if fleet.multi:
            placed = [(i, e) for i, e in placed if e > s["start"]]
            load = collections.Counter(i for i, _ in placed)
            busy = [i for i in fleet.instances if 0 < load[i] < fleet.max_sessions]
            free = [i for i in fleet.instances if load[i] == 0]
            s["instance"] = min(busy, key=lambda i: (load[i], i)) if busy else (free or fleet.instances)[0]
            placed.append((s["instance"], s["end"]))
        first = next_run(s["start"] + dt.timedelta(seconds=1))
        obs = []
        if rng.random() < 0.1:
            obs.append(("PENDING", None, first))
            first += RUN
        obs.append(("ACTIVE", "CONNECTED", first))
        if rng.random() < 0.15 and s["end"] - first > dt.timedelta(minutes=40):
            # A disconnection and a reconnection some runs later.
            away = next_run(first + (s["end"] - first) * rng.uniform(0.2, 0.6))
            back = away + RUN * rng.randint(1, 6)
            obs.append(("ACTIVE", "NOT_CONNECTED", away))
            if back < s["end"]:
                obs.append(("ACTIVE", "CONNECTED", back))
        gone = next_run(s["end"] + dt.timedelta(seconds=1))
        obs = [o for o in obs if o[2] < gone and o[2] <= LAST_RUN]
        if not obs:  # started and ended between two runs, or after the last: never seen
            s["skip"] = True
            continue
        s["obs"] = obs
        s["gone"] = gone if gone <= LAST_RUN else None  # the run that found it gone
    return [s for s in out if not s.get("skip")]


def session_item(fleet, s):
    """A SessionRecord as serde_dynamo writes it (None fields skipped)."""
    changes = []
    previous = None
    for state, conn, seen in s["obs"]:
        o = {"state": state, "seen": ts(seen)}
        if conn is not None:
            o["connection_state"] = conn
        if previous is not None:
            o["after"] = ts(seen - RUN)  # the last run that still saw the previous state
        changes.append(o)
        previous = seen
    state, conn, last_seen = s["obs"][-1]
    order = f"{ts(s['start'])}#{s['id']}"
    item = {"PK": f"SESSION#{REGION}#{s['id']}", "SK": "SESSION", "region": REGION,
            "session_id": s["id"], "user_id": s["user"], "stack": fleet.stack, "fleet": fleet.name,
            "authentication_type": s["auth"], "start_time": ts(s["start"]),
            "max_expiration_time": ts(s["max_expiration"]), "state": state, "changes": changes,
            "first_seen": ts(s["obs"][0][2]), "last_seen": ts(last_seen),
            "GSI1PK": f"FLEET#{REGION}#{fleet.name}", "GSI1SK": order,
            "GSI2PK": f"USER#{s['user']}", "GSI2SK": order}
    if conn is not None:
        item["connection_state"] = conn
    if s["instance"]:
        item["instance_id"] = s["instance"]
        item["GSI3PK"] = f"INSTANCE#{REGION}#{s['instance']}"
        item["GSI3SK"] = order
    if s["gone"] is not None:
        item["ended_after"] = ts(s["gone"] - RUN)
        item["ended_before"] = ts(s["gone"])
        item["ttl"] = int((s["gone"] + RETENTION).timestamp())
    else:
        item["GSI4PK"] = f"OPEN#{REGION}#{fleet.name}"
        item["GSI4SK"] = order
        item["ttl"] = int((last_seen + RETENTION).timestamp())
    return item


def observation_at(s, t):
    current = None
    for o in s["obs"]:
        if o[2] <= t:
            current = o
    return current


def make_snapshots(fleet, sessions, start):
    """Snapshots as the recorder writes them: at each run where the load changed, and at
    least daily (`snapshot()` in shared/src/services/session_recorder.rs)."""
    events = {start}
    for s in sessions:
        events.update(o[2] for o in s["obs"])
        if s["gone"] is not None:
            events.add(s["gone"])
    events = sorted(t for t in events if t <= LAST_RUN)
    out = []
    last = None

    def load(t):
        running = []
        for s in sessions:
            o = observation_at(s, t)
            if o is not None and (s["gone"] is None or s["gone"] > t):
                running.append((s, o))
        instances = {}
        for s, o in running:
            if s["instance"]:
                entry = instances.setdefault(s["instance"], {"sessions": 0, "active": 0})
                entry["sessions"] += 1
                entry["active"] += o[0] == "ACTIVE"
        return running, instances

    def snap(t):
        running, instances = load(t)
        for iid, entry in instances.items():
            before = last["instances"].get(iid) if last else None
            entry["busy_since"] = before["busy_since"] if before else ts(t)
        peak = max((e["sessions"] for e in instances.values()), default=0)
        average = sum(e["sessions"] for e in instances.values()) / len(instances) if instances else 0.0
        item = {"PK": f"SNAP#{REGION}#{fleet.name}", "SK": ts(t), "region": REGION,
                "fleet": fleet.name, "time": ts(t),
                "fleet_state": "STOPPED" if fleet.stopped else "RUNNING", "fleet_type": fleet.type,
                "capacity": fleet.capacity(len(running), len(instances)),
                "sessions": len(running), "active_sessions": sum(o[0] == "ACTIVE" for _, o in running),
                "connected_sessions": sum(o[1] == "CONNECTED" for _, o in running),
                "instances": instances, "peak_sessions_per_instance": peak,
                "average_sessions_per_instance": average, "ttl": int((t + RETENTION).timestamp())}
        if fleet.max_sessions:
            item["max_sessions_per_instance"] = fleet.max_sessions
        return item

    def same_load(a, b):
        keys = ("fleet_state", "fleet_type", "max_sessions_per_instance", "capacity", "sessions",
                "active_sessions", "connected_sessions")
        strip = lambda m: {k: (v["sessions"], v["active"]) for k, v in m.items()}  # noqa: E731
        return (all(a.get(k) == b.get(k) for k in keys)
                and strip(a["instances"]) == strip(b["instances"])
                and all(a["instances"][k]["busy_since"] == b["instances"][k]["busy_since"] for k in a["instances"]))

    for t in events + [LAST_RUN]:
        while last is not None and t - parse(last["time"]) > HEARTBEAT:
            beat = parse(last["time"]) + HEARTBEAT
            last = snap(beat)
            out.append(last)
        candidate = snap(t)
        if last is None or not same_load(last, candidate) or t - parse(last["time"]) >= HEARTBEAT:
            out.append(candidate)
            last = candidate
    return out


def parse(text):
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)


def trigger(rng, t):
    if rng.random() < 0.5:
        return {"kind": "schedule", "id": f"sweep-{int(t.timestamp())}", "time": ts(t)}
    return {"kind": "cloudtrail", "id": session_id(rng), "time": ts(t),
            "event_name": rng.choice(["UpdateFleet", "CreateFleet", "UpdateStack", "AssociateFleet"]),
            "principal": f"arn:aws:sts::123456789012:assumed-role/Admin/ops{rng.randrange(20)}",
            "source_ip": f"203.0.113.{rng.randrange(1, 255)}"}


def history_item(kind, name, rule, change, severity, message, trig, previous=None):
    pk = resource_pk(kind, name)
    t = parse(trig["time"])
    sk = f"HIST#{ts_ms(t)}#{trig['id']}#{rule}"
    item = {"PK": pk, "SK": sk, "rule_id": rule, "change": change, "severity": severity,
            "message": message, "trigger": trig, "ttl": int((t + RETENTION).timestamp()),
            "GSI2PK": f"CHANGES#{REGION}#{t.strftime('%Y-%m-%d')}",
            "GSI2SK": f"{sk[len('HIST#'):]}#{pk}"}
    if previous:
        item["previous_severity"] = previous
    return item


def make_findings(fleets, start, rng):
    """Resource states (a fifth of the fleets non-compliant) and 1.5 history items a
    fleet, with their gsi2 keys."""
    month = (LAST_RUN - start).total_seconds()
    when = lambda: start + dt.timedelta(seconds=int(rng.uniform(0, month)))  # noqa: E731
    states, history = {}, []
    open_fleets = rng.sample(fleets, round(len(fleets) * OPEN_SHARE))
    for f in open_fleets:
        findings = {}
        for rule, sev, title in rng.sample(FLEET_RULES, rng.choice([1, 1, 2, 3])):
            opened = when() if rng.random() < 0.6 else start - dt.timedelta(days=rng.randint(1, 60))
            opened = opened.replace(microsecond=0)
            message = f"{title}: {f.name}"
            findings[rule] = {"severity": sev, "title": title, "message": message,
                              "remediation": "See the rule's documentation.", "opened_at": ts(opened),
                              "source": "described"}
            if opened >= start:
                history.append(history_item("fleet", f.name, rule, "opened", sev, message, trigger(rng, opened)))
        states[("fleet", f.name)] = findings
    # Churn: findings that opened and were resolved (or raised) within the month.
    while len(history) < round(len(fleets) * HISTORY_PER_FLEET):
        if rng.random() < 0.75:
            kind, f = "fleet", rng.choice(fleets)
            rule, sev, title = rng.choice(FLEET_RULES)
            name = f.name
        else:
            kind, name = "stack", rng.choice(fleets).stack
            rule, sev, title = rng.choice(STACK_RULES)
        if rule in states.get((kind, name), {}):
            continue
        opened = when()
        resolved = (opened + dt.timedelta(hours=rng.uniform(1, 120))).replace(microsecond=0)
        message = f"{title}: {name}"
        history.append(history_item(kind, name, rule, "opened", sev, message, trigger(rng, opened)))
        if rng.random() < 0.15 and sev != "CRITICAL":
            up = [s for s, r in SEVERITY_RANK.items() if r == SEVERITY_RANK[sev] + 1][0]
            raised = (opened + (resolved - opened) / 2).replace(microsecond=0)
            if raised <= LAST_RUN:
                history.append(history_item(kind, name, rule, "raised", up, message, trigger(rng, raised),
                                            previous=sev))
                sev = up
        if resolved <= LAST_RUN:
            history.append(history_item(kind, name, rule, "resolved", sev, message, trigger(rng, resolved)))
        states.setdefault((kind, name), {})
    items = []
    for (kind, name), findings in states.items():
        item = {"PK": resource_pk(kind, name), "SK": "STATE", "region": REGION, "resource_type": kind,
                "resource": name, "findings": findings, "version": rng.randint(1, 12),
                "updated_at": ts(LAST_RUN - dt.timedelta(hours=rng.randint(1, 500)))}
        if findings:
            worst = max(SEVERITY_RANK[f["severity"]] for f in findings.values())
            item["GSI1PK"] = "NONCOMPLIANT"
            item["GSI1SK"] = f"{9 - worst}#{REGION}#{name}"
        items.append(item)
    return items, history


def decimals(value):
    """Numbers as boto3 wants them (Decimal); lists stay lists (L, as serde writes a
    BTreeSet), dicts maps."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if isinstance(value, dict):
        return {k: decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decimals(v) for v in value]
    return value


def generate(fleet_count, days, seed=7):
    rng = random.Random(seed)
    start = END - dt.timedelta(days=days)
    fleets = [Fleet(i, rng) for i in range(fleet_count)]
    sessions, snapshots = {}, []
    session_items = []
    for f in fleets:
        mine = make_sessions(f, start, LAST_RUN, rng)
        sessions[f.name] = mine
        session_items.extend(session_item(f, s) for s in mine)
        snapshots.extend(make_snapshots(f, mine, start))
    states, history = make_findings(fleets, start, rng)
    recorder = {"PK": f"RECORDER#{REGION}", "SK": "STATE", "region": REGION, "last_run": ts(LAST_RUN),
                "fleets": sorted(f.name for f in fleets), "incomplete": {}}
    return {"fleets": fleets, "sessions": sessions, "session_items": session_items, "snapshots": snapshots,
            "states": states, "history": history, "recorder": recorder, "start": start}


def seed(moto_url, data, threads=2):
    """Writes every item with boto3's batch_writer, `threads` writers at once (moto is
    one process: a second writer keeps it busy while the first serializes)."""
    ddb = boto3.client("dynamodb", **boto_creds(moto_url))
    create_table(ddb, TABLE)
    items = (data["session_items"] + data["snapshots"] + data["states"] + data["history"]
             + [data["recorder"]])
    chunks = [items[i::threads] for i in range(threads)]
    errors = []

    def write(chunk):
        try:
            table = boto3.resource("dynamodb", **boto_creds(moto_url)).Table(TABLE)
            with table.batch_writer() as batch:
                for item in chunk:
                    batch.put_item(Item=decimals(item))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    workers = [threading.Thread(target=write, args=(c,)) for c in chunks]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        raise SystemExit(f"seeding failed: {errors[0]!r}")
    return len(items)


# ---------------------------------------------------------------------------------------
# DynamoDB item sizes and read units.

def value_size(v):
    """`value_size` of shared/src/aws/dynamodb/sessions.rs, on the JSON wire form."""
    (kind, x), = v.items()
    if kind == "S":
        return len(x.encode())
    if kind == "N":
        return (len(x) + 1) // 2 + 1
    if kind == "B":
        return len(base64.b64decode(x))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + value_size(e) for e in x)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + value_size(e) for k, e in x.items())
    if kind == "SS":
        return sum(len(e.encode()) for e in x)
    if kind == "NS":
        return sum((len(e) + 1) // 2 + 1 for e in x)
    if kind == "BS":
        return sum(len(base64.b64decode(e)) for e in x)
    return 0


def item_size(item):
    return sum(len(k.encode()) + value_size(v) for k, v in item.items())


def read_units(operation, request, response):
    """(read units, items, bytes) of one answered call, by DynamoDB's rules."""
    if operation == "Query":
        items = response.get("Items", [])
        size = sum(item_size(i) for i in items)
        steps = max(1, math.ceil(size / 4096))
        return steps * (1.0 if request.get("ConsistentRead") else 0.5), len(items), size
    if operation == "GetItem":
        item = response.get("Item")
        size = item_size(item) if item else 0
        steps = max(1, math.ceil(size / 4096))
        return steps * (1.0 if request.get("ConsistentRead") else 0.5), int(item is not None), size
    return 0.0, 0, 0


def access_path(operation, request):
    """Which of the digest's reads a call is, from its request."""
    if operation != "Query":
        return operation
    pk = next((v.get("S", "") for k, v in request.get("ExpressionAttributeValues", {}).items() if k == ":pk"), "")
    index = request.get("IndexName")
    if index == "gsi1" and pk == "NONCOMPLIANT":
        return "Query gsi1 NONCOMPLIANT (open findings)"
    if index == "gsi1" and pk.startswith("FLEET#"):
        return "Query gsi1 FLEET# (sessions of a fleet)"
    if index == "gsi2" and pk.startswith("CHANGES#"):
        return "Query gsi2 CHANGES# (finding changes of a day)"
    if index is None and pk.startswith("SNAP#"):
        if request.get("Limit") == 1:
            return "Query SNAP# Limit 1 (snapshot in force at --since)"
        return "Query SNAP# range (snapshots in the period)"
    return f"Query {index or 'table'} {pk.split('#')[0]}"


# ---------------------------------------------------------------------------------------
# The counting proxy.

class Proxy(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream):
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        u = urllib.parse.urlparse(upstream)
        self.upstream = (u.hostname, u.port)
        self.calls = []
        self.lock = threading.Lock()
        self.local = threading.local()
        # Answers by request (operation, body): recorded while `replay` is off, served
        # from memory without asking moto while it is on.
        self.answers = {}
        self.replay = False
        self.delay = 0.0  # seconds before each replayed answer
        self.misses = 0

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"

    def take(self):
        with self.lock:
            calls, self.calls = self.calls, []
        return calls


HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "date", "server", "proxy-connection"}


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without this, Nagle's algorithm and the
    # client's delayed ACK hold every answer back by 40 ms.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def do_POST(self):
        server = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        target = self.headers.get("X-Amz-Target", "")
        operation = target.split(".", 1)[1] if "." in target else target or "?"
        # The SDK writes expression maps in hash order: compare requests as JSON values.
        key = (target, json.dumps(json.loads(body or b"{}"), sort_keys=True))
        if server.replay and key in server.answers:
            status, response_headers, data = server.answers[key]
            if server.delay:
                time.sleep(server.delay)
            self.answer(status, response_headers, data)
            return
        if server.replay:
            server.misses += 1
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        for attempt in range(2):
            conn = getattr(server.local, "conn", None)
            if conn is None:
                conn = server.local.conn = http.client.HTTPConnection(*server.upstream, timeout=600)
            try:
                conn.request("POST", self.path, body, headers)
                response = conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                conn.close()
                server.local.conn = None
                if attempt:
                    raise
        response_headers = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP]
        # Counted before answering: the CLI may exit (and the count be read) right after.
        with server.lock:
            server.calls.append((operation, response.status, body, data))
            if response.status == 200:
                server.answers[key] = (response.status, response_headers, data)
        self.answer(response.status, response_headers, data)

    def answer(self, status, headers, data):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def summarize_calls(calls):
    by_op = collections.Counter()
    paths = collections.defaultdict(lambda: [0, 0, 0, 0.0])  # calls, items, bytes, units
    errors = collections.Counter()
    total = 0.0
    for operation, status, body, data in calls:
        by_op[operation] += 1
        if status != 200:
            errors[(operation, status)] += 1
            continue
        request, response = json.loads(body or b"{}"), json.loads(data or b"{}")
        units, items, size = read_units(operation, request, response)
        p = paths[access_path(operation, request)]
        p[0] += 1
        p[1] += items
        p[2] += size
        p[3] += units
        total += units
    return by_op, dict(paths), errors, total


# ---------------------------------------------------------------------------------------
# Running the CLI.

def cli_env(url):
    return {"PATH": os.environ["PATH"], "AWS_REGION": REGION, "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench", "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ENDPOINT_URL_DYNAMODB": url, "STREAMWARDEN_TABLE": TABLE}


def report(url, since, until, fmt, out, moto_pid):
    """Runs `streamwarden report` once: (wall s, peak RSS MiB, CPU s, moto CPU s).

    Peak RSS and CPU come from GNU time's wait4 on the CLI: a process this (large) Python
    process starts itself would report Python's resident set as its peak (Linux keeps the
    memory's high-water mark of the image an exec replaces, and subprocess forks with
    vfork)."""
    args = [CLI, "report", "--since", ts(since), "--until", ts(until), "--format", fmt,
            "--region", REGION, "--output", out]
    usage_path, err_path = out + ".usage", out + ".stderr"
    moto_before = proc_cpu_seconds(moto_pid)
    with open(err_path, "wb") as err:
        start = time.perf_counter()
        code = subprocess.call([TIME, "-f", "%M %U %S", "-o", usage_path, *args], env=cli_env(url),
                               stdout=subprocess.DEVNULL, stderr=err)
        wall = time.perf_counter() - start
    moto_cpu = proc_cpu_seconds(moto_pid) - moto_before
    stderr = open(err_path).read()
    if code != 0 or stderr.strip():
        raise SystemExit(f"report {fmt} {ts(since)}: exit {code}: {stderr[:2000]}")
    rss_kib, user, system = open(usage_path).read().split()[-3:]
    return wall, int(rss_kib) / 1024, float(user) + float(system), moto_cpu


def expected(data, since, until):
    """What the digest must find: sessions that ran in the period (and started no more
    than 5 days before it), open findings, finding changes."""
    lookback = since - dt.timedelta(days=5)
    sessions = 0
    for items in data["sessions"].values():
        for s in items:
            ended = s["gone"]
            if lookback <= s["start"] <= until and (ended is None or ended >= since):
                sessions += 1
    open_findings = sum(len(i["findings"]) for i in data["states"] if "GSI1PK" in i)
    lo, hi = ts_ms(since), ts_ms(until) + "~"
    changes = sum(1 for h in data["history"] if lo <= h["GSI2SK"] <= hi)
    return sessions, open_findings, changes


def check(path, data, since, until):
    digest = json.load(open(path))
    region = digest["regions"][0]
    if region["errors"]:
        raise SystemExit(f"digest errors: {region['errors'][:5]}")
    want = expected(data, since, until)
    got = (sum(f["sessions"] for f in region["fleets"]), len(region["open"]), len(region["changes"]))
    if len(region["fleets"]) != len(data["fleets"]) or got != want:
        raise SystemExit(f"digest of {ts(since)}..{ts(until)}: fleets {len(region['fleets'])}, "
                         f"(sessions, open, changes) {got}, expected {want}")
    return {"fleets": len(region["fleets"]), "sessions": got[0], "open": got[1], "changes": got[2],
            "idle": sum(1 for f in region["fleets"] if f["idle"]),
            "points": sum(len(f["series"]) for f in region["fleets"])}


def mib(n):
    return f"{n / 1048576:.1f} MiB" if n >= 1048576 else f"{n / 1024:.0f} KiB"


def spread(values, fmt):
    if not values:
        return "-"
    if len(values) == 1:
        return fmt(values[0])
    return f"{fmt(statistics.median(values))} ({fmt(min(values))} - {fmt(max(values))})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("fleets", nargs="?", type=int, default=200)
    parser.add_argument("days", nargs="?", type=int, default=30)
    parser.add_argument("--runs", type=int, default=5,
                        help="timed runs per report and format with moto's answers replayed (default 5)")
    parser.add_argument("--latency-ms", type=float, default=10.0,
                        help="per-call latency of the second set of replayed runs (default 10)")
    parser.add_argument("--moto-runs", type=int, default=0,
                        help="timed html runs per report straight against moto (default 0: they make "
                             "the same calls as the json run through the counting proxy, which is the "
                             "json figure against moto, and at 200 fleets take 30 minutes or more each)")
    opts = parser.parse_args()
    if not os.path.exists(CLI):
        raise SystemExit(f"{CLI} missing: cargo build --release -p streamwarden-cli")
    if not os.path.exists(TIME):
        raise SystemExit(f"{TIME} (GNU time) missing: apt-get install time")

    t0 = time.perf_counter()
    data = generate(opts.fleets, opts.days)
    gen_time = time.perf_counter() - t0
    n_sessions = len(data["session_items"])
    multi = sum(1 for i in data["session_items"] if "instance_id" in i)
    still_open = sum(1 for i in data["session_items"] if "GSI4PK" in i)
    n_open_states = sum(1 for i in data["states"] if "GSI1PK" in i)
    print(f"generated in {gen_time:.1f} s: {n_sessions:,} sessions ({multi:,} on multi-session instances, "
          f"{still_open} still open), {len(data['snapshots']):,} snapshots, {len(data['states'])} resource states "
          f"({n_open_states} non-compliant), {len(data['history'])} history items, 1 recorder state", flush=True)
    sizes = {"session": [item_size(to_wire(i)) for i in data["session_items"]],
             "snapshot": [item_size(to_wire(i)) for i in data["snapshots"]]}
    for k, v in sizes.items():
        print(f"  {k} items: mean {statistics.mean(v):.0f} B, max {max(v)} B (DynamoDB sizing)")

    work = tempfile.mkdtemp(prefix="bench-digest-")
    moto, moto_url = start_moto(work, record=False)
    proxy = None
    try:
        t0 = time.perf_counter()
        count = seed(moto_url, data)
        seed_time = time.perf_counter() - t0
        print(f"seeded {count:,} items in {seed_time:.1f} s ({count / seed_time:,.0f} items/s)", flush=True)

        proxy = Proxy(moto_url)
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        cases = [("daily digest (24 h)", END - dt.timedelta(hours=24)),
                 (f"{opts.days}-day report", END - dt.timedelta(days=opts.days))]
        rows = []
        for label, since in cases:
            # Calls and read units: one run through the proxy, which keeps moto's answers.
            proxy.replay = False
            proxy.answers.clear()
            out = os.path.join(work, "count.json")
            counted = report(proxy.url, since, END, "json", out, moto.pid)
            facts = check(out, data, since, END)
            by_op, paths, errors, units = summarize_calls(proxy.take())
            print(f"\n{label}: {facts} (load average {os.getloadavg()[0]:.1f})")
            print(f"  through the proxy: {counted[0]:.1f} s")
            print(f"  DynamoDB calls: {', '.join(f'{k} {v:,}' for k, v in sorted(by_op.items()))}"
                  f"{'; errors ' + str(dict(errors)) if errors else ''}")
            for path, (calls, items, size, u) in sorted(paths.items()):
                print(f"  {path}: {calls:,} calls, {items:,} items, {mib(size)}, {u:,.1f} read units")
            print(f"  read units: {units:,.1f}", flush=True)
            timed = {}
            for fmt in ("json", "html"):
                out = os.path.join(work, f"report.{fmt}")
                # The CLI's own cost: moto's recorded answers replayed from memory.
                proxy.replay, proxy.misses, proxy.delay = True, 0, 0.0
                replayed = [report(proxy.url, since, END, fmt, out, moto.pid) for _ in range(opts.runs)]
                # The same, every answer held back: a DynamoDB that answers in that time.
                proxy.delay = opts.latency_ms / 1000
                slowed = [report(proxy.url, since, END, fmt, out, moto.pid) for _ in range(opts.runs)]
                proxy.delay = 0.0
                proxy.take()
                if proxy.misses:
                    raise SystemExit(f"{proxy.misses} requests of the replayed runs were not recorded")
                proxy.replay = False
                # End to end against moto: json through the counting proxy (above; the proxy
                # adds milliseconds to calls moto answers in a second), html straight.
                if fmt == "json":
                    direct = [counted]
                else:
                    direct = [report(moto_url, since, END, fmt, out, moto.pid) for _ in range(opts.moto_runs)]
                size = os.path.getsize(out)
                if fmt == "json":
                    check(out, data, since, END)
                timed[fmt] = (replayed, slowed, direct, size)
                print(f"  {fmt}: against moto {spread([r[0] for r in direct], lambda x: f'{x:.1f} s')} "
                      f"(moto CPU {spread([r[3] for r in direct], lambda x: f'{x:.1f} s')}); replayed "
                      f"{spread([r[0] for r in replayed], lambda x: f'{x:.3f} s')}; replayed after "
                      f"{opts.latency_ms:g} ms {spread([r[0] for r in slowed], lambda x: f'{x:.2f} s')}; peak RSS "
                      f"{spread([r[1] for r in replayed + slowed + direct], lambda x: f'{x:.1f} MiB')}; CLI CPU "
                      f"{spread([r[2] for r in replayed], lambda x: f'{x:.3f} s')}; output {mib(size)}",
                      flush=True)
            rows.append((label, facts, by_op, paths, units, timed))
    finally:
        if proxy:
            proxy.shutdown()
        moto.terminate()
        moto.wait()
        shutil.rmtree(work, ignore_errors=True)

    print("\n## Compliance digest (issue #7)\n")
    print(f"`cargo build --release -p streamwarden-cli && .venv/bin/python scripts/bench-digest.py "
          f"{opts.fleets} {opts.days} --runs {opts.runs} --latency-ms {opts.latency_ms:g} "
          f"--moto-runs {opts.moto_runs}`, "
          f"{dt.date.today().isoformat()}. Seeded: {n_sessions:,} session records, "
          f"{len(data['snapshots']):,} capacity snapshots, {n_open_states} non-compliant resources, "
          f"{len(data['history'])} finding changes ({count:,} items; {seed_time:.0f} s to seed moto).\n")
    print(f"| Report | Format | Wall time against moto | Wall time, answers replayed at once | "
          f"same, each answer after {opts.latency_ms:g} ms | Peak RSS | CLI CPU | Output |")
    print("|---|---|---|---|---|---|---|---|")
    for label, facts, by_op, paths, units, timed in rows:
        for fmt, (replayed, slowed, direct, size) in timed.items():
            print(f"| {label} | {fmt} | {spread([r[0] for r in direct], lambda x: f'{x:.1f} s')} | "
                  f"{spread([r[0] for r in replayed], lambda x: f'{x:.3f} s')} | "
                  f"{spread([r[0] for r in slowed], lambda x: f'{x:.2f} s')} | "
                  f"{max(r[1] for r in replayed + slowed + direct):.1f} MiB | "
                  f"{statistics.median([r[2] for r in replayed]):.3f} s | {mib(size)} |")
    print("\n| Report | Found | DynamoDB calls | Items read | Read units |")
    print("|---|---|---|---|---|")
    for label, facts, by_op, paths, units, timed in rows:
        items = sum(p[1] for p in paths.values())
        size = sum(p[2] for p in paths.values())
        print(f"| {label} | {facts['sessions']:,} sessions of {facts['fleets']} fleets, {facts['open']} open "
              f"findings, {facts['changes']} changes | {sum(by_op.values()):,}: "
              f"{', '.join(f'{k} {v:,}' for k, v in sorted(by_op.items()))} | {items:,} ({mib(size)}) | "
              f"**{units:,.1f}** |")
    print("\n| Access path | " + " | ".join(label for label, *_ in rows) + " |")
    print("|---|" + "---|" * len(rows))
    for path in sorted({p for r in rows for p in r[3]}):
        cells = []
        for r in rows:
            c = r[3].get(path)
            cells.append(f"{c[0]:,} calls, {c[1]:,} items ({mib(c[2])}), {c[3]:,.1f} RU" if c else "-")
        print(f"| {path} | " + " | ".join(cells) + " |")


def to_wire(item):
    """An item in DynamoDB's JSON wire form (as the SDK and moto send it)."""
    from boto3.dynamodb.types import TypeSerializer
    s = TypeSerializer()
    return {k: s.serialize(v) for k, v in decimals(item).items()}


if __name__ == "__main__":
    sys.exit(main())
