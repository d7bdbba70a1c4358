//! The digest against moto server: a seeded day of findings, sessions and snapshots,
//! written through the store's own code, read back by `build`, published to SNS and
//! received from an SQS queue subscribed to the topic; and the function's own handler
//! in organisation mode, with the member accounts (and their names) from moto's
//! Organizations.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use lambda_runtime::{Context, LambdaEvent};
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Duration as StdDuration;
use streamwarden::alert::AlertPublisher;
use streamwarden::aws::{DynamoStore, MemberAccess, SnsPublisher};
use streamwarden::digest::{build, render};
use streamwarden::finding::{ResourceType, Severity};
use streamwarden::model::{Fleet, Origin, Session};
use streamwarden::org::Governed;
use streamwarden::services::session_recorder::{observe, snapshot};
use streamwarden::store::sessions::{CapacitySnapshot, RecorderState, SessionItem};
use streamwarden::store::{
    Commit, FindingStore, HistoryRecord, ResourceKey, ResourceState, SessionStore, StoredFinding,
    Target, TriggerRecord,
};
use streamwarden_harness::{LocalStack, MOTO_ACCOUNT_ID};

#[allow(dead_code)]
#[path = "../src/handler.rs"]
mod handler;

const REGION: &str = "eu-west-1";
const ACCOUNT: &str = "123456789012";

fn target() -> Target {
    Target::new(ACCOUNT, REGION)
}

fn at(d: u32, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap()
}

fn session(
    id: &str,
    user: &str,
    fleet: &str,
    start: DateTime<Utc>,
    instance: Option<&str>,
) -> Session {
    Session {
        id: id.into(),
        user_id: user.into(),
        stack_name: "office".into(),
        fleet_name: fleet.into(),
        state: "ACTIVE".into(),
        connection_state: Some("CONNECTED".into()),
        start_time: Some(start),
        max_expiration_time: None,
        authentication_type: Some("SAML".into()),
        instance_id: instance.map(str::to_owned),
        instance_drain_status: None,
        source: Default::default(),
    }
}

fn fleet(name: &str, max_sessions: Option<i64>, running: i64, available: i64) -> Fleet {
    let mut f = Fleet::new(name, Origin::Described, Default::default());
    f.state = Some("RUNNING".into());
    f.max_sessions_per_instance = max_sessions.into();
    f.compute_capacity_status = Some(streamwarden::model::ComputeCapacityStatus {
        desired: Some(running),
        running: Some(running),
        in_use: Some(running - available),
        available: Some(available),
        ..Default::default()
    });
    f
}

/// Two recorder runs over three fleets, written as the recorder writes them.
async fn record(store: &DynamoStore, runs: &[(DateTime<Utc>, Vec<Session>)]) {
    let keep = Duration::days(400);
    let fleets = [
        fleet("desk", None, 4, 2),
        fleet("shared", Some(4), 1, 0),
        fleet("idle", None, 2, 2),
    ];
    let mut previous: Option<DateTime<Utc>> = None;
    for (time, seen) in runs {
        for f in &fleets {
            let mine: Vec<Session> = seen
                .iter()
                .filter(|s| s.fleet_name == f.name)
                .cloned()
                .collect();
            let open = store.open_sessions(&target(), &f.name).await.unwrap();
            let observed = observe(&target(), &f.name, &mine, open, true, previous, *time, keep);
            let last = store
                .latest_snapshot(&target(), &f.name, None)
                .await
                .unwrap();
            let (snap, write): (CapacitySnapshot, bool) =
                snapshot(&target(), f, &observed.open, last.as_ref(), *time, keep);
            let mut items: Vec<SessionItem> = observed
                .writes
                .into_iter()
                .map(SessionItem::Session)
                .collect();
            if write {
                items.push(SessionItem::Snapshot(snap));
            }
            store.write(&items).await.unwrap();
        }
        let mut state = RecorderState::new(&target(), *time);
        state.fleets = fleets.iter().map(|f| f.name.clone()).collect();
        store.save_recorder_state(&state).await.unwrap();
        previous = Some(*time);
    }
}

