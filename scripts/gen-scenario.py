#!/usr/bin/env python3
"""Writes an appstream-sim scenario of N fleets and M sessions for benchmarks.

usage: gen-scenario.py FLEETS SESSIONS > scenario.json

A realistic mix: a quarter each of Always-On, On-Demand (single-session), Elastic and
multi-session fleets, compliant and not; one stack per fleet, associated; sessions spread
over the non-Elastic fleets and all four authentication types; multi-session sessions
share instances.
"""
import json
import sys

fleets_n = int(sys.argv[1])
sessions_n = int(sys.argv[2])
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
json.dump({"Now": "2026-11-27T12:00:00Z", "Region": "eu-west-1", "Fleets": fleets, "Stacks": stacks,
           "Associations": assoc, "Sessions": sessions}, sys.stdout)
