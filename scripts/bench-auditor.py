#!/usr/bin/env python3
"""fleet-auditor benchmarks, on the release host build, through the real parts.

- Cold start: process start to the first poll of the Lambda runtime API (median of 20).
- A scheduled sweep of FLEETS fleets (and as many stacks) through the AppStream
  simulator, DynamoDB and SNS on moto server: wall time, peak RSS, and the DynamoDB and
  SNS calls made (moto's request recorder), for a first sweep (everything new) and a
  second one (nothing changed).

usage: .venv/bin/python scripts/bench-auditor.py [FLEETS]   (after `cargo build --release -p fleet-auditor -p appstream-sim`)
"""
import collections
import http.server
import json
import re
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

import boto3

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target/release/fleet-auditor")
SIM = os.path.join(ROOT, "target/release/appstream-sim")
REGION = "eu-west-1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port}")


class Runtime(http.server.ThreadingHTTPServer):
    """The Lambda runtime API: hands out `events`, records responses and errors."""

    def __init__(self, events):
        super().__init__(("127.0.0.1", 0), RuntimeHandler)
        self.events = list(events)
        self.first_poll = None
        self.results = []
        self.done = threading.Event()


class RuntimeHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        server = self.server
        if server.first_poll is None:
            server.first_poll = time.perf_counter()
        if not server.events:
            server.done.set()
            time.sleep(30)
            return
        event = server.events.pop(0)
        body = json.dumps(event).encode()
        self.send_response(200)
        self.send_header("Lambda-Runtime-Aws-Request-Id", f"req-{len(server.results)}")
        self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 900_000))
        self.send_header("Lambda-Runtime-Invoked-Function-Arn", f"arn:aws:lambda:{REGION}:123456789012:function:fleet-auditor")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        kind = "error" if self.path.endswith("/error") else "response"
        self.server.results.append((kind, json.loads(body or b"null")))
        self.send_response(202)
        self.end_headers()
        if not self.server.events:
            self.server.done.set()


def run(events, env, measure_rss=False):
    runtime = Runtime(events)
    threading.Thread(target=runtime.serve_forever, daemon=True).start()
    env = dict(env, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{runtime.server_address[1]}")
    start = time.perf_counter()
    proc = subprocess.Popen([BIN], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    runtime.done.wait(600)
    wall = time.perf_counter() - start
    cold = runtime.first_poll - start
    rss = None
    if measure_rss:
        # VmHWM: the process's peak resident set size so far.
        for line in open(f"/proc/{proc.pid}/status"):
            if line.startswith("VmHWM:"):
                rss = int(line.split()[1]) / 1024
    proc.terminate()
    proc.wait()
    runtime.shutdown()
    return cold, wall, rss, runtime.results


def recorded_calls(moto_url):
    """Counts DynamoDB and SNS calls in moto's request recording. moto appends entries
    from concurrent request threads to one file without a lock, so entries can
    interleave; the operation markers are counted in the raw text instead of parsing it."""
    data = urllib.request.urlopen(f"{moto_url}/moto-api/recorder/download-recording").read().decode()
    counts = collections.Counter()
    for op in re.findall(r'"X-Amz-Target": "DynamoDB_20120810\.(\w+)"', data):
        counts["DynamoDB " + op] += 1
    for action in re.findall(r'Action=(\w+)', data):
        counts["SNS " + action] += 1
    urllib.request.urlopen(urllib.request.Request(f"{moto_url}/moto-api/recorder/reset-recording", method="POST"))
    return counts


def main():
    fleets = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    work = tempfile.mkdtemp()
    scenario = os.path.join(work, "scenario.json")
    with open(scenario, "w") as f:
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts/gen-scenario.py"), str(fleets), "0"], stdout=f, check=True)

    moto_port = free_port()
    moto = subprocess.Popen([os.path.join(ROOT, ".venv/bin/moto_server"), "-H", "127.0.0.1", "-p", str(moto_port)],
                            env=dict(os.environ, MOTO_ENABLE_RECORDING="True",
                                     MOTO_RECORDER_FILEPATH=os.path.join(work, "moto_recording")),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port_file = os.path.join(work, "sim.url")
    sim = subprocess.Popen([SIM, "--scenario", scenario, "--port-file", port_file],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(moto_port)
        while not os.path.exists(port_file):
            time.sleep(0.05)
        moto_url = f"http://127.0.0.1:{moto_port}"
        sim_url = open(port_file).read().strip()
        creds = dict(aws_access_key_id="bench", aws_secret_access_key="bench", region_name=REGION, endpoint_url=moto_url)
        ddb = boto3.client("dynamodb", **creds)
        ddb.create_table(TableName="streamwarden", BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("PK", "SK", "GSI1PK", "GSI1SK")],
                         KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
                         GlobalSecondaryIndexes=[{"IndexName": "gsi1", "Projection": {"ProjectionType": "ALL"},
                                                  "KeySchema": [{"AttributeName": "GSI1PK", "KeyType": "HASH"},
                                                                {"AttributeName": "GSI1SK", "KeyType": "RANGE"}]}])
        topic = boto3.client("sns", **creds).create_topic(Name="alerts")["TopicArn"]
        urllib.request.urlopen(urllib.request.Request(f"{moto_url}/moto-api/recorder/start-recording", method="POST"))
        recorded_calls(moto_url)

        env = {"PATH": os.environ["PATH"], "AWS_REGION": REGION, "AWS_ACCESS_KEY_ID": "bench",
               "AWS_SECRET_ACCESS_KEY": "bench", "AWS_EC2_METADATA_DISABLED": "true",
               "AWS_ENDPOINT_URL_DYNAMODB": moto_url, "AWS_ENDPOINT_URL_SNS": moto_url,
               "AWS_ENDPOINT_URL_APPSTREAM": sim_url, "STREAMWARDEN_TABLE": "streamwarden",
               "STREAMWARDEN_TOPIC_ARN": topic, "STREAMWARDEN_REGIONS": REGION,
               "AWS_LAMBDA_FUNCTION_NAME": "fleet-auditor", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
               "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_LOG_LEVEL": "WARN"}
        colds = [run([], env)[0] * 1000 for _ in range(20)]
        print(f"cold start (process start -> first runtime poll): median {statistics.median(colds):.1f} ms, "
              f"min {min(colds):.1f}, max {max(colds):.1f} (20 runs)")
        sweep = {"version": "0", "id": "bench-sweep", "detail-type": "Scheduled Event", "source": "aws.events",
                 "account": "123456789012", "time": "2026-11-27T10:00:00Z", "region": REGION, "resources": [], "detail": {}}
        for label in ("first sweep (all new)", "second sweep", "third sweep"):
            _, wall, rss, results = run([dict(sweep, id=label)], env, measure_rss=True)
            calls = recorded_calls(moto_url)
            print(f"{label}: {results[-1][0]} {json.dumps(results[-1][1])}")
            print(f"  wall {wall:.2f} s, peak RSS {rss:.1f} MiB; calls: " +
                  (", ".join(f"{k} {v}" for k, v in sorted(calls.items())) or "none"))
    finally:
        sim.terminate()
        moto.terminate()


if __name__ == "__main__":
    main()