fn trigger(time: DateTime<Utc>) -> TriggerRecord {
    TriggerRecord {
        kind: "schedule".into(),
        id: format!("sweep-{}", time.timestamp()),
        time,
        event_name: None,
        principal: None,
        source_ip: None,
    }
}

/// A finding state with its history item, as the fleet-auditor commits them.
#[allow(clippy::too_many_arguments)]
async fn finding(
    store: &DynamoStore,
    target: &Target,
    kind: ResourceType,
    name: &str,
    rule: &str,
    severity: Severity,
    opened: DateTime<Utc>,
    open: bool,
) {
    let key = ResourceKey::new(target, kind, name);
    let stored = StoredFinding {
        severity,
        title: format!("{rule} title"),
        message: format!("{rule} message"),
        remediation: "fix it".into(),
        opened_at: opened,
        source: "described".into(),
    };
    let findings = if open {
        BTreeMap::from([(rule.to_owned(), stored)])
    } else {
        BTreeMap::new()
    };
    let version = store.state(&key).await.unwrap().map(|s| s.version);
    let state = ResourceState::new(&key, findings, version.unwrap_or(0) + 1, opened);
    let t = trigger(opened);
    let mut history = HistoryRecord {
        pk: key.pk(),
        sk: HistoryRecord::sort_key(&t, rule),
        rule_id: rule.into(),
        change: if open { "opened" } else { "resolved" }.into(),
        severity,
        previous_severity: None,
        message: format!("{rule} message"),
        trigger: t,
        ttl: 0,
        gsi2_pk: None,
        gsi2_sk: None,
    };
    history.index_by_day(target);
    assert_eq!(
        store.commit(&state, version, &[history]).await.unwrap(),
        Commit::Written
    );
}

