#!/usr/bin/env python3
"""Writes an appstream-sim scenario of N fleets and M sessions for benchmarks.

usage: gen-scenario.py FLEETS SESSIONS [--mix audit|recorder] [--now ISO] [--seed N] > scenario.json

--mix audit (the default, what scripts/bench-audit.sh and bench-auditor.py use): a
realistic mix of fleets for the auditor: a quarter each of Always-On, On-Demand
(single-session), Elastic and multi-session fleets, compliant and not; one stack per
fleet, associated; sessions spread over the non-Elastic fleets and all four
authentication types; multi-session sessions share instances. The clock is fixed at
2026-11-27T12:00:00Z unless --now says otherwise.

--mix recorder (scripts/bench-recorder.py): a realistic session load for the session
recorder. One stack per fleet, associated; a third of the fleets multi-session
(Windows, Always-On or On-Demand, MaxSessionsPerInstance 10), the rest single-session
(Always-On, On-Demand, Elastic). SESSIONS sessions spread unevenly over all fleets; each
fleet has a main authentication type (SAML, USERPOOL, AWS_AD or API) that most of its
sessions use, the rest spread over the others; about 95 % ACTIVE (85 % of them
CONNECTED) and 5 % PENDING; StartTime within the 6 hours before Now (now by default,
since the recorder's clock is the real one); InstanceId on multi-session sessions, 4 to
10 sessions per instance; capacity counters that match. Seeded: the same arguments give
the same scenario (except Now).
"""
import argparse
import datetime
import json
import random
import sys
import uuid


def audit_mix(fleets_n, sessions_n, now):
    auth = ["API", "SAML", "USERPOOL", "AWS_AD"]
    fleets, stacks, assoc, sessions = [], [], [], []
    for i in range(fleets_n):
        kind = i % 4
        name = f"fleet-{i:05d}"
        fleet = {
            "Name": name,
            "InstanceType": ["stream.standard.large", "stream.compute.xlarge", "stream.standard.medium", "stream.memory.2xlarge"][kind],
            "FleetType": ["ALWAYS_ON", "ON_DEMAND", "ELASTIC", "ALWAYS_ON"][kind],
            "State": "RUNNING",
            "Platform": "AMAZON_LINUX2" if kind == 2 else "WINDOWS_SERVER_2022",
            "MaxUserDurationInSeconds": 36000 + (i % 3) * 3600,
            "DisconnectTimeoutInSeconds": 300,
            "IdleDisconnectTimeoutInSeconds": 600 if i % 2 else 0,
            "VpcConfig": {"SubnetIds": ["subnet-1", "subnet-2"], "SecurityGroupIds": ["sg-1"]},
            "EnableDefaultInternetAccess": i % 5 == 0,
            "DisableIMDSV1": i % 3 != 0,
            "CreatedTime": "2026-01-01T00:00:00Z",
            "FleetErrors": [],
            "ComputeCapacityStatus": {"Desired": 10, "Running": 10, "InUse": 9, "Available": 1},
        }
        if kind == 2:
            fleet["MaxConcurrentSessions"] = 50
        if kind == 3:
            fleet["MaxSessionsPerInstance"] = 8
            fleet["ComputeCapacityStatus"].update(
                {"DesiredUserSessions": 80, "AvailableUserSessions": 10, "ActiveUserSessions": 70, "ActualUserSessions": 80})
        fleets.append(fleet)
        stacks.append({"Name": f"stack-{i:05d}", "UserSettings": [
            {"Action": "CLIPBOARD_COPY_TO_LOCAL_DEVICE", "Permission": "DISABLED"},
            {"Action": "FILE_DOWNLOAD", "Permission": "ENABLED" if i % 7 == 0 else "DISABLED"}]})
        assoc.append({"FleetName": name, "StackName": f"stack-{i:05d}"})
    hosts = [i for i in range(fleets_n) if i % 4 != 2] or [0]
    for j in range(sessions_n):
        i = hosts[j % len(hosts)]
        multi = i % 4 == 3
        sessions.append({
            "Id": f"session-{j:06d}",
            "UserId": f"user{j % 5000}@example.com",
            "FleetName": f"fleet-{i:05d}",
            "StackName": f"stack-{i:05d}",
            "State": "ACTIVE",
            "ConnectionState": "CONNECTED" if j % 5 else "NOT_CONNECTED",
            "StartTime": "2026-11-27T08:00:00Z",
            "MaxExpirationTime": "2026-11-27T18:00:00Z",
            "AuthenticationType": auth[j % 4],
            "InstanceId": f"i-{i:05d}{(j // len(hosts)) // (8 if multi else 1):04d}",
        })
    return {"Now": now or "2026-11-27T12:00:00Z", "Region": "eu-west-1", "Fleets": fleets, "Stacks": stacks,
            "Associations": assoc, "Sessions": sessions}


