//! The session recorder against the real parts: the AppStream simulator on the wire,
//! DynamoDB and SNS on moto server, an SQS queue subscribed to the topic. A working day
//! is played on the simulator and the recorder runs every five minutes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration as StdDuration;
use streamwarden::Policy;
use streamwarden::aws::{AppStreamInventory, Aws, DynamoStore, SnsPublisher};
use streamwarden::finding::{ResourceType, Severity};
use streamwarden::services::session_recorder::{RecorderOutcome, SessionRecorder};
use streamwarden::store::sessions::{CapacitySnapshot, SessionRecord};
use streamwarden::store::{
    Commit, FindingStore, ResourceKey, ResourceState, SessionQuery, SessionStore, SessionsOf,
    StoredFinding, Target, TriggerRecord,
};
use streamwarden_harness::appstream_sim::FaultRule;
use streamwarden_harness::{LocalStack, StackOptions};

const REGION: &str = "eu-west-1";
const ACCOUNT: &str = "123456789012";

fn target() -> Target {
    Target::new(ACCOUNT, REGION)
}

type Recorder = SessionRecorder<AppStreamInventory, DynamoStore, SnsPublisher>;

struct Stack {
    local: LocalStack,
    recorder: Recorder,
    /// Straight to moto, for checks: never through the fault proxy.
    store: DynamoStore,
}

fn fleet(name: &str, extra: Value) -> Value {
    let mut f = json!({"Name": name, "Arn": format!("arn:aws:appstream:{REGION}:123456789012:fleet/{name}"),
        "InstanceType": "stream.standard.large", "FleetType": "ALWAYS_ON", "State": "RUNNING",
        "Platform": "WINDOWS_SERVER_2022", "MaxUserDurationInSeconds": 28800, "DisconnectTimeoutInSeconds": 900,
        "IdleDisconnectTimeoutInSeconds": 600, "VpcConfig": {"SubnetIds": ["subnet-1", "subnet-2"]},
        "EnableDefaultInternetAccess": false, "DisableIMDSV1": true, "FleetErrors": [],
        "ComputeCapacityStatus": {"Desired": 2, "Running": 2, "InUse": 0, "Available": 2}});
    for (k, v) in extra.as_object().unwrap() {
        f[k] = v.clone();
    }
    f
}

fn scenario() -> Value {
    json!({
        "Now": "2026-11-27T08:00:00Z",
        "Fleets": [
            fleet("desk", json!({"FleetType": "ON_DEMAND"})),
            fleet("shared", json!({"MaxSessionsPerInstance": 3,
                "ComputeCapacityStatus": {"Desired": 2, "Running": 2, "InUse": 0, "Available": 2,
                    "DesiredUserSessions": 6, "AvailableUserSessions": 6, "ActiveUserSessions": 0, "ActualUserSessions": 6}})),
        ],
        "Stacks": [{"Name": "office"}, {"Name": "lab"}],
        "Associations": [{"FleetName": "desk", "StackName": "office"}, {"FleetName": "shared", "StackName": "lab"}],
    })
}

async fn start(scenario: Value, policy: Policy) -> Stack {
    start_with(scenario, policy, false).await
}

async fn start_with(scenario: Value, policy: Policy, faults: bool) -> Stack {
    let local = LocalStack::start_with(StackOptions {
        region: REGION.into(),
        scenario,
        ddb_fault_proxy: faults,
        ..StackOptions::default()
    })
    .await;
    let recorder = SessionRecorder::new(
        Aws::from_sdk_config(local.appstream_sdk_config()).inventories(&[REGION.to_owned()]),
        DynamoStore::new(local.dynamodb_under_test(), local.table()),
        SnsPublisher::new(local.sns(), local.topic_arn()),
        policy,
        400,
    );
    let store = DynamoStore::new(local.dynamodb(), local.table());
    Stack {
        local,
        recorder,
        store,
    }
}

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, h, m, 0).unwrap()
}

fn trigger(time: DateTime<Utc>) -> TriggerRecord {
    TriggerRecord {
        kind: "schedule".to_owned(),
        id: format!("run-{}", time.timestamp()),
        time,
        event_name: None,
        principal: None,
        source_ip: None,
    }
}

impl Stack {
    async fn run(&self, time: DateTime<Utc>) -> RecorderOutcome {
        self.recorder
            .run(&trigger(time), "123456789012", time)
            .await
            .unwrap()
    }