#[tokio::test]
async fn a_seeded_day_becomes_one_digest_delivered_through_sns() {
    let stack = LocalStack::start().await;
    let store = DynamoStore::new(stack.dynamodb(), stack.table());
    let (since, until) = (at(26, 7, 0), at(27, 7, 0));

    // Findings: one opened three days ago (still open), one opened and one resolved in
    // the period, one change before it.
    finding(
        &store,
        &target(),
        ResourceType::Fleet,
        "desk",
        "FLEET-INTERNET-ACCESS",
        Severity::High,
        at(24, 7, 0),
        true,
    )
    .await;
    finding(
        &store,
        &target(),
        ResourceType::Stack,
        "office",
        "STACK-CLIPBOARD",
        Severity::Medium,
        at(26, 9, 0),
        true,
    )
    .await;
    finding(
        &store,
        &target(),
        ResourceType::Stack,
        "office",
        "STACK-CLIPBOARD",
        Severity::Medium,
        at(26, 15, 0),
        false,
    )
    .await;
    finding(
        &store,
        &target(),
        ResourceType::Fleet,
        "shared",
        "FLEET-IMDSV1",
        Severity::Medium,
        at(26, 10, 0),
        true,
    )
    .await;

    // Sessions: on desk, one before the period only, one that ended in it, one still
    // open; on shared, three users packed on one instance.
    let early = session("s-early", "early@example.com", "desk", at(26, 1, 0), None);
    let a = session("s-a", "a@example.com", "desk", at(26, 8, 0), None);
    let b = session("s-b", "b@example.com", "desk", at(26, 9, 0), None);
    let packed: Vec<Session> = ["p1", "p2", "p3"]
        .iter()
        .map(|u| {
            session(
                &format!("s-{u}"),
                &format!("{u}@example.com"),
                "shared",
                at(26, 8, 30),
                Some("i-0aa"),
            )
        })
        .collect();
    let mut run1 = vec![early.clone(), a.clone(), b.clone()];
    run1.extend(packed.clone());
    let mut run2 = vec![b.clone()];
    run2.extend(packed.clone());
    record(
        &store,
        &[
            (at(26, 2, 0), vec![early]),
            (at(26, 10, 0), run1),
            (at(26, 12, 0), run2.clone()),
            (at(27, 6, 0), run2),
        ],
    )
    .await;

    let digest = build(&store, "123456789012", &[target()], since, until, until)
        .await
        .expect("every region's open findings are readable");
    let region = &digest.regions[0];
    assert!(region.errors.is_empty(), "{:?}", region.errors);

    // Open findings, most severe first, with their age at the end of the period.
    let open: Vec<(&str, &str, i64)> = region
        .open
        .iter()
        .map(|f| (f.resource.as_str(), f.rule_id.as_str(), f.age_hours))
        .collect();
    assert_eq!(
        open,
        [
            ("desk", "FLEET-INTERNET-ACCESS", 72),
            ("shared", "FLEET-IMDSV1", 21)
        ]
    );
    assert_eq!(region.open_by_severity[&Severity::High], 1);
    assert_eq!(region.open_by_severity[&Severity::Critical], 0);

    // Changes in the period only: the clipboard finding opened and resolved, IMDSv1 opened.
    let changes: Vec<(&str, &str)> = region
        .changes
        .iter()
        .map(|c| (c.rule_id.as_str(), c.change.as_str()))
        .collect();
    assert_eq!(
        changes,
        [
            ("STACK-CLIPBOARD", "opened"),
            ("FLEET-IMDSV1", "opened"),
            ("STACK-CLIPBOARD", "resolved")
        ]
    );

    // Usage.
    let fleet = |name: &str| region.fleets.iter().find(|f| f.fleet == name).unwrap();
    let desk = fleet("desk");
    assert_eq!(
        (desk.sessions, desk.unique_users),
        (3, 3),
        "early ran into the period"
    );
    // Within the period: early from 07:00 to between 10:00 and 12:00 (3..5 h); a from
    // 08:00, same bounds (2..4 h); b from 09:00, still open: seen at 06:00, at most
    // until 07:00 (21..22 h).
    assert!(
        (desk.session_hours_min - 26.0).abs() < 1e-9,
        "{}",
        desk.session_hours_min
    );
    assert!(
        (desk.session_hours_max - 31.0).abs() < 1e-9,
        "{}",
        desk.session_hours_max
    );
    assert_eq!(
        (desk.peak_concurrent, desk.peak_at),
        (3, Some(at(26, 10, 0)))
    );
    assert_eq!(desk.headroom_now, Some(0.5));
    assert!(!desk.idle);
    let shared = fleet("shared");
    assert_eq!(shared.max_sessions_per_instance, Some(4));
    assert_eq!(shared.peak_sessions_per_instance, Some(3));
    assert_eq!(shared.average_sessions_per_instance, Some(3.0));
    let idle = fleet("idle");
    assert!(idle.idle && idle.sessions == 0);
    assert_eq!(
        idle.series.first().map(|p| p.time),
        Some(since),
        "in force at the start"
    );

    // Published as one SNS message, received as subscribers receive it.
    let alert = render::message(&digest);
    SnsPublisher::new(stack.sns(), stack.topic_arn())
        .publish(&alert)
        .await
        .unwrap();
    let received = stack
        .inbox()
        .receive_at_least(1, StdDuration::from_secs(3))
        .await;
    assert_eq!(received.len(), 1);
    let n = &received[0];
    assert_eq!(n.attributes.get("kind").map(String::as_str), Some("digest"));
    assert_eq!(
        n.attributes.get("severity").map(String::as_str),
        Some("HIGH")
    );
    assert!(n.message.contains("idle"), "{}", n.message);
    assert!(
        !n.message.contains("@example.com"),
        "no user IDs in the digest"
    );
}

