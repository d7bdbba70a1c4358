#!/usr/bin/env python3
"""Streamwarden on your machine, end to end, with nothing in AWS.

Starts moto server (DynamoDB, SNS, SQS) and the AppStream simulator on loopback with the
sample account of events/demo/scenario.json, creates the table and the alert topic as
template.yaml declares them, runs every function through the real Lambda runtime
interface (`cargo lambda watch` + `cargo lambda invoke` with the events of events/demo/),
changes the account in between as an administrator and users would, and prints what you
would look at: the findings open, the alerts delivered (an SQS queue subscribed to the
topic) and the sessions recorded (`streamwarden sessions`).

usage: scripts/demo.py [--check] [--keep]

  --check   also verify what the demo shows; exit 1 with the reason when it is wrong
            (cargo test runs this: tests/harness/tests/demo.rs)
  --keep    leave the local stack running afterwards, print its endpoints and
            environment, and stop it on Ctrl-C

It installs its tools first (scripts/bootstrap.sh: .venv/ with moto and cargo-lambda),
builds the debug binaries, and stops everything it started when it ends, fails or is
interrupted. Function, moto and simulator logs go to a temporary directory, kept and
named when something fails.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, ".venv")
VENV_PYTHON = os.path.join(VENV, "bin", "python")
STAMP = os.path.join(VENV, ".bootstrap-stamp")
DEMO = os.path.join(ROOT, "events", "demo")
SCENARIO = os.path.join(DEMO, "scenario.json")
TABLE = "streamwarden"
TOPIC = "streamwarden-alerts"
QUEUE = "streamwarden-demo-inbox"
REEXEC = "STREAMWARDEN_DEMO_BOOTSTRAPPED"
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}

# The story, played on the scenario (events/demo/README.md tells it too).
# An administrator turns default internet access on for this compliant fleet...
CHANGED_FLEET = "finance-desktops"
# ...and these session changes happen between the recorder's two runs.
DISCONNECTS = "2b6f1c3e-8a41-4d2b-9f3e-5c7d1e0a0001"  # ana.silva, finance-desktops
ENDS = "2b6f1c3e-8a41-4d2b-9f3e-5c7d1e0a0003"  # omar.haddad, analytics-shared
NEW_SESSION = {"FleetName": "analytics-shared", "StackName": "analytics",
               "UserId": "mia.schmidt@example.com", "AuthenticationType": "SAML"}
# What --check expects: resources with open findings at the end, each with one rule it
# must show (the scenario's non-compliant fleet and stack, and the changed fleet). The
# other fleets and stacks of the scenario must have none.
NONCOMPLIANT = {("fleet", "contractors-legacy"): "FLEET-INTERNET-ACCESS",
                ("stack", "contractors"): "STACK-CLIPBOARD-TO-LOCAL",
                ("fleet", CHANGED_FLEET): "FLEET-INTERNET-ACCESS"}
# The event each function is invoked with, by binary name; a function added under
# functions/ later runs with events/demo/<name>.json when there is one.
KNOWN_EVENTS = {"compliance-digest": "scheduled-digest.json"}
WHY = {"compliance-digest": "daily digest: findings and usage of the last 24 hours, to the topic"}

COLOR = sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def bold(text):
    return f"\033[1m{text}\033[0m" if COLOR else text


def dim(text):
    return f"\033[2m{text}\033[0m" if COLOR else text


def heading(text):
    print()
    print(bold(text))
    print(bold("-" * len(text)))


def say(label, text=""):
    print(f"  {label:<11}{text}" if text else f"  {label}")


def out(text, indent=4):
    print(textwrap.indent(text.rstrip("\n"), " " * indent))


class DemoError(Exception):
    """A step failed: the message says which and why."""


class CheckFailed(Exception):
    """--check found the demo's outcome wrong."""


class Interrupted(BaseException):
    """SIGINT or SIGTERM."""


# ----- tools -----------------------------------------------------------------------------

def bootstrap_and_reexec():
    """Runs scripts/bootstrap.sh (silent and fast when .venv/ is current), then re-runs
    this script with the venv's Python when it is not already that one, or when the
    bootstrap just rebuilt the venv under it."""
    if os.environ.get(REEXEC):
        return
    before = os.stat(STAMP).st_mtime_ns if os.path.exists(STAMP) else None
    status = subprocess.call([os.path.join(ROOT, "scripts", "bootstrap.sh")])
    if status != 0:
        sys.exit(f"demo: scripts/bootstrap.sh failed (exit {status}); see its message above")
    after = os.stat(STAMP).st_mtime_ns if os.path.exists(STAMP) else None
    here = os.path.realpath(sys.prefix) == os.path.realpath(VENV)
    if not here or before != after:
        env = dict(os.environ, **{REEXEC: "1"})
        os.execve(VENV_PYTHON, [VENV_PYTHON, os.path.abspath(__file__), *sys.argv[1:]], env)


