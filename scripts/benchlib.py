"""Shared pieces of the Lambda benchmarks (bench-auditor.py, bench-recorder.py).

A small Lambda runtime-API server that hands the function its events and records the
responses, a runner that starts a release binary against it and measures it (wall time,
cold start, peak RSS, CPU time), moto server and the AppStream simulator as
subprocesses, and the call counters of both.
"""
import collections
import http.client
import http.server
import json
import os
import re
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIM = os.path.join(ROOT, "target/release/appstream-sim")
MOTO = os.path.join(ROOT, ".venv/bin/moto_server")
REGION = "eu-west-1"
ACCOUNT = "123456789012"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


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

    def __init__(self, events, function_name):
        super().__init__(("127.0.0.1", 0), RuntimeHandler)
        self.events = list(events)
        self.function_name = function_name
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
        self.send_header("Lambda-Runtime-Invoked-Function-Arn",
                         f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{server.function_name}")
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


class Invocation:
    """One run of a function process: `cold` (process start to the first runtime poll)
    and `wall` (process start to the last response) in seconds, `rss` (peak resident set,
    MiB) and `cpu` (user + system seconds) when measured, and the runtime results as
    (kind, body) pairs."""

    def __init__(self, cold, wall, rss, cpu, results):
        self.cold, self.wall, self.rss, self.cpu, self.results = cold, wall, rss, cpu, results


def proc_cpu_seconds(pid):
    """User + system CPU seconds of a live process, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # After the command: state is field 3, utime 14 and stime 15 (1-based).
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def proc_peak_rss_mib(pid):
    """VmHWM: the process's peak resident set size so far, MiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


def run(binary, events, env, function_name, measure_rss=False, timeout=600):
    """Starts `binary` against a fresh runtime API serving `events`; stops it once every
    event is answered (or after `timeout` seconds)."""
    runtime = Runtime(events, function_name)
    threading.Thread(target=runtime.serve_forever, daemon=True).start()
    env = dict(env, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{runtime.server_address[1]}")
    start = time.perf_counter()
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    runtime.done.wait(timeout)
    wall = time.perf_counter() - start
    cold = runtime.first_poll - start if runtime.first_poll is not None else None
    rss = cpu = None
    if measure_rss and proc.poll() is None:
        rss = proc_peak_rss_mib(proc.pid)
        cpu = proc_cpu_seconds(proc.pid)
    proc.terminate()
    proc.wait()
    runtime.shutdown()
    return Invocation(cold, wall, rss, cpu, runtime.results)


def function_env(function_name, moto_url, sim_url, topic, table="streamwarden"):
    """The function's environment: static credentials, the local endpoints, the
    Streamwarden settings and the variables the Lambda runtime sets."""
    return {"PATH": os.environ["PATH"], "AWS_REGION": REGION, "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench", "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ENDPOINT_URL_DYNAMODB": moto_url, "AWS_ENDPOINT_URL_SNS": moto_url,
            "AWS_ENDPOINT_URL_APPSTREAM": sim_url, "STREAMWARDEN_TABLE": table,
            "STREAMWARDEN_TOPIC_ARN": topic, "STREAMWARDEN_REGIONS": REGION,
            "AWS_LAMBDA_FUNCTION_NAME": function_name, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_LOG_LEVEL": "WARN"}


def scheduled_event(event_id, time_text):
    """An EventBridge scheduled event."""
    return {"version": "0", "id": event_id, "detail-type": "Scheduled Event", "source": "aws.events",
            "account": ACCOUNT, "time": time_text, "region": REGION, "resources": [], "detail": {}}


def start_moto(work, record=True, log=None):
    """moto server on a free port, recording requests to `work`/moto_recording when
    `record`, its request log (stderr) to the file `log` when given. Returns (process,
    url) once it listens."""
    port = free_port()
    env = dict(os.environ)
    if record:
        env.update(MOTO_ENABLE_RECORDING="True", MOTO_RECORDER_FILEPATH=os.path.join(work, "moto_recording"))
    stderr = open(log, "ab") if log else subprocess.DEVNULL
    proc = subprocess.Popen([MOTO, "-H", "127.0.0.1", "-p", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=stderr)
    wait_port(port)
    return proc, f"http://127.0.0.1:{port}"


def start_sim(scenario, work, extra_args=()):
    """The AppStream simulator on `scenario`. Returns (process, url) once it listens."""
    port_file = os.path.join(work, "sim.url")
    proc = subprocess.Popen([SIM, "--scenario", scenario, "--port-file", port_file, *extra_args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    end = time.time() + 60
    while not os.path.exists(port_file):
        if proc.poll() is not None or time.time() > end:
            raise SystemExit(f"appstream-sim did not start (exit {proc.poll()})")
        time.sleep(0.05)
    return proc, open(port_file).read().strip()


def boto_creds(moto_url):
    return dict(aws_access_key_id="bench", aws_secret_access_key="bench", region_name=REGION,
                endpoint_url=moto_url)


# Mirrors `streamwarden::store::schema::INDEXES` (shared/src/store/mod.rs): name,
# partition key, sort key; every index projects all attributes.
INDEXES = [("gsi1", "GSI1PK", "GSI1SK"), ("gsi2", "GSI2PK", "GSI2SK"),
           ("gsi3", "GSI3PK", "GSI3SK"), ("gsi4", "GSI4PK", "GSI4SK")]


def create_table(ddb, table="streamwarden"):
    """The table exactly as `streamwarden::aws::dynamodb::create_table` makes it: PK/SK,
    the INDEXES above with string keys and projection ALL, on-demand, TTL on `ttl`."""
    names = ["PK", "SK"] + [k for _, pk, sk in INDEXES for k in (pk, sk)]
    ddb.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in names],
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{"IndexName": name, "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": pk, "KeyType": "HASH"},
                                               {"AttributeName": sk, "KeyType": "RANGE"}]}
                                for name, pk, sk in INDEXES])
    ddb.update_time_to_live(TableName=table,
                            TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})