    fn start_session(&self, id: &str, user: &str, fleet: &str, auth: &str, start: DateTime<Utc>) {
        let stack = if fleet == "desk" { "office" } else { "lab" };
        self.local
            .sim()
            .add_session(
                &json!({"Id": id, "UserId": user, "FleetName": fleet, "StackName": stack,
                "AuthenticationType": auth, "StartTime": start.to_rfc3339()}),
            )
            .unwrap();
    }

    fn patch(&self, id: &str, patch: Value) {
        self.local.sim().patch_session(id, &patch).unwrap();
    }

    fn end(&self, id: &str) {
        self.local.sim().end_session(id).unwrap();
    }

    async fn of(&self, of: SessionsOf) -> Vec<SessionRecord> {
        self.store
            .sessions(&SessionQuery {
                of,
                since: None,
                until: None,
            })
            .await
            .unwrap()
    }

    async fn user(&self, user: &str) -> Vec<SessionRecord> {
        self.of(SessionsOf::User(user.to_owned())).await
    }

    async fn snapshots(&self, fleet: &str) -> Vec<CapacitySnapshot> {
        self.store
            .snapshots(&target(), fleet, None, None)
            .await
            .unwrap()
    }
}

/// (state, connection state, seen, after) of each observation.
type Change = (String, Option<String>, DateTime<Utc>, Option<DateTime<Utc>>);

fn changes(record: &SessionRecord) -> Vec<Change> {
    record
        .changes
        .iter()
        .map(|c| (c.state.clone(), c.connection_state.clone(), c.seen, c.after))
        .collect()
}