def workspace():
    """(target directory, function binaries): every binary of a package under functions/,
    from `cargo metadata`, so a function added there joins the demo."""
    try:
        result = subprocess.run(["cargo", "metadata", "--no-deps", "--format-version", "1"], cwd=ROOT,
                                stdin=subprocess.DEVNULL, capture_output=True, text=True)
    except FileNotFoundError:
        raise DemoError("cargo is not installed: install Rust with rustup (https://rustup.rs)") from None
    if result.returncode != 0:
        raise DemoError(f"cargo metadata failed:\n{result.stderr.strip()[:2000]}")
    meta = json.loads(result.stdout)
    functions_dir = os.path.join(os.path.realpath(meta["workspace_root"]), "functions") + os.sep
    binaries = sorted(t["name"] for p in meta["packages"]
                      if os.path.realpath(p["manifest_path"]).startswith(functions_dir)
                      for t in p["targets"] if "bin" in t["kind"])
    return os.path.join(meta["target_directory"], "debug"), binaries


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port):
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        return True
    except OSError:
        return False


def tail(path, lines=25):
    try:
        with open(path, errors="replace") as f:
            text = f.read().splitlines()
    except OSError:
        return "(no log)"
    return "\n".join(line[:300] for line in text[-lines:]) or "(empty)"


def iso(t):
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# ----- the local stack -------------------------------------------------------------------

def _child_setup():
    """In each child: the signals Stack.start blocked unblocked again, and stop when the
    demo dies, even by SIGKILL (Linux)."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Stack:
    """Everything the demo started: processes (each in its own process group) and the
    temporary directory with their logs."""

    def __init__(self):
        self.work = tempfile.mkdtemp(prefix="streamwarden-demo-")
        self.procs = []  # (name, Popen), in start order
        self.target = None  # target/debug, once known
        self.env = child_env(self.work)

    def path(self, name):
        return os.path.join(self.work, name)

    def start(self, name, argv, log, env=None):
        # Ctrl-C waits until the process is on the list, so that stop() finds it.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            with open(self.path(log), "ab") as f:
                proc = subprocess.Popen(argv, cwd=ROOT, env=env or self.env, stdin=subprocess.DEVNULL,
                                        stdout=f, stderr=subprocess.STDOUT, start_new_session=True,
                                        preexec_fn=_child_setup)
            self.procs.append((name, proc))
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        return proc

    def stop(self):
        """Stops everything, newest first: each process group with SIGTERM, then SIGKILL
        after 10 s; then whatever the processes started outside their group (cargo lambda
        runs each function in a session of its own)."""
        for name, proc in reversed(self.procs):
            children = descendants(proc.pid)
            group = proc.pid  # start_new_session: the leader's pid is the group id
            signal_group(group, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
            signal_group(group, signal.SIGKILL)
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                print(f"demo: {name} (pid {proc.pid}) did not stop", file=sys.stderr)
            for pid, started in children:
                for sig in (signal.SIGTERM, signal.SIGKILL):
                    if not same_process(pid, started):
                        break
                    try:
                        os.kill(pid, sig)
                    except ProcessLookupError:
                        break
                    end = time.monotonic() + 5
                    while same_process(pid, started) and time.monotonic() < end:
                        time.sleep(0.05)
        self.procs.clear()

    def remove(self):
        shutil.rmtree(self.work, ignore_errors=True)


def signal_group(group, sig):
    try:
        os.killpg(group, sig)
    except (ProcessLookupError, PermissionError):
        pass


def proc_start(pid):
    """The start time of a live process (to tell it from a later one with its pid), or
    None when it is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] == "Z" else fields[19]


def same_process(pid, started):
    return started is not None and proc_start(pid) == started


def descendants(pid):
    """Every live descendant of `pid` as (pid, start time), from /proc (Linux)."""
    parents = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for child, ppid in parents.items():
            if ppid == parent:
                found.append((child, proc_start(child)))
                todo.append(child)
    return found