/// Two members of a moto organisation with findings, and an account the table still
/// holds a finding of that is no longer governed: one organisation digest, the larger
/// member first, each named as Organizations names it, the third flagged not audited.
#[tokio::test]
async fn the_function_sends_one_organisation_digest_with_a_section_per_account() {
    let stack = LocalStack::start().await;
    let members = stack.moto().organization(2);
    let (small, large) = (&members[0], &members[1]);
    let gone = "444444444444";
    let store = DynamoStore::new(stack.dynamodb(), stack.table());
    let in_period = at(26, 9, 0);
    for (account, rules) in [
        (&small.0, &["FLEET-INTERNET-ACCESS"][..]),
        (
            &large.0,
            &["FLEET-INTERNET-ACCESS", "FLEET-IMDSV1", "FLEET-IAM-ROLE"][..],
        ),
        (&gone.to_owned(), &["FLEET-IMDSV1"][..]),
    ] {
        for (i, rule) in rules.iter().enumerate() {
            let target = Target::new(account, REGION);
            let fleet = format!("fleet-{i}");
            finding(
                &store,
                &target,
                ResourceType::Fleet,
                &fleet,
                rule,
                Severity::High,
                in_period,
                true,
            )
            .await;
        }
    }

    let publisher = SnsPublisher::new(stack.sns(), stack.topic_arn());
    let function = handler::DigestFunction {
        store,
        publisher,
        regions: vec![REGION.to_owned()],
        members: Some(MemberAccess::new(
            &stack.sdk_config(),
            MOTO_ACCOUNT_ID,
            Governed::Organization { units: Vec::new() },
            Some("StreamwardenMember".to_owned()),
            "compliance-digest",
        )),
    };
    let event = json!({
        "version": "0",
        "id": "digest-1",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": MOTO_ACCOUNT_ID,
        "time": "2026-11-27T07:00:00Z",
        "region": REGION,
        "resources": ["arn:aws:events:eu-west-1:123456789012:rule/streamwarden-digest"],
        "detail": {}
    });
    let out = handler::handle(&function, LambdaEvent::new(event, Context::default()))
        .await
        .expect("digest sent");
    assert_eq!(out["open_findings"], 5);
    // The same listing names the accounts for alerts (what the auditor's alerts read).
    let names = function.members.as_ref().unwrap().account_names();
    assert_eq!(names.get(&large.0).as_deref(), Some(large.1.as_str()));
    assert_eq!(names.get(gone), None);
    assert_eq!(out["not_audited"], json!([gone]));

    let received = stack
        .inbox()
        .receive_at_least(1, StdDuration::from_secs(3))
        .await;
    assert_eq!(received.len(), 1, "one organisation digest");
    let n = &received[0];
    assert_eq!(
        n.attributes.get("not_audited").map(String::as_str),
        Some("1")
    );
    // The management account (the deployment's own) and both members, and the one gone.
    assert_eq!(n.attributes.get("accounts").map(String::as_str), Some("4"));
    let text = &n.message;
    let heading = |account: &str| {
        text.find(&format!("## Account {account}"))
            .unwrap_or_else(|| panic!("no heading for {account} in:\n{text}"))
    };
    assert!(
        text.contains(&format!("## Account {} ({}) #", large.0, large.1)),
        "{text}"
    );
    assert!(text.contains(&format!("## Account {} ({}) #", small.0, small.1)));
    assert!(text.contains(&format!("## Account {gone} NOT AUDITED #")));
    assert!(heading(&large.0) < heading(&small.0), "largest first");
    assert!(heading(&small.0) < heading(gone));
    assert!(
        heading(gone) < heading(MOTO_ACCOUNT_ID),
        "nothing open: last"
    );
    assert!(text.contains("Not audited: this account is no longer governed."));
    assert!(!text.contains("@example.com"), "no e-mail addresses");
}