AUTH_TYPES = ["SAML", "USERPOOL", "AWS_AD", "API"]
# How often each is a fleet's main authentication type, and the share of the other types
# among a fleet's remaining sessions.
AUTH_WEIGHTS = [0.55, 0.15, 0.10, 0.20]
MAIN_AUTH_SHARE = 0.85


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def recorder_mix(fleets_n, sessions_n, now, seed):
    rng = random.Random(seed)
    now_t = (datetime.datetime.fromisoformat(now.replace("Z", "+00:00")) if now
             else datetime.datetime.now(datetime.timezone.utc)).replace(microsecond=0)
    fleets, stacks, assoc, sessions = [], [], [], []
    # Uneven load: some fleets carry several times the sessions of others.
    weights = [rng.uniform(0.2, 1.8) for _ in range(fleets_n)]
    per_fleet = [0] * fleets_n
    for i in rng.choices(range(fleets_n), weights=weights, k=sessions_n) if fleets_n else []:
        per_fleet[i] += 1
    users = max(1, int(sessions_n * 1.1))
    for i in range(fleets_n):
        name, stack = f"fleet-{i:05d}", f"stack-{i:05d}"
        multi = i % 3 == 2
        if multi:
            fleet_type = "ALWAYS_ON" if (i // 3) % 2 == 0 else "ON_DEMAND"
            platform, instance_type = "WINDOWS_SERVER_2022", "stream.memory.2xlarge"
        else:
            fleet_type = ["ALWAYS_ON", "ON_DEMAND", "ELASTIC"][(i - i // 3) % 3]
            platform = "AMAZON_LINUX2" if fleet_type == "ELASTIC" and i % 2 else "WINDOWS_SERVER_2022"
            instance_type = {"ALWAYS_ON": "stream.standard.large", "ON_DEMAND": "stream.compute.large",
                             "ELASTIC": "stream.standard.medium"}[fleet_type]
        max_duration = [28800, 36000, 43200][i % 3]
        fleet = {
            "Name": name,
            "InstanceType": instance_type,
            "FleetType": fleet_type,
            "State": "RUNNING",
            "Platform": platform,
            "MaxUserDurationInSeconds": max_duration,
            "DisconnectTimeoutInSeconds": 900,
            "IdleDisconnectTimeoutInSeconds": 900,
            "VpcConfig": {"SubnetIds": ["subnet-1", "subnet-2"], "SecurityGroupIds": ["sg-1"]},
            "EnableDefaultInternetAccess": False,
            "DisableIMDSV1": True,
            "CreatedTime": "2026-01-01T00:00:00Z",
            "FleetErrors": [],
        }
        # This fleet's sessions.
        main = rng.choices(AUTH_TYPES, weights=AUTH_WEIGHTS)[0]
        others = [a for a in AUTH_TYPES if a != main]
        other_weights = [AUTH_WEIGHTS[AUTH_TYPES.index(a)] for a in others]
        instances, on_instance, room = 0, 0, 0
        for _ in range(per_fleet[i]):
            pending = rng.random() < 0.05
            if pending:
                start = now_t - datetime.timedelta(seconds=rng.randint(0, 120))
                connection = "NOT_CONNECTED"
            else:
                start = now_t - datetime.timedelta(seconds=rng.randint(60, 6 * 3600))
                connection = "CONNECTED" if rng.random() < 0.85 else "NOT_CONNECTED"
            session = {
                "Id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "UserId": f"user{rng.randrange(users):06d}@example.com",
                "FleetName": name,
                "StackName": stack,
                "State": "PENDING" if pending else "ACTIVE",
                "ConnectionState": connection,
                "StartTime": iso(start),
                "MaxExpirationTime": iso(start + datetime.timedelta(seconds=max_duration)),
                "AuthenticationType": main if rng.random() < MAIN_AUTH_SHARE
                else rng.choices(others, weights=other_weights)[0],
            }
            if multi:
                if on_instance >= room:
                    instances, on_instance, room = instances + 1, 0, rng.randint(4, 10)
                on_instance += 1
                session["InstanceId"] = f"i-0{i:06x}{instances:010x}"
            sessions.append(session)
        count = per_fleet[i]
        if fleet_type == "ELASTIC":
            fleet["MaxConcurrentSessions"] = max(50, (count * 3 // 2 + 9) // 10 * 10)
            fleet["ComputeCapacityStatus"] = {"Desired": count, "Running": count, "InUse": count, "Available": 0}
        elif multi:
            fleet["MaxSessionsPerInstance"] = 10
            desired = instances + 2
            fleet["ComputeCapacityStatus"] = {
                "Desired": desired, "Running": desired, "InUse": instances, "Available": desired - instances,
                "DesiredUserSessions": desired * 10, "ActualUserSessions": desired * 10,
                "ActiveUserSessions": count, "AvailableUserSessions": desired * 10 - count}
        else:
            desired = count + max(2, count // 5)
            fleet["ComputeCapacityStatus"] = {"Desired": desired, "Running": desired, "InUse": count,
                                              "Available": desired - count}
        fleets.append(fleet)
        stacks.append({"Name": stack, "UserSettings": [
            {"Action": "CLIPBOARD_COPY_TO_LOCAL_DEVICE", "Permission": "DISABLED"},
            {"Action": "FILE_DOWNLOAD", "Permission": "DISABLED"}]})
        assoc.append({"FleetName": name, "StackName": stack})
    return {"Now": iso(now_t), "Region": "eu-west-1", "Fleets": fleets, "Stacks": stacks,
            "Associations": assoc, "Sessions": sessions}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("fleets", type=int)
    parser.add_argument("sessions", type=int)
    parser.add_argument("--mix", choices=["audit", "recorder"], default="audit")
    parser.add_argument("--now", help="the scenario's Now (RFC 3339 UTC)")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the recorder mix")
    args = parser.parse_args()
    if args.mix == "audit":
        doc = audit_mix(args.fleets, args.sessions, args.now)
    else:
        doc = recorder_mix(args.fleets, args.sessions, args.now, args.seed)
    json.dump(doc, sys.stdout)


if __name__ == "__main__":
    main()