def child_env(work):
    """The environment of every child: ours without AWS or Streamwarden settings (no
    profile, token or endpoint of yours leaks in), with the venv's tools on PATH."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "STREAMWARDEN_"))
           and k not in (REEXEC, "MAKEFLAGS", "MFLAGS", "CARGO_MAKEFLAGS")}
    env["PATH"] = os.path.join(VENV, "bin") + os.pathsep + env.get("PATH", "")
    # No ~/.aws files either (empty ones): a default profile's region or endpoint must
    # not apply.
    for key, name in (("AWS_CONFIG_FILE", "aws-config"), ("AWS_SHARED_CREDENTIALS_FILE", "aws-credentials")):
        env[key] = os.path.join(work, name)
        open(env[key], "w").close()
    # Plain logs in the log files.
    env["NO_COLOR"] = "1"
    return env


def aws_env(region, moto_url, sim_url=None):
    """Static credentials, the region and the local endpoints."""
    env = {"AWS_REGION": region, "AWS_DEFAULT_REGION": region,
           "AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo",
           "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_ENDPOINT_URL_DYNAMODB": moto_url, "AWS_ENDPOINT_URL_SNS": moto_url,
           "AWS_ENDPOINT_URL_SQS": moto_url}
    if sim_url:
        env["AWS_ENDPOINT_URL_APPSTREAM"] = sim_url
    return env


def run_logged(argv, log, env, what):
    """Runs a command to completion with its output in `log`; DemoError on failure."""
    with open(log, "ab") as f:
        status = subprocess.call(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                 stdout=f, stderr=subprocess.STDOUT)
    if status != 0:
        raise DemoError(f"{what} failed (exit {status}); the end of {log}:\n{tail(log)}")


def start_moto(stack):
    port = free_port()
    proc = stack.start("moto_server", [os.path.join(VENV, "bin", "moto_server"), "-H", "127.0.0.1",
                                       "-p", str(port)], "moto.log")
    wait_for(lambda: listening(port), proc, "moto_server", stack.path("moto.log"), 60)
    return f"http://127.0.0.1:{port}"


def start_sim(stack, scenario_path):
    port_file = stack.path("appstream-sim.url")
    proc = stack.start("appstream-sim", [os.path.join(stack.target, "appstream-sim"), "--listen", "127.0.0.1:0",
                                         "--scenario", scenario_path, "--port-file", port_file],
                       "appstream-sim.log")
    wait_for(lambda: os.path.exists(port_file), proc, "appstream-sim", stack.path("appstream-sim.log"), 60)
    with open(port_file) as f:
        return f.read().strip()


def wait_for(ready, proc, name, log, timeout):
    end = time.monotonic() + timeout
    while not ready():
        if proc.poll() is not None:
            raise DemoError(f"{name} exited with {proc.returncode} while starting; the end of {log}:\n{tail(log)}")
        if time.monotonic() > end:
            raise DemoError(f"{name} did not come up within {timeout} s; the end of {log}:\n{tail(log)}")
        time.sleep(0.1)


def load_template():
    """template.yaml, CloudFormation short-form tags (!Ref, !GetAtt...) accepted."""
    path = os.path.join(ROOT, "template.yaml")
    try:
        from cfnlint.decode import cfn_yaml
        return json.loads(json.dumps(cfn_yaml.load(path)))
    except ImportError:
        import yaml

        class Loader(yaml.SafeLoader):
            pass

        def tagged(loader, suffix, node):
            if isinstance(node, yaml.ScalarNode):
                value = loader.construct_scalar(node)
            elif isinstance(node, yaml.SequenceNode):
                value = loader.construct_sequence(node, deep=True)
            else:
                value = loader.construct_mapping(node, deep=True)
            return {suffix if suffix == "Ref" else f"Fn::{suffix}": value}

        Loader.add_multi_constructor("!", tagged)
        with open(path) as f:
            return yaml.load(f, Loader=Loader)


def plain(value, where):
    """A template value the demo can use as is: no intrinsic function inside."""
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref", "!")):
            raise DemoError(f"template.yaml {where} uses {next(iter(value))}: the demo needs a literal value")
        return {k: plain(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    return value


def create_table(ddb, resources):
    """The table with the keys, indexes, billing mode and TTL of template.yaml's `Table`
    (point-in-time recovery, encryption and deletion protection mean nothing locally)."""
    props = resources["Table"]["Properties"]
    spec = {k: plain(props[k], f"Table.{k}") for k in
            ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode") if k in props}
    ddb.create_table(TableName=TABLE, **spec)
    ttl = props.get("TimeToLiveSpecification")
    if ttl:
        ttl = plain(ttl, "Table.TimeToLiveSpecification")
        ddb.update_time_to_live(TableName=TABLE, TimeToLiveSpecification={
            "Enabled": bool(ttl.get("Enabled")), "AttributeName": ttl["AttributeName"]})
    indexes = [i["IndexName"] for i in spec.get("GlobalSecondaryIndexes", [])]
    return indexes, (ttl or {}).get("AttributeName")


def create_topic_and_inbox(sns, sqs, resources):
    """The alert topic (its literal attributes from template.yaml) and an SQS queue
    subscribed to it, raw delivery off: the queue holds the SNS envelope."""
    props = resources["AlertTopic"].get("Properties", {})
    attributes = {k: v for k, v in props.items() if isinstance(v, str) and k == "DisplayName"}
    topic = sns.create_topic(Name=TOPIC, Attributes=attributes)["TopicArn"]
    queue_url = sqs.create_queue(QueueName=QUEUE)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    # What real SNS needs to deliver to the queue (moto does not check it).
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
        "Resource": queue_arn, "Condition": {"ArnEquals": {"aws:SourceArn": topic}}}]}
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    return topic, queue_url


def rebased_scenario(work):
    """events/demo/scenario.json with its session times moved so that its `Now` is now,
    and the simulator's clock following real time: the functions judge sessions by the
    real clock."""
    with open(SCENARIO) as f:
        scenario = json.load(f)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    ref = scenario.pop("Now", None)
    if ref:
        shift = now - parse_iso(ref)
        for session in scenario.get("Sessions", []):
            for key in ("StartTime", "MaxExpirationTime"):
                if isinstance(session.get(key), str):
                    session[key] = iso(parse_iso(session[key]) + shift)
    path = os.path.join(work, "scenario.json")
    with open(path, "w") as f:
        json.dump(scenario, f, indent=1)
    return scenario, path


def event_now(work, name):
    """A copy of events/demo/`name` dated now (its `time`, and a CloudTrail record's
    `eventTime`), so what the functions store and send reads as just happened."""
    with open(os.path.join(DEMO, name)) as f:
        event = json.load(f)
    # Whole seconds, as EventBridge writes them, rounded up: what happened in this second
    # happened before the event.
    now = iso(datetime.now(timezone.utc) + timedelta(seconds=1))
    event["time"] = now
    if isinstance(event.get("detail"), dict) and "eventTime" in event["detail"]:
        event["detail"]["eventTime"] = now
    path = os.path.join(work, "event-" + name)
    with open(path, "w") as f:
        json.dump(event, f)
    return path


NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Sim:
    """The simulator's /_sim/ control API."""

    def __init__(self, url):
        self.url = url

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with NO_PROXY_OPENER.open(request, timeout=30) as response:
                text = response.read()
        except urllib.error.HTTPError as e:
            raise DemoError(f"simulator {method} {path}: {e.code} {e.read()[:300]!r}") from None
        return json.loads(text) if text else None