#[tokio::test]
async fn a_day_of_sessions_becomes_history_bounds_and_snapshots() {
    let s = start(scenario(), Policy::builtin()).await;

    // 08:00 alice (SAML) and a service account (API) on the single-session fleet, bob on
    // the multi-session one.
    s.start_session("s-alice", "alice@example.com", "desk", "SAML", at(7, 58));
    s.start_session("s-bot", "svc-report", "desk", "API", at(7, 59));
    s.start_session("s-bob", "bob@example.com", "shared", "USERPOOL", at(7, 57));
    let first = s.run(at(8, 0)).await;
    assert_eq!((first.fleets, first.sessions, first.opened), (2, 3, 3));
    assert_eq!(first.snapshots, 2);

    // 08:05 alice's network drops; carol and dave fill bob's instance.
    s.patch("s-alice", json!({"ConnectionState": "NOT_CONNECTED"}));
    s.start_session(
        "s-carol",
        "carol@example.com",
        "shared",
        "USERPOOL",
        at(8, 2),
    );
    s.start_session("s-dave", "dave@example.com", "shared", "AWS_AD", at(8, 3));
    let second = s.run(at(8, 5)).await;
    assert_eq!((second.opened, second.changed, second.closed), (2, 1, 0));

    // 08:10 alice is back; erin needs a second instance.
    s.patch("s-alice", json!({"ConnectionState": "CONNECTED"}));
    s.start_session("s-erin", "erin@example.com", "shared", "USERPOOL", at(8, 8));
    s.run(at(8, 10)).await;

    // 08:15 the service account and bob are done.
    s.end("s-bot");
    s.end("s-bob");
    let fourth = s.run(at(8, 15)).await;
    assert_eq!(fourth.closed, 2);

    // 08:20 nothing happened: only the recorder's own bookkeeping is written.
    let quiet = s.run(at(8, 20)).await;
    assert_eq!(
        (quiet.opened, quiet.changed, quiet.closed, quiet.snapshots),
        (0, 0, 0, 0)
    );
    assert_eq!(quiet.writes.items, 1, "{quiet:?}");

    // Alice: one record, every connection change with the runs that bound it.
    let alice = s.user("alice@example.com").await;
    assert_eq!(alice.len(), 1);
    let a = &alice[0];
    assert_eq!(
        (
            a.fleet.as_str(),
            a.stack.as_str(),
            a.authentication_type.as_deref()
        ),
        ("desk", "office", Some("SAML"))
    );
    assert_eq!(a.start_time, Some(at(7, 58)));
    assert_eq!(
        changes(a),
        vec![
            ("ACTIVE".into(), Some("CONNECTED".into()), at(8, 0), None),
            (
                "ACTIVE".into(),
                Some("NOT_CONNECTED".into()),
                at(8, 5),
                Some(at(8, 0))
            ),
            (
                "ACTIVE".into(),
                Some("CONNECTED".into()),
                at(8, 10),
                Some(at(8, 5))
            ),
        ]
    );
    assert!(a.is_open() && a.ended_after.is_none());
    assert_eq!((a.first_seen, a.last_seen), (at(8, 0), at(8, 10)));

    // The API user on the same fleet: ended between the last run that saw it and the
    // first that did not.
    let bot = &s.user("svc-report").await[0];
    assert_eq!(bot.authentication_type.as_deref(), Some("API"));
    assert_eq!(
        (bot.ended_after, bot.ended_before),
        (Some(at(8, 10)), Some(at(8, 15)))
    );
    let (least, most) = bot.duration_bounds().unwrap();
    assert_eq!(
        (least, most),
        (Duration::minutes(11), Duration::minutes(16))
    );

    // Open sessions per fleet: the sparse index holds only what still runs.
    let open_desk: Vec<String> = s
        .store
        .open_sessions(&target(), "desk")
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.session_id)
        .collect();
    assert_eq!(open_desk, ["s-alice"]);
    let mut open_shared: Vec<String> = s
        .store
        .open_sessions(&target(), "shared")
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.session_id)
        .collect();
    open_shared.sort();
    assert_eq!(open_shared, ["s-carol", "s-dave", "s-erin"]);

    // By fleet: every session that ran on it, open or not, oldest first.
    let desk: Vec<String> = s
        .of(SessionsOf::Fleet {
            target: target(),
            fleet: "desk".into(),
        })
        .await
        .into_iter()
        .map(|r| r.session_id)
        .collect();
    assert_eq!(desk, ["s-alice", "s-bot"]);

    // Multi-session: bob, carol and dave shared one instance; erin got another.
    let bob = &s.user("bob@example.com").await[0];
    let instance = bob
        .instance_id
        .clone()
        .expect("multi-session sessions carry InstanceId");
    let on_instance: Vec<String> = s
        .of(SessionsOf::Instance {
            target: target(),
            instance: instance.clone(),
        })
        .await
        .into_iter()
        .map(|r| r.session_id)
        .collect();
    assert_eq!(on_instance, ["s-bob", "s-carol", "s-dave"]);
    let erin = &s.user("erin@example.com").await[0];
    assert_ne!(erin.instance_id.as_ref(), Some(&instance));

    // Snapshots: one per change of load, with the packing against MaxSessionsPerInstance.
    let shared = s.snapshots("shared").await;
    let times: Vec<DateTime<Utc>> = shared.iter().map(|x| x.time).collect();
    assert_eq!(times, [at(8, 0), at(8, 5), at(8, 10), at(8, 15)]);
    let full = &shared[1];
    assert_eq!(full.max_sessions_per_instance, Some(3));
    assert_eq!(full.instances[&instance].sessions, 3);
    assert_eq!(full.peak_sessions_per_instance, 3);
    assert_eq!(full.capacity.active_user_sessions, Some(3));
    assert_eq!(full.capacity.available_user_sessions, Some(3));
    assert_eq!(full.instances[&instance].busy_since, at(8, 0));
    let spread = &shared[2];
    assert_eq!(spread.instances.len(), 2);
    assert!((spread.average_sessions_per_instance - 2.0).abs() < 1e-9);
    let after = &shared[3];
    assert_eq!(after.instances[&instance].sessions, 2);
    assert_eq!(
        after.instances[&instance].busy_since,
        at(8, 0),
        "no break: busy since 08:00"
    );

    // A time range starts with the snapshot in force at its start.
    let ranged = s
        .store
        .snapshots(&target(), "shared", Some(at(8, 7)), Some(at(8, 12)))
        .await
        .unwrap();
    let times: Vec<DateTime<Utc>> = ranged.iter().map(|x| x.time).collect();
    assert_eq!(times, [at(8, 5), at(8, 10)]);

    // Sessions by user in a time range: bob's ended by 08:15.
    let ranged = s
        .store
        .sessions(&SessionQuery {
            of: SessionsOf::Fleet {
                target: target(),
                fleet: "shared".into(),
            },
            since: Some(at(8, 16)),
            until: None,
        })
        .await
        .unwrap();
    let ids: Vec<&str> = ranged.iter().map(|r| r.session_id.as_str()).collect();
    assert_eq!(ids, ["s-carol", "s-dave", "s-erin"]);

    // Items expire by the retention: TTL on sessions and snapshots.
    assert_eq!(bot.ttl, (at(8, 15) + Duration::days(400)).timestamp());
    assert_eq!(shared[0].ttl, (at(8, 0) + Duration::days(400)).timestamp());
}

