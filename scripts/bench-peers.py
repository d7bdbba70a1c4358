#!/usr/bin/env python3
"""Helper of scripts/bench-peers.sh.

scenario BASE TAGGED: BASE (gen-scenario.py output) with TAGGED resources tagged (half
    fleets, half stacks, spread evenly), printed.
run WORK URL SIM_PID STREAMWARDEN CUSTODIAN: runs both against the simulator at URL and
    prints wall, CPU (user + system), peak RSS and calls by operation for each, then a
    markdown table for BENCHMARKS.md.
"""
import collections
import json
import os
import subprocess
import sys
import textwrap
import time
import urllib.request

POLICIES = textwrap.dedent("""\
    policies:
      - name: fleet-default-internet-access
        resource: aws.appstream-fleet
        filters:
          - EnableDefaultInternetAccess: true
      - name: fleet-usb-redirection
        resource: aws.appstream-fleet
        filters:
          - type: value
            key: UsbDeviceFilterStrings
            value: present
      - name: fleet-missing-owner
        resource: aws.appstream-fleet
        filters:
          - "tag:owner": absent
      - name: stack-missing-owner
        resource: aws.appstream-stack
        filters:
          - "tag:owner": absent
    """)


def scenario(base, tagged):
    doc = json.load(open(base))
    fleets = [f["Name"] for f in doc["Fleets"]]
    stacks = [s["Name"] for s in doc["Stacks"]]
    tags = {}
    for names, share in ((fleets, tagged // 2), (stacks, tagged - tagged // 2)):
        step = max(1, len(names) // max(1, share))
        for name in names[::step][:share]:
            tags[name] = {"owner": "bench", "cost-center": "4711"}
    doc["Tags"] = tags
    doc["PageSizes"] = {"DescribeFleets": 50, "DescribeStacks": 50}
    json.dump(doc, sys.stdout)


def calls(url):
    out = json.load(urllib.request.urlopen(f"{url}/_sim/calls"))["calls"]
    urllib.request.urlopen(urllib.request.Request(f"{url}/_sim/calls", method="DELETE")).read()
    return collections.Counter(c["operation"] for c in out)


def sim_cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(label, argv, env, work, url, pid):
    """Runs argv once; wall, CPU and peak RSS from the child's own rusage (no /usr/bin/time)."""
    calls(url)
    before = sim_cpu(pid)
    out_path = os.path.join(work, f"{label.split()[0]}.out")
    err_path = os.path.join(work, f"{label.split()[0]}.err")
    started = time.monotonic()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=err, cwd=work)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.stderr.write(open(err_path, errors="replace").read()[-3000:])
        raise SystemExit(f"{label} exited {code}")
    return {"label": label, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "rss": usage.ru_maxrss / 1024, "calls": calls(url), "sim_cpu": sim_cpu(pid) - before,
            "stdout": open(out_path, "rb").read()}


def run(work, url, pid, streamwarden, custodian):
    pid = int(pid)
    env = dict(os.environ, AWS_ENDPOINT_URL_APPSTREAM=url,
               AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API=url,
               # Custodian asks STS for the account ID (and carries on without it): the
               # simulator answers at once that it does not serve STS.
               AWS_ENDPOINT_URL_STS=url,
               AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
               AWS_REGION="eu-west-1", AWS_DEFAULT_REGION="eu-west-1",
               AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE="/nonexistent",
               AWS_SHARED_CREDENTIALS_FILE="/nonexistent", HOME=work)
    env.pop("AWS_ENDPOINT_URL", None)
    env.pop("AWS_PROFILE", None)
    policy = os.path.join(work, "appstream.yml")
    with open(policy, "w") as f:
        f.write(POLICIES)
    ours = timed("streamwarden audit", [os.path.abspath(streamwarden), "audit", "--format", "json",
                                        "--fail-on", "never"], env, work, url, pid)
    report = json.loads(ours["stdout"])["summary"]
    theirs = timed("custodian run (4 policies)",
                   [os.path.abspath(custodian), "run", "--region", "eu-west-1",
                    "-s", os.path.join(work, "out"), policy], env, work, url, pid)
    print(f"streamwarden: {report['fleets']} fleets, {report['stacks']} stacks, "
          f"{report['findings']} findings")
    rows = []
    for r in (ours, theirs):
        total = sum(r["calls"].values())
        ops = ", ".join(f"{op} {n}" for op, n in sorted(r["calls"].items()))
        rows.append(f"| {r['label']} | {r['wall']:.2f} s | {r['cpu']:.2f} s | {r['rss']:.1f} MiB | "
                    f"{total}: {ops} | {r['sim_cpu']:.2f} s |")
    print("| Tool | Wall | CPU | Peak RSS | Calls | Simulator CPU |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"wall ratio streamwarden / custodian: {ours['wall'] / theirs['wall']:.3f}")


if __name__ == "__main__":
    if sys.argv[1] == "scenario":
        scenario(sys.argv[2], int(sys.argv[3]))
    else:
        run(*sys.argv[2:7])