class Functions:
    """One `cargo lambda watch` serving every function binary of the workspace."""

    def __init__(self, stack, env_file):
        self.stack = stack
        self.port = free_port()
        self.log = stack.path("functions.log")
        self.proc = stack.start("cargo lambda watch", [
            "cargo", "lambda", "watch", "--ignore-changes", "--invoke-address", "127.0.0.1",
            "--invoke-port", str(self.port), "--env-file", env_file], "functions.log")
        wait_for(lambda: listening(self.port), self.proc, "cargo lambda watch", self.log, 300)

    def invoke(self, function, event_file):
        """The function's JSON result; DemoError with its error and log on failure."""
        argv = ["cargo", "lambda", "invoke", function, "--data-file", event_file, "--output-format", "json",
                "--invoke-address", "127.0.0.1", "--invoke-port", str(self.port)]
        result = subprocess.run(argv, cwd=ROOT, env=self.stack.env, stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=900)
        if result.returncode != 0 or self.proc.poll() is not None:
            raise DemoError(f"{function} failed:\n{(result.stdout + result.stderr).strip()[:2000]}\n"
                            f"function logs: {self.log}; their end:\n{tail(self.log)}")
        try:
            return json.loads(result.stdout)
        except ValueError:
            raise DemoError(f"{function} returned something that is not JSON: {result.stdout[:500]!r}") from None