def moto_post(moto_url, path):
    urllib.request.urlopen(urllib.request.Request(f"{moto_url}{path}", method="POST")).read()


def start_recording(moto_url):
    moto_post(moto_url, "/moto-api/recorder/start-recording")


def download_recording(moto_url):
    return urllib.request.urlopen(f"{moto_url}/moto-api/recorder/download-recording").read().decode()


def reset_recording(moto_url):
    moto_post(moto_url, "/moto-api/recorder/reset-recording")


def count_calls(data):
    """Counts DynamoDB and SNS calls in the text of a moto request recording. moto
    appends entries from concurrent request threads to one file without a lock, so
    entries can interleave; the operation markers are counted in the raw text instead of
    parsing it."""
    counts = collections.Counter()
    for op in re.findall(r'"X-Amz-Target": "DynamoDB_20120810\.(\w+)"', data):
        counts["DynamoDB " + op] += 1
    for action in re.findall(r'Action=(\w+)', data):
        counts["SNS " + action] += 1
    return counts


def recorded_calls(moto_url):
    """DynamoDB and SNS calls moto recorded since the last call; resets the recording."""
    counts = count_calls(download_recording(moto_url))
    reset_recording(moto_url)
    return counts


def sim_calls(sim_url, clear=True):
    """The simulator's AppStream call log (`{"seq", "time", "operation", "status",
    "error"?, ...}` per call); empties it when `clear`."""
    calls = json.load(urllib.request.urlopen(f"{sim_url}/_sim/calls"))["calls"]
    if clear:
        urllib.request.urlopen(urllib.request.Request(f"{sim_url}/_sim/calls", method="DELETE")).read()
    return calls


def by_operation(calls):
    """AppStream calls by operation, and how many were answered with an error."""
    return collections.Counter(c["operation"] for c in calls), sum(1 for c in calls if c.get("error"))


class SimControl:
    """A kept-alive connection to the simulator's control API."""

    def __init__(self, sim_url):
        u = urllib.parse.urlparse(sim_url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        text = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {text[:200]!r}")
        return json.loads(text) if text else None

    def close(self):
        self.conn.close()


def moto_statuses(log, offset=0):
    """HTTP statuses of the requests in moto's request log from byte `offset` on:
    (Counter of statuses, the offset of the log's end)."""
    with open(log, "rb") as f:
        f.seek(offset)
        data = f.read()
    statuses = collections.Counter(re.findall(rb'" (\d{3}) ', data))
    return collections.Counter({k.decode(): v for k, v in statuses.items()}), offset + len(data)


def format_calls(counts):
    return ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())) or "none"