#[tokio::test]
async fn overlapping_and_repeated_runs_change_nothing() {
    let s = start(scenario(), Policy::builtin()).await;
    s.start_session("s-1", "u1", "desk", "API", at(7, 50));
    s.run(at(8, 0)).await;
    s.patch("s-1", json!({"ConnectionState": "NOT_CONNECTED"}));
    s.run(at(8, 5)).await;
    let before = s.user("u1").await;

    // The same run again (a redelivered schedule): nothing to write.
    let again = s.run(at(8, 5)).await;
    assert_eq!(again.writes.items, 0, "{again:?}");
    // A run that started earlier and finishes late (overlap): it neither rewrites nor
    // closes what the later run recorded, and does not move the bookkeeping back.
    s.end("s-1");
    let late = s.run(at(8, 3)).await;
    assert_eq!((late.changed, late.closed), (0, 0));
    assert_eq!(s.user("u1").await, before);
    let state = s.store.recorder_state(&target()).await.unwrap().unwrap();
    assert_eq!(state.last_run, at(8, 5));
}

#[tokio::test]
async fn session_rules_alert_through_the_finding_store_and_resolve() {
    let s = start(scenario(), Policy::builtin()).await;
    let wait = StdDuration::from_secs(2);
    // The fleet has an open HIGH finding (as the fleet-auditor would have stored it).
    let key = ResourceKey::new(&target(), ResourceType::Fleet, "desk");
    let finding = StoredFinding {
        severity: Severity::High,
        title: "Fleet has default internet access".into(),
        message: "EnableDefaultInternetAccess is true".into(),
        remediation: "Turn it off".into(),
        opened_at: at(7, 0),
        source: "described".into(),
    };
    let state = ResourceState::new(
        &key,
        BTreeMap::from([("FLEET-INTERNET-ACCESS".to_owned(), finding)]),
        1,
        at(7, 0),
    );
    assert_eq!(
        s.store.commit(&state, None, &[]).await.unwrap(),
        Commit::Written
    );

    // A session that started 8 h 20 min ago on an 8 h fleet, on the non-compliant fleet.
    s.start_session("s-long", "night@example.com", "desk", "SAML", at(0, 0));
    let run = s.run(at(8, 20)).await;
    assert_eq!((run.finding_commits, run.alerts), (1, 1));
    let alerts = s.local.inbox().receive_at_least(1, wait).await;
    assert_eq!(alerts.len(), 1);
    let alert = &alerts[0];
    let rules = alert
        .attributes
        .get("rule_ids")
        .cloned()
        .unwrap_or_default();
    assert!(rules.contains("SESSION-OVER-MAX-DURATION"), "{rules}");
    assert!(rules.contains("SESSION-ON-NONCOMPLIANT-FLEET"), "{rules}");
    assert_eq!(
        alert.attributes.get("resource_type").map(String::as_str),
        Some("session")
    );
    assert_eq!(
        alert.attributes.get("fleet").map(String::as_str),
        Some("desk")
    );
    assert!(alert.message.contains("s-long"), "{}", alert.message);
    assert!(
        !alert.message.contains("night@example.com")
            && !alert
                .subject
                .clone()
                .unwrap_or_default()
                .contains("night@example.com"),
        "user IDs stay out of alerts"
    );

    // Unchanged on the next run: no alert.
    let quiet = s.run(at(8, 25)).await;
    assert_eq!(quiet.alerts, 0);
    assert!(s.local.inbox().receive_all(wait).await.is_empty());

    // The session ends: both findings resolve, one alert says so.
    s.end("s-long");
    let resolved = s.run(at(8, 30)).await;
    assert_eq!(resolved.alerts, 1);
    let alerts = s.local.inbox().receive_at_least(1, wait).await;
    assert_eq!(
        alerts[0].attributes.get("change").map(String::as_str),
        Some("resolved")
    );
    let key = ResourceKey::new(&target(), ResourceType::Session, "desk");
    let stored = s.store.state(&key).await.unwrap().unwrap();
    assert!(stored.findings.is_empty());
    let history = s.store.history(&key, None).await.unwrap();
    assert_eq!(history.len(), 4, "2 opened, 2 resolved");
    // The fleet's own finding is the fleet-auditor's business: untouched.
    let fleet = s
        .store
        .state(&ResourceKey::new(&target(), ResourceType::Fleet, "desk"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(fleet.version, 1);
}

#[tokio::test]
async fn a_deleted_fleet_closes_its_sessions() {
    let s = start(scenario(), Policy::builtin()).await;
    s.start_session("s-1", "u1", "shared", "API", at(7, 55));
    s.run(at(8, 0)).await;
    s.local.sim().remove_fleet("shared").unwrap();
    let run = s.run(at(8, 5)).await;
    assert_eq!(run.closed, 1);
    let r = &s.user("u1").await[0];
    assert_eq!(
        (r.ended_after, r.ended_before),
        (Some(at(8, 0)), Some(at(8, 5)))
    );
    assert!(
        s.store
            .open_sessions(&target(), "shared")
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn an_instance_put_in_drain_mode_is_recorded_and_counted() {
    let s = start(scenario(), Policy::builtin()).await;
    s.start_session("s-1", "u1", "shared", "SAML", at(7, 50));
    s.start_session("s-2", "u2", "shared", "API", at(7, 55));
    s.run(at(8, 0)).await;
    let before = s.user("u1").await;
    assert_eq!(before[0].instance_drain_status.as_deref(), Some("ACTIVE"));

    // An administrator drains the instance of s-1 (DrainSessionInstance, 2026-04).
    let appstream = aws_sdk_appstream::Client::new(&s.local.appstream_sdk_config());
    appstream
        .drain_session_instance()
        .session_id("s-1")
        .send()
        .await
        .unwrap();
    let run = s.run(at(8, 5)).await;
    assert!(run.changed >= 1, "{run:?}");
    let draining = &s.user("u1").await[0];
    assert_eq!(draining.instance_drain_status.as_deref(), Some("DRAINING"));
    assert_eq!(
        draining.changes.len(),
        1,
        "drain mode is the instance's, not a new session state"
    );
    let snapshot = s.snapshots("shared").await.pop().unwrap();
    assert_eq!(snapshot.draining_instances(), 1);
    assert_eq!(snapshot.capacity.draining, Some(1));
    assert!(snapshot.instances.values().any(|l| l.draining));
}

/// Plays the same busy morning on a stack: 40 sessions on one fleet (two batches), then
/// 10 end and 5 disconnect.
async fn busy_morning(s: &Stack, arm: impl Fn(&Stack)) -> Vec<SessionRecord> {
    for i in 0..40 {
        s.start_session(
            &format!("s-{i:02}"),
            &format!("user{i:02}"),
            "desk",
            "SAML",
            at(7, 30),
        );
    }
    s.start_session("s-shared", "x", "shared", "API", at(7, 40));
    arm(s);
    s.run(at(8, 0)).await;
    for i in 0..10 {
        s.end(&format!("s-{i:02}"));
    }
    for i in 10..15 {
        s.patch(
            &format!("s-{i:02}"),
            json!({"ConnectionState": "NOT_CONNECTED"}),
        );
    }
    arm(s);
    s.run(at(8, 5)).await;
    let mut all = s
        .of(SessionsOf::Fleet {
            target: target(),
            fleet: "desk".into(),
        })
        .await;
    all.extend(
        s.of(SessionsOf::Fleet {
            target: target(),
            fleet: "shared".into(),
        })
        .await,
    );
    all
}

#[tokio::test]
async fn throttling_and_unprocessed_batch_items_lose_nothing() {
    let clean = start(scenario(), Policy::builtin()).await;
    let expected = busy_morning(&clean, |_| {}).await;
    assert_eq!(expected.len(), 41);
    assert_eq!(expected.iter().filter(|r| !r.is_open()).count(), 10);

    let faulty = start_with(scenario(), Policy::builtin(), true).await;
    faulty
        .local
        .sim()
        .set_faults(vec![FaultRule {
            throttle_every: Some(3),
            operations: vec!["DescribeSessions".into(), "DescribeFleets".into()],
            ..FaultRule::default()
        }])
        .unwrap();
    let recorded = busy_morning(&faulty, |s| {
        let proxy = s.local.ddb_proxy().unwrap();
        // Every batch of the run keeps only 7 of its items at first, and the table
        // throttles reads and writes now and then.
        proxy.unprocess_batch_writes(4, 7);
        proxy.throttle("BatchWriteItem", 1);
        proxy.throttle("Query", 2);
    })
    .await;
    assert_eq!(recorded, expected, "the same history as without faults");

    let stats = faulty.local.ddb_proxy().unwrap().stats();
    assert!(stats.unprocessed_items >= 20, "{stats:?}");
    assert!(stats.throttled >= 3, "{stats:?}");
    let calls = faulty.local.sim().calls();
    assert!(
        calls
            .iter()
            .any(|c| c.error.as_deref() == Some("ThrottlingException")),
        "the simulator throttled"
    );
}