# ----- what a user looks at --------------------------------------------------------------

def open_findings(ddb):
    """The sparse index gsi1, GSI1PK = NONCOMPLIANT: every resource with open findings."""
    from boto3.dynamodb.types import TypeDeserializer
    des = TypeDeserializer()
    items = []
    for page in ddb.get_paginator("query").paginate(
            TableName=TABLE, IndexName="gsi1", KeyConditionExpression="GSI1PK = :nc",
            ExpressionAttributeValues={":nc": {"S": "NONCOMPLIANT"}}):
        items.extend({k: des.deserialize(v) for k, v in item.items()} for item in page["Items"])
    return items


SEVERITY_ORDER = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO"]


def severity_rank(severity):
    severity = str(severity).upper()
    return SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else len(SEVERITY_ORDER)


def drain(sqs, queue_url):
    """Every notification waiting in the queue (SNS envelopes), deleted once read."""
    notes = []
    while True:
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                  VisibilityTimeout=30).get("Messages", [])
        if not got:
            return notes
        for m in got:
            body = json.loads(m["Body"])
            attrs = {k: v.get("Value") for k, v in (body.get("MessageAttributes") or {}).items()}
            notes.append({"subject": body.get("Subject") or "", "attributes": attrs,
                          "message": body.get("Message", "")})
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])


def alert_line(note):
    """severity, change and resource (or kind), then the rules and the subject."""
    a = note["attributes"]
    resource = next((f"{k} {a[k]}" for k in ("fleet", "stack") if k in a), None)
    what = resource or (a.get("kind") and f"{a['kind']}") or a.get("resource_type", "")
    line = f"{a.get('severity', '-'):<9}{a.get('change', ''):<10}{what}".rstrip()
    if a.get("rule_ids"):
        line += f"\n      rules:   {a['rule_ids']}"
    return line + f"\n      subject: {note['subject']}"


def message_text(note, lines=None):
    """The text an e-mail subscriber reads: the SNS Message as SQS gets it (the
    `default` text of a MessageStructure=json publish), the first `lines` of it."""
    text = note["message"].rstrip("\n").splitlines()
    if lines is not None and len(text) > lines:
        text = text[:lines] + [dim(f"... ({len(text) - lines} more lines)")]
    return "\n".join(text)


def summary_text(result):
    if isinstance(result, dict):
        text = ", ".join(f"{k} {json.dumps(v)}" for k, v in result.items())
    else:
        text = json.dumps(result)
    return textwrap.fill(text, width=92, initial_indent="     ", subsequent_indent="     ")


def sessions_cli(stack, env, fleet, fmt="text"):
    argv = [os.path.join(stack.target, "streamwarden"), "sessions", "--fleet", fleet, "--format", fmt]
    result = subprocess.run(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                            text=True, timeout=120)
    if result.returncode != 0:
        raise DemoError(f"streamwarden sessions --fleet {fleet} failed (exit {result.returncode}):\n"
                        f"{(result.stdout + result.stderr).strip()[:2000]}")
    return result.stdout


# ----- the demo --------------------------------------------------------------------------

def demo(args, stack, started):
    import boto3

    stack.target, binaries = workspace()
    for needed in ("fleet-auditor", "session-recorder"):
        if needed not in binaries:
            raise DemoError(f"functions/ has no {needed} binary: the demo needs it")

    heading("Setting up")
    build_log = stack.path("build.log")
    t = time.monotonic()
    bins = ["appstream-sim", "streamwarden", *binaries]
    say("build", "cargo build (debug): " + ", ".join(bins))
    if not all(os.path.exists(os.path.join(stack.target, b)) for b in bins):
        say("", dim(f"the first build compiles the AWS SDK: a few minutes (log: {build_log})"))
    sys.stdout.flush()
    # --bin from the workspace root, not -p: the features `cargo lambda watch` (cargo run
    # --bin) resolves, so it finds the binaries fresh instead of building them again.
    argv = ["cargo", "build"]
    for b in bins:
        argv += ["--bin", b]
    run_logged(argv, build_log, stack.env, "cargo build")
    say("", dim(f"built in {time.monotonic() - t:.0f} s"))

    scenario, scenario_path = rebased_scenario(stack.work)
    region = scenario.get("Region", "us-east-1")
    account = scenario.get("AccountId", "123456789012")
    moto_url = start_moto(stack)
    say("moto", f"{moto_url}  (DynamoDB, SNS, SQS)")
    sim_url = start_sim(stack, scenario_path)
    sim = Sim(sim_url)
    health = sim.call("GET", "/_sim/health")
    say("simulator", f"{sim_url}  account {account}, {region}: {health['fleets']} fleets, "
                     f"{health['stacks']} stacks, {health['sessions']} sessions")
    say("", dim("from events/demo/scenario.json, session times moved to today"))

    creds = dict(aws_access_key_id="demo", aws_secret_access_key="demo", region_name=region,
                 endpoint_url=moto_url)
    ddb, sns, sqs = (boto3.client(s, **creds) for s in ("dynamodb", "sns", "sqs"))
    resources = load_template()["Resources"]
    indexes, ttl = create_table(ddb, resources)
    say("table", f"{TABLE}  as template.yaml declares it: PK/SK, indexes {', '.join(indexes)}"
                 + (f", TTL on {ttl}" if ttl else ""))
    topic, queue_url = create_topic_and_inbox(sns, sqs, resources)
    say("topic", f"{topic}")
    say("", dim(f"subscribed: SQS queue {QUEUE} (what an e-mail or Slack subscriber would get)"))

    env_file = stack.path("functions.env")
    function_env = dict(aws_env(region, moto_url, sim_url), STREAMWARDEN_TABLE=TABLE,
                        STREAMWARDEN_TOPIC_ARN=topic, STREAMWARDEN_REGIONS=region)
    function_env.pop("AWS_DEFAULT_REGION")
    with open(env_file, "w") as f:
        f.writelines(f"{k}={v}\n" for k, v in function_env.items())
    lam = Functions(stack, env_file)
    say("functions", f"cargo lambda watch on 127.0.0.1:{lam.port} serves " + ", ".join(binaries))
    say("", dim(f"function logs: {lam.log} (kept when something fails)"))

    heading("Running the functions")
    alerts = []  # (step, notification)
    step = [0]

    def invoke(function, event_name, why):
        step[0] += 1
        n = step[0]
        print(f"  {n}. {bold(function)}  {why}")
        print(dim(f"     event: events/demo/{event_name}"))
        t0 = time.monotonic()
        result = lam.invoke(function, event_now(stack.work, event_name))
        got = drain(sqs, queue_url)
        alerts.extend((n, a) for a in got)
        print(summary_text(result))
        print(dim(f"     {time.monotonic() - t0:.1f} s; alerts delivered: {len(got)}"))
        return result, got

    invoke("fleet-auditor", "scheduled-sweep.json", "scheduled sweep of every fleet and stack")
    invoke("session-recorder", "scheduled-sessions.json", "scheduled poll: records every session")

    sim.call("PATCH", f"/_sim/fleets/{CHANGED_FLEET}", {"EnableDefaultInternetAccess": True})
    print(f"  -- an administrator turns on default internet access for {CHANGED_FLEET}; CloudTrail's")
    print("     UpdateFleet record reaches the fleet-auditor through EventBridge")
    _, changed_alerts = invoke("fleet-auditor", "update-fleet.json", f"CloudTrail UpdateFleet of {CHANGED_FLEET}")
    changed_step = step[0]

    ana = sim.call("PATCH", f"/_sim/sessions/{DISCONNECTS}", {"ConnectionState": "NOT_CONNECTED"})
    omar = sim.call("DELETE", f"/_sim/sessions/{ENDS}")
    mia = sim.call("POST", "/_sim/sessions", NEW_SESSION)
    print(f"  -- {ana['UserId']} disconnects from {ana['FleetName']}, {omar['UserId']}'s session ends,")
    print(f"     {mia['UserId']} starts one on {mia['FleetName']} (through the simulator's control API)")
    invoke("session-recorder", "scheduled-sessions.json", "scheduled poll: records what changed")

    digest_alerts = None
    for function in binaries:
        if function in ("fleet-auditor", "session-recorder"):
            continue
        event = KNOWN_EVENTS.get(function, f"{function}.json")
        if not os.path.exists(os.path.join(DEMO, event)):
            print(f"  -  {function}: not in the demo (add events/demo/{event})")
            continue
        _, got = invoke(function, event, WHY.get(function, "scheduled run"))
        if function == "compliance-digest":
            digest_alerts = got
    if "compliance-digest" not in binaries:
        print(dim("  -  compliance-digest: not in this checkout yet (functions/compliance-digest)"))

    # ----- the report -----
    heading("Findings open")
    print(dim("  the sparse index gsi1, GSI1PK = NONCOMPLIANT: every resource with open findings"))
    order = {"fleet": 0, "stack": 1, "session": 2}
    states = sorted(open_findings(ddb), key=lambda s: (order.get(s.get("resource_type"), 3), s.get("resource", "")))
    if not states:
        say("(none)")
    for s in states:
        kind = s.get("resource_type")
        kind = "sessions on fleet" if kind == "session" else kind
        print(f"  {kind} {bold(s.get('resource'))}")
        findings = sorted((s.get("findings") or {}).items(), key=lambda kv: (severity_rank(kv[1].get("severity")), kv[0]))
        for rule, f in findings:
            print(f"    {str(f.get('severity')):<9}{rule:<32}{f.get('title', '')}")

    heading("Alerts delivered")
    print(dim("  read from the SQS queue subscribed to the topic; [n] is the step that sent it"))
    if not alerts:
        say("(none)")
    alerts.sort(key=lambda a: (a[0], severity_rank(a[1]["attributes"].get("severity")), a[1]["subject"]))
    for n, note in alerts:
        print(f"  [{n}] " + alert_line(note))
    live = [a for a in changed_alerts if a["attributes"].get("fleet") == CHANGED_FLEET]
    if live:
        print()
        print(dim(f"  the alert of step {changed_step}, as an e-mail subscriber reads it:"))
        out(message_text(live[0]), 6)
    if digest_alerts:
        print()
        print(dim("  the start of the compliance digest:"))
        out(message_text(digest_alerts[0], 16), 6)

    heading("Sessions recorded")
    cli_env = dict(stack.env, **aws_env(region, moto_url), STREAMWARDEN_TABLE=TABLE)
    fleets = sorted({s["FleetName"] for s in scenario.get("Sessions", [])} | {mia["FleetName"]})
    for fleet in fleets:
        print(dim(f"  $ streamwarden sessions --fleet {fleet}"))
        out(sessions_cli(stack, cli_env, fleet))

    if args.check:
        check(scenario, states, alerts, changed_alerts, digest_alerts, binaries,
              {f: json.loads(sessions_cli(stack, cli_env, f, "json"))["sessions"] for f in fleets},
              ana, omar, mia)
        heading("Check")
        say("ok", "findings, alerts and sessions are what the scenario and its changes should give")

    if args.keep:
        keep(stack, region, moto_url, sim_url, topic, queue_url, lam)
    print()
    print(dim(f"Done in {time.monotonic() - started:.0f} s."))


def check(scenario, states, alerts, changed_alerts, digest_alerts, binaries, sessions, ana, omar, mia):
    problems = []
    open_by = {(s.get("resource_type"), s.get("resource")): s.get("findings") or {} for s in states}
    for (kind, name), rule in NONCOMPLIANT.items():
        if rule not in open_by.get((kind, name), {}):
            problems.append(f"{kind} {name}: expected open finding {rule}; open: {sorted(open_by.get((kind, name), {})) or 'none'}")
    for kind, key in (("fleet", "Fleets"), ("stack", "Stacks")):
        for item in scenario.get(key, []):
            if (kind, item["Name"]) not in NONCOMPLIANT and open_by.get((kind, item["Name"])):
                problems.append(f"{kind} {item['Name']} is compliant in the scenario but has open findings: "
                                f"{sorted(open_by[(kind, item['Name'])])}")
    alerted = {(k, n["attributes"][k]) for _, n in alerts for k in ("fleet", "stack") if k in n["attributes"]}
    for key in NONCOMPLIANT:
        if key not in alerted:
            problems.append(f"no alert delivered for {key[0]} {key[1]}")
    if not any(n["attributes"].get("fleet") == CHANGED_FLEET and "FLEET-INTERNET-ACCESS" in n["attributes"].get("rule_ids", "")
               for n in changed_alerts):
        problems.append(f"the UpdateFleet of {CHANGED_FLEET} delivered no FLEET-INTERNET-ACCESS alert for it")
    for n in (n for _, n in alerts):
        if not n["subject"] or "severity" not in n["attributes"]:
            problems.append(f"an alert without subject or severity attribute: {n}")
    recorded = {r["session_id"]: r for records in sessions.values() for r in records}
    for s in scenario.get("Sessions", []):
        if s["Id"] not in recorded:
            problems.append(f"session {s['Id']} ({s['UserId']}, {s['FleetName']}) was not recorded")
    r = recorded.get(ana["Id"])
    if r and (r.get("connection_state") != "NOT_CONNECTED" or not r.get("open")):
        problems.append(f"{ana['UserId']}'s session should be open and NOT_CONNECTED: {r}")
    r = recorded.get(omar["Id"])
    if r and (r.get("open") or not r.get("ended_after")):
        problems.append(f"{omar['UserId']}'s session should be recorded as ended: {r}")
    r = recorded.get(mia["Id"])
    if not r or not r.get("open") or r.get("user_id") != mia["UserId"]:
        problems.append(f"the new session of {mia['UserId']} ({mia['Id']}) should be recorded open: {r}")
    if "compliance-digest" in binaries and not digest_alerts:
        problems.append("compliance-digest ran but delivered no message to the topic")
    if problems:
        raise CheckFailed("\n".join(f"- {p}" for p in problems))


def keep(stack, region, moto_url, sim_url, topic, queue_url, lam):
    heading("Still running (--keep): Ctrl-C stops everything")
    say("moto", moto_url)
    say("simulator", f"{sim_url}  (control API: {sim_url}/_sim/health, /_sim/fleets, /_sim/sessions ...)")
    say("functions", f"cargo lambda watch on 127.0.0.1:{lam.port}; logs: {lam.log}")
    say("queue", queue_url)
    print()
    print("  In another shell, from the repository root:")
    env = dict(aws_env(region, moto_url, sim_url), STREAMWARDEN_TABLE=TABLE, STREAMWARDEN_TOPIC_ARN=topic,
               AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    for k, v in env.items():
        print(f"    export {k}={v}")
    print("    export PATH=\"$PWD/.venv/bin:$PATH\"")
    cli = os.path.relpath(os.path.join(stack.target, "streamwarden"), ROOT)
    print(f"    cargo lambda invoke fleet-auditor --data-file events/demo/scheduled-sweep.json "
          f"--invoke-address 127.0.0.1 --invoke-port {lam.port}")
    print(f"    {cli} sessions --user ana.silva@example.com")
    if "report" in subprocess.run([os.path.join(stack.target, "streamwarden"), "--help"],
                                  capture_output=True, text=True).stdout:
        print(f"    {cli} report --format html -o digest.html")
    print(f"    curl -s -X PATCH {sim_url}/_sim/fleets/analytics-shared -d '{{\"DisableIMDSV1\": false}}'")
    sys.stdout.flush()
    try:
        while True:
            signal.pause()
    except Interrupted:
        print("\ndemo: stopping everything it started")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="verify what the demo shows; exit 1 when wrong")
    parser.add_argument("--keep", action="store_true", help="leave the stack running until Ctrl-C")
    args = parser.parse_args()
    bootstrap_and_reexec()
    # Everything the demo talks to is on loopback: never through a proxy of yours (cargo
    # still uses it to download crates).
    for key in ("NO_PROXY", "no_proxy"):
        os.environ[key] = ",".join(filter(None, [os.environ.get(key), "127.0.0.1", "localhost"]))
    sys.stdout.reconfigure(line_buffering=True)

    def interrupted(signum, _frame):
        raise Interrupted(signum)

    for sig in STOP_SIGNALS:
        signal.signal(sig, interrupted)
    started = time.monotonic()
    print(bold("Streamwarden demo") + dim("  (everything local: moto, the AppStream simulator, cargo lambda)"))
    stack = Stack()
    status, keep_logs = 0, False
    try:
        demo(args, stack, started)
    except Interrupted as e:
        signum = e.args[0]
        print(f"\ndemo: interrupted ({signal.Signals(signum).name}); stopping everything it started",
              file=sys.stderr)
        status = 128 + signum
    except CheckFailed as e:
        print(f"\ndemo --check: FAILED\n{e}", file=sys.stderr)
        status, keep_logs = 1, True
    except DemoError as e:
        print(f"\ndemo: {e}", file=sys.stderr)
        status, keep_logs = 1, True
    except Exception:
        import traceback
        traceback.print_exc()
        status, keep_logs = 1, True
    finally:
        # A second Ctrl-C must not cut the clean-up short.
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
        stack.stop()
        if keep_logs:
            print(f"demo: logs kept in {stack.work}", file=sys.stderr)
        else:
            stack.remove()
    sys.exit(status)


if __name__ == "__main__":
    main()
