use super::*;
use crate::finding::ResourceType;
use crate::model::Observation;
use crate::policy::rules::testing::{described, policy};
use crate::policy::{Check, evaluate_sessions};
use chrono::{Duration, TimeZone};
use serde_json::json;

/// Every session belongs to this user: no message may name it.
const USER: &str = "alice@example.com";
const FLEET: &str = "analytics";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 8, 0, 0).unwrap()
}

fn ago(seconds: i64) -> DateTime<Utc> {
    now() - Duration::seconds(seconds)
}

fn fleet(extra: serde_json::Value) -> Fleet {
    let mut body = json!({"Name": FLEET, "FleetType": "ALWAYS_ON", "State": "RUNNING"});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    described(body)
}

/// An open session first seen (and so observed) a day ago.
fn record(
    id: &str,
    state: &str,
    connection: Option<&str>,
    start_time: Option<DateTime<Utc>>,
) -> TrackedSession {
    TrackedSession {
        session_id: id.to_owned(),
        state: state.to_owned(),
        connection_state: connection.map(str::to_owned),
        start_time,
        changes: vec![observation(state, connection, ago(24 * 3600))],
    }
}

fn observation(state: &str, connection: Option<&str>, seen: DateTime<Utc>) -> Observation {
    Observation {
        state: state.to_owned(),
        connection_state: connection.map(str::to_owned),
        seen,
        after: None,
    }
}

/// A session with this history of (state, connection, seen); the last is current.
fn history(id: &str, changes: &[(&str, Option<&str>, DateTime<Utc>)]) -> TrackedSession {
    let (state, connection, _) = *changes.last().unwrap();
    let mut r = record(id, state, connection, Some(ago(2 * 3600)));
    r.changes = changes
        .iter()
        .map(|(s, c, seen)| observation(s, *c, *seen))
        .collect();
    r
}

fn load(sessions: u32, active: u32, busy_since: DateTime<Utc>) -> InstanceLoad {
    InstanceLoad {
        sessions,
        active,
        busy_since,
        draining: false,
    }
}

fn instances(loads: &[(&str, InstanceLoad)]) -> BTreeMap<String, InstanceLoad> {
    loads
        .iter()
        .map(|(id, l)| ((*id).to_owned(), l.clone()))
        .collect()
}

fn view<'a>(
    fleet: &'a Fleet,
    sessions: &'a [TrackedSession],
    instances: &'a BTreeMap<String, InstanceLoad>,
) -> SessionView<'a> {
    SessionView {
        fleet,
        sessions,
        instances,
        fleet_finding: None,
        now: now(),
    }
}

/// Runs one session rule: the failure message, or `None` when it complies.
fn check(rule: &Rule, policy: &Policy, view: &SessionView<'_>) -> Option<String> {
    let Check::Session(check) = rule.check else {
        panic!("{} is not a session rule", rule.id)
    };
    let message = check(policy, view).unwrap();
    if let Some(m) = &message {
        assert!(!m.contains(USER), "{}: user ID in {m:?}", rule.id);
        assert!(!m.contains("alice"), "{}: user ID in {m:?}", rule.id);
    }
    message
}

// SESSION-INSTANCE-OVERPACKED

#[test]
fn overpacked_counts_active_sessions_against_max_sessions_per_instance() {
    let p = Policy::builtin();
    let since = ago(3600);
    for (mspi, sessions, active, fails) in [
        // Single-session: MaxSessionsPerInstance absent or 1.
        (json!(null), 1, 1, false),
        (json!(null), 2, 2, true),
        (json!(1), 1, 1, false),
        (json!(1), 2, 2, true),
        // Non-ACTIVE sessions (PENDING, EXPIRED) do not count.
        (json!(null), 3, 1, false),
        (json!(1), 2, 0, false),
        // Multi-session, limit 4: the limit itself complies.
        (json!(4), 3, 3, false),
        (json!(4), 4, 4, false),
        (json!(4), 5, 5, true),
        (json!(4), 6, 4, false),
        (json!(4), 6, 5, true),
    ] {
        let f = fleet(json!({"MaxSessionsPerInstance": mspi}));
        let loads = instances(&[
            ("i-0aaa", load(sessions, active, since)),
            ("i-0bbb", load(1, 1, since)),
        ]);
        let v = view(&f, &[], &loads);
        assert_eq!(
            check(&SESSION_INSTANCE_OVERPACKED, &p, &v).is_some(),
            fails,
            "MaxSessionsPerInstance {mspi}, {sessions} sessions, {active} active"
        );
    }
}

#[test]
fn overpacked_names_the_instances_and_their_active_sessions() {
    let p = Policy::builtin();
    let f = fleet(json!({"MaxSessionsPerInstance": 4}));
    let loads = instances(&[
        ("i-0aaa", load(5, 5, ago(60))),
        ("i-0bbb", load(4, 4, ago(60))),
        ("i-0ccc", load(7, 6, ago(60))),
    ]);
    assert_eq!(
        check(&SESSION_INSTANCE_OVERPACKED, &p, &view(&f, &[], &loads)).as_deref(),
        Some("2 instances over MaxSessionsPerInstance 4: i-0aaa (5 active), i-0ccc (6 active)")
    );
    let f = fleet(json!({}));
    let loads = instances(&[("i-0aaa", load(2, 2, ago(60)))]);
    assert_eq!(
        check(&SESSION_INSTANCE_OVERPACKED, &p, &view(&f, &[], &loads)).as_deref(),
        Some("1 instance over MaxSessionsPerInstance 1: i-0aaa (2 active)")
    );
}

#[test]
fn overpacked_names_five_instances_then_counts_the_rest() {
    let p = Policy::builtin();
    let f = fleet(json!({}));
    let ids: Vec<String> = (1..=7).map(|i| format!("i-{i:04}")).collect();
    let loads: BTreeMap<String, InstanceLoad> = ids
        .iter()
        .map(|id| (id.clone(), load(2, 2, ago(60))))
        .collect();
    assert_eq!(
        check(&SESSION_INSTANCE_OVERPACKED, &p, &view(&f, &[], &loads)).as_deref(),
        Some(
            "7 instances over MaxSessionsPerInstance 1: i-0001 (2 active), i-0002 (2 active), \
             i-0003 (2 active), i-0004 (2 active), i-0005 (2 active) and 2 more"
        )
    );
    let five: BTreeMap<String, InstanceLoad> = loads.into_iter().take(5).collect();
    let message = check(&SESSION_INSTANCE_OVERPACKED, &p, &view(&f, &[], &five)).unwrap();
    assert!(message.ends_with("i-0005 (2 active)"), "{message}");
    assert!(!message.contains("more"), "{message}");
}

// SESSION-OVER-MAX-DURATION

#[test]
fn over_max_duration_allows_max_user_duration_plus_grace() {
    let default = Policy::builtin();
    let no_grace = policy("[session]\nmax_duration_grace_seconds = 0\n");
    let long_grace = policy("[session]\nmax_duration_grace_seconds = 3600\n");
    let f = fleet(json!({"MaxUserDurationInSeconds": 3600}));
    for (p, name, age, fails) in [
        // 3600 + 600 s grace.
        (&default, "default", 60, false),
        (&default, "default", 4200, false),
        (&default, "default", 4201, true),
        (&default, "default", 3 * 86400, true),
        (&no_grace, "grace 0", 3600, false),
        (&no_grace, "grace 0", 3601, true),
        (&long_grace, "grace 3600", 7200, false),
        (&long_grace, "grace 3600", 7201, true),
    ] {
        let sessions = vec![record("s-1", "ACTIVE", Some("CONNECTED"), Some(ago(age)))];
        let loads = BTreeMap::new();
        assert_eq!(
            check(&SESSION_OVER_MAX_DURATION, p, &view(&f, &sessions, &loads)).is_some(),
            fails,
            "{name}, started {age} s ago"
        );
    }
}

#[test]
fn over_max_duration_skips_what_it_cannot_judge() {
    let p = Policy::builtin();
    let loads = BTreeMap::new();
    let old = ago(10 * 86400);
    // No MaxUserDurationInSeconds: nothing to compare with.
    let f = fleet(json!({}));
    let sessions = vec![record("s-1", "ACTIVE", Some("CONNECTED"), Some(old))];
    assert_eq!(
        check(&SESSION_OVER_MAX_DURATION, &p, &view(&f, &sessions, &loads)),
        None
    );
    let f = fleet(json!({"MaxUserDurationInSeconds": 3600}));
    for (state, start) in [
        // No StartTime: not counted (first_seen is not a start).
        ("ACTIVE", None),
        ("PENDING", None),
        // EXPIRED: already ended by AppStream.
        ("EXPIRED", Some(old)),
    ] {
        let sessions = vec![record("s-1", state, Some("NOT_CONNECTED"), start)];
        assert_eq!(
            check(&SESSION_OVER_MAX_DURATION, &p, &view(&f, &sessions, &loads)),
            None,
            "{state} {start:?}"
        );
    }
    // PENDING with a StartTime counts like any state but EXPIRED.
    let sessions = vec![record("s-1", "PENDING", None, Some(old))];
    assert!(check(&SESSION_OVER_MAX_DURATION, &p, &view(&f, &sessions, &loads)).is_some());
}

#[test]
fn over_max_duration_message_names_sessions_and_their_age() {
    let p = Policy::builtin();
    let f = fleet(json!({"MaxUserDurationInSeconds": 3600}));
    let loads = BTreeMap::new();
    let sessions = vec![
        record("s-1", "ACTIVE", Some("CONNECTED"), Some(ago(4201))),
        record("s-2", "ACTIVE", Some("CONNECTED"), Some(ago(4200))),
        record(
            "s-3",
            "ACTIVE",
            Some("NOT_CONNECTED"),
            Some(ago(2 * 3600 + 5 * 60)),
        ),
        record("s-4", "EXPIRED", Some("NOT_CONNECTED"), Some(ago(9 * 3600))),
    ];
    assert_eq!(
        check(&SESSION_OVER_MAX_DURATION, &p, &view(&f, &sessions, &loads)).as_deref(),
        Some(
            "2 sessions past MaxUserDurationInSeconds 1 h + 10 min grace: \
             s-1 (1 h 10 min), s-3 (2 h 05 min)"
        )
    );
    let sessions = vec![record("s-1", "ACTIVE", Some("CONNECTED"), Some(ago(4201)))];
    assert_eq!(
        check(&SESSION_OVER_MAX_DURATION, &p, &view(&f, &sessions, &loads)).as_deref(),
        Some("1 session past MaxUserDurationInSeconds 1 h + 10 min grace: s-1 (1 h 10 min)")
    );
}

#[test]
fn over_max_duration_names_five_sessions_then_counts_the_rest() {
    let p = Policy::builtin();
    let f = fleet(json!({"MaxUserDurationInSeconds": 3600}));
    let loads = BTreeMap::new();
    let sessions: Vec<TrackedSession> = (1..=8)
        .map(|i| {
            record(
                &format!("s-{i}"),
                "ACTIVE",
                Some("CONNECTED"),
                Some(ago(5 * 3600)),
            )
        })
        .collect();
    assert_eq!(
        check(&SESSION_OVER_MAX_DURATION, &p, &view(&f, &sessions, &loads)).as_deref(),
        Some(
            "8 sessions past MaxUserDurationInSeconds 1 h + 10 min grace: \
             s-1 (5 h 00 min), s-2 (5 h 00 min), s-3 (5 h 00 min), s-4 (5 h 00 min), \
             s-5 (5 h 00 min) and 3 more"
        )
    );
}

// SESSION-STALE-DISCONNECTED

#[test]
fn disconnected_since_is_the_start_of_the_current_not_connected_stretch() {
    let (c, nc) = (Some("CONNECTED"), Some("NOT_CONNECTED"));
    for (name, changes, expected) in [
        (
            "connected now",
            vec![("ACTIVE", nc, ago(600)), ("ACTIVE", c, ago(300))],
            None,
        ),
        (
            "never connected",
            vec![("ACTIVE", nc, ago(600))],
            Some(ago(600)),
        ),
        (
            "disconnected once",
            vec![("ACTIVE", c, ago(900)), ("ACTIVE", nc, ago(600))],
            Some(ago(600)),
        ),
        (
            "a state change inside the stretch does not break it",
            vec![("PENDING", nc, ago(900)), ("ACTIVE", nc, ago(600))],
            Some(ago(900)),
        ),
        (
            "a reconnect resets it",
            vec![
                ("ACTIVE", c, ago(4000)),
                ("ACTIVE", nc, ago(3000)),
                ("ACTIVE", c, ago(2000)),
                ("ACTIVE", nc, ago(1000)),
            ],
            Some(ago(1000)),
        ),
        (
            "no connection state breaks it",
            vec![("PENDING", None, ago(900)), ("ACTIVE", nc, ago(600))],
            Some(ago(600)),
        ),
        (
            "no connection state now",
            vec![("PENDING", None, ago(900))],
            None,
        ),
    ] {
        let r = history("s-1", &changes);
        assert_eq!(r.disconnected_since(), expected, "{name}");
    }
}

#[test]
fn stale_disconnected_allows_disconnect_timeout_plus_grace() {
    let default = Policy::builtin();
    let no_grace = policy("[session]\nstale_disconnected_grace_seconds = 0\n");
    let f = fleet(json!({"DisconnectTimeoutInSeconds": 300}));
    let loads = BTreeMap::new();
    for (p, name, gone, fails) in [
        // 300 + 600 s grace.
        (&default, "default", 60, false),
        (&default, "default", 900, false),
        (&default, "default", 901, true),
        (&no_grace, "grace 0", 300, false),
        (&no_grace, "grace 0", 301, true),
    ] {
        let sessions = vec![history(
            "s-1",
            &[
                ("ACTIVE", Some("CONNECTED"), ago(7200)),
                ("ACTIVE", Some("NOT_CONNECTED"), ago(gone)),
            ],
        )];
        assert_eq!(
            check(&SESSION_STALE_DISCONNECTED, p, &view(&f, &sessions, &loads)).is_some(),
            fails,
            "{name}, disconnected {gone} s ago"
        );
    }
}

#[test]
fn stale_disconnected_uses_the_recorders_observations() {
    let p = Policy::builtin();
    let f = fleet(json!({"DisconnectTimeoutInSeconds": 300}));
    let loads = BTreeMap::new();
    let (c, nc) = (Some("CONNECTED"), Some("NOT_CONNECTED"));
    for (name, changes, fails) in [
        (
            "disconnected 2 h ago, reconnected, disconnected again 10 min ago",
            vec![
                ("ACTIVE", c, ago(3 * 3600)),
                ("ACTIVE", nc, ago(2 * 3600)),
                ("ACTIVE", c, ago(3600)),
                ("ACTIVE", nc, ago(600)),
            ],
            false,
        ),
        (
            "disconnected 2 h ago, never reconnected",
            vec![("ACTIVE", c, ago(3 * 3600)), ("ACTIVE", nc, ago(2 * 3600))],
            true,
        ),
        (
            "connected again",
            vec![("ACTIVE", nc, ago(3 * 3600)), ("ACTIVE", c, ago(60))],
            false,
        ),
        (
            "PENDING sessions do not count",
            vec![("PENDING", nc, ago(3 * 3600))],
            false,
        ),
        (
            "EXPIRED sessions do not count",
            vec![("ACTIVE", c, ago(3 * 3600)), ("EXPIRED", nc, ago(2 * 3600))],
            false,
        ),
    ] {
        let sessions = vec![history("s-1", &changes)];
        assert_eq!(
            check(
                &SESSION_STALE_DISCONNECTED,
                &p,
                &view(&f, &sessions, &loads)
            )
            .is_some(),
            fails,
            "{name}"
        );
    }
    // Without a DisconnectTimeoutInSeconds there is nothing to compare with.
    let f = fleet(json!({}));
    let sessions = vec![history("s-1", &[("ACTIVE", nc, ago(10 * 86400))])];
    assert_eq!(
        check(
            &SESSION_STALE_DISCONNECTED,
            &p,
            &view(&f, &sessions, &loads)
        ),
        None
    );
}

#[test]
fn stale_disconnected_message_names_sessions_and_how_long() {
    let p = Policy::builtin();
    let f = fleet(json!({"DisconnectTimeoutInSeconds": 300}));
    let loads = BTreeMap::new();
    let nc = Some("NOT_CONNECTED");
    let sessions = vec![
        history("s-1", &[("ACTIVE", nc, ago(901))]),
        history("s-2", &[("ACTIVE", nc, ago(900))]),
        history("s-3", &[("ACTIVE", nc, ago(3 * 3600 + 60))]),
    ];
    assert_eq!(
        check(
            &SESSION_STALE_DISCONNECTED,
            &p,
            &view(&f, &sessions, &loads)
        )
        .as_deref(),
        Some(
            "2 sessions disconnected for longer than DisconnectTimeoutInSeconds 5 min + 10 min grace: \
             s-1 (15 min), s-3 (3 h 01 min)"
        )
    );
    let sessions: Vec<TrackedSession> = (1..=6)
        .map(|i| history(&format!("s-{i}"), &[("ACTIVE", nc, ago(3600))]))
        .collect();
    assert_eq!(
        check(
            &SESSION_STALE_DISCONNECTED,
            &p,
            &view(&f, &sessions, &loads)
        )
        .as_deref(),
        Some(
            "6 sessions disconnected for longer than DisconnectTimeoutInSeconds 5 min + 10 min grace: \
             s-1 (1 h 00 min), s-2 (1 h 00 min), s-3 (1 h 00 min), s-4 (1 h 00 min), \
             s-5 (1 h 00 min) and 1 more"
        )
    );
}

// SESSION-ON-NONCOMPLIANT-FLEET

#[test]
fn on_noncompliant_fleet_needs_a_fleet_finding_and_a_running_session() {
    let p = Policy::builtin();
    let f = fleet(json!({}));
    let loads = BTreeMap::new();
    let running = vec![
        record("s-1", "ACTIVE", Some("CONNECTED"), Some(ago(60))),
        record("s-2", "PENDING", None, None),
        record("s-3", "EXPIRED", Some("NOT_CONNECTED"), Some(ago(600))),
    ];
    let expired = vec![record(
        "s-3",
        "EXPIRED",
        Some("NOT_CONNECTED"),
        Some(ago(600)),
    )];
    let one = vec![record("s-1", "ACTIVE", Some("CONNECTED"), Some(ago(60)))];
    let empty: Vec<TrackedSession> = Vec::new();
    let finding = Some(("FLEET-INTERNET-ACCESS", Severity::High));
    for (name, sessions, fleet_finding, expected) in [
        ("no fleet finding", &running, None, None),
        ("no sessions", &empty, finding, None),
        ("only EXPIRED sessions", &expired, finding, None),
        (
            "one session",
            &one,
            finding,
            Some("1 session runs on a fleet with open HIGH finding FLEET-INTERNET-ACCESS: s-1"),
        ),
        (
            "running sessions, EXPIRED left out",
            &running,
            Some(("FLEET-ERRORS", Severity::Critical)),
            Some("2 sessions run on a fleet with open CRITICAL finding FLEET-ERRORS: s-1, s-2"),
        ),
    ] {
        let mut v = view(&f, sessions, &loads);
        v.fleet_finding = fleet_finding;
        assert_eq!(
            check(&SESSION_ON_NONCOMPLIANT_FLEET, &p, &v).as_deref(),
            expected,
            "{name}"
        );
    }
}

#[test]
fn on_noncompliant_fleet_names_five_sessions_then_counts_the_rest() {
    let p = Policy::builtin();
    let f = fleet(json!({}));
    let loads = BTreeMap::new();
    let sessions: Vec<TrackedSession> = (1..=12)
        .map(|i| {
            record(
                &format!("s-{i:02}"),
                "ACTIVE",
                Some("CONNECTED"),
                Some(ago(60)),
            )
        })
        .collect();
    let mut v = view(&f, &sessions, &loads);
    v.fleet_finding = Some(("FLEET-INTERNET-ACCESS", Severity::High));
    assert_eq!(
        check(&SESSION_ON_NONCOMPLIANT_FLEET, &p, &v).as_deref(),
        Some(
            "12 sessions run on a fleet with open HIGH finding FLEET-INTERNET-ACCESS: \
             s-01, s-02, s-03, s-04, s-05 and 7 more"
        )
    );
}

// SESSION-INSTANCE-AGE

#[test]
fn instance_age_flags_multi_session_instances_busy_for_longer_than_the_limit() {
    let default = Policy::builtin();
    let one_day = policy("[session]\nmax_instance_age_days = 1\n");
    let week = 7 * 86400;
    for (p, name, mspi, busy, fails) in [
        (&default, "multi, 1 h", json!(4), 3600, false),
        (&default, "multi, exactly 7 days", json!(4), week, false),
        (&default, "multi, 7 days + 1 s", json!(4), week + 1, true),
        (&default, "multi, 30 days", json!(2), 30 * 86400, true),
        (
            &default,
            "single (absent), 30 days",
            json!(null),
            30 * 86400,
            false,
        ),
        (&default, "single (1), 30 days", json!(1), 30 * 86400, false),
        (&one_day, "limit 1 day, exactly", json!(4), 86400, false),
        (&one_day, "limit 1 day, 1 s more", json!(4), 86401, true),
    ] {
        let f = fleet(json!({"MaxSessionsPerInstance": mspi}));
        let loads = instances(&[
            ("i-0aaa", load(2, 2, ago(busy))),
            ("i-0bbb", load(1, 1, now())),
        ]);
        assert_eq!(
            check(&SESSION_INSTANCE_AGE, p, &view(&f, &[], &loads)).is_some(),
            fails,
            "{name}"
        );
    }
}

#[test]
fn instance_age_message_names_instances_and_since_when() {
    let p = Policy::builtin();
    let f = fleet(json!({"MaxSessionsPerInstance": 4}));
    let loads = instances(&[
        ("i-0aaa", load(2, 2, ago(7 * 86400 + 1))),
        ("i-0bbb", load(1, 1, ago(7 * 86400))),
        ("i-0ccc", load(3, 0, ago(20 * 86400))),
    ]);
    assert_eq!(
        check(&SESSION_INSTANCE_AGE, &p, &view(&f, &[], &loads)).as_deref(),
        Some(
            "2 instances have hosted sessions without a break for more than 7 days: \
             i-0aaa (busy since 2025-02-22 07:59 UTC), i-0ccc (busy since 2025-02-09 08:00 UTC)"
        )
    );
    let loads = instances(&[("i-0aaa", load(2, 2, ago(8 * 86400)))]);
    assert_eq!(
        check(&SESSION_INSTANCE_AGE, &p, &view(&f, &[], &loads)).as_deref(),
        Some(
            "1 instance has hosted sessions without a break for more than 7 days: \
             i-0aaa (busy since 2025-02-21 08:00 UTC)"
        )
    );
    let loads: BTreeMap<String, InstanceLoad> = (1..=6)
        .map(|i| (format!("i-{i:04}"), load(1, 1, ago(8 * 86400))))
        .collect();
    let message = check(&SESSION_INSTANCE_AGE, &p, &view(&f, &[], &loads)).unwrap();
    assert!(message.starts_with("6 instances have hosted"), "{message}");
    assert!(message.contains("i-0005 (busy since"), "{message}");
    assert!(!message.contains("i-0006"), "{message}");
    assert!(
        message.ends_with("2025-02-21 08:00 UTC) and 1 more"),
        "{message}"
    );
}

// Through evaluate_sessions: the policy's settings and waivers.

/// A fleet on which every session rule fails.
fn failing_fleet() -> Fleet {
    fleet(json!({
        "MaxSessionsPerInstance": 2,
        "MaxUserDurationInSeconds": 3600,
        "DisconnectTimeoutInSeconds": 300,
    }))
}

fn failing_sessions() -> Vec<TrackedSession> {
    vec![
        record("s-1", "ACTIVE", Some("CONNECTED"), Some(ago(6 * 3600))),
        history(
            "s-2",
            &[
                ("ACTIVE", Some("CONNECTED"), ago(3 * 3600)),
                ("ACTIVE", Some("NOT_CONNECTED"), ago(2 * 3600)),
            ],
        ),
        record("s-3", "ACTIVE", Some("CONNECTED"), Some(ago(60))),
    ]
}

fn failing_loads() -> BTreeMap<String, InstanceLoad> {
    instances(&[("i-0aaa", load(3, 3, ago(10 * 86400)))])
}

fn evaluate(p: &Policy) -> crate::finding::Evaluation {
    let f = failing_fleet();
    let sessions = failing_sessions();
    let loads = failing_loads();
    let mut v = view(&f, &sessions, &loads);
    v.fleet_finding = Some(("FLEET-INTERNET-ACCESS", Severity::High));
    evaluate_sessions(p, &v)
}

#[test]
fn evaluate_sessions_reports_each_rule_once_for_the_fleet() {
    let e = evaluate(&Policy::builtin());
    let got: Vec<(&str, Severity)> = e.findings.iter().map(|f| (f.rule_id, f.severity)).collect();
    assert_eq!(
        got,
        [
            ("SESSION-INSTANCE-OVERPACKED", Severity::High),
            ("SESSION-OVER-MAX-DURATION", Severity::Medium),
            ("SESSION-STALE-DISCONNECTED", Severity::Low),
            ("SESSION-ON-NONCOMPLIANT-FLEET", Severity::Info),
            ("SESSION-INSTANCE-AGE", Severity::Low),
        ]
    );
    for f in &e.findings {
        assert_eq!(f.resource_type, ResourceType::Session, "{}", f.rule_id);
        assert_eq!(f.resource, FLEET, "{}", f.rule_id);
        assert!(!f.message.contains(USER), "{}: {}", f.rule_id, f.message);
        assert_eq!(f.note, None);
    }
    assert!(e.exempted.is_empty());
    assert!(e.unresolved.is_empty());
}

#[test]
fn evaluate_sessions_skips_a_disabled_rule() {
    let p = policy("[rules.SESSION-INSTANCE-AGE]\nenabled = false\n");
    let e = evaluate(&p);
    assert!(
        !e.findings
            .iter()
            .any(|f| f.rule_id == "SESSION-INSTANCE-AGE"),
        "{:?}",
        e.findings
    );
    assert!(
        !e.exempted
            .iter()
            .any(|x| x.finding.rule_id == "SESSION-INSTANCE-AGE")
    );
    assert_eq!(e.findings.len(), 4);
}

#[test]
fn evaluate_sessions_applies_a_severity_override() {
    let p = policy("[rules.SESSION-OVER-MAX-DURATION]\nseverity = \"CRITICAL\"\n");
    let e = evaluate(&p);
    let f = e
        .findings
        .iter()
        .find(|f| f.rule_id == "SESSION-OVER-MAX-DURATION")
        .unwrap();
    assert_eq!(f.severity, Severity::Critical);
    let other = e
        .findings
        .iter()
        .find(|f| f.rule_id == "SESSION-STALE-DISCONNECTED")
        .unwrap();
    assert_eq!(other.severity, Severity::Low);
}

#[test]
fn evaluate_sessions_moves_a_waived_finding_to_exempted() {
    let p = policy(
        r#"
[[exemptions]]
resources = ["analytics"]
rules = ["SESSION-STALE-DISCONNECTED"]
reason = "Kiosk users reconnect within the hour (CHG-42)"
"#,
    );
    let e = evaluate(&p);
    assert!(
        !e.findings
            .iter()
            .any(|f| f.rule_id == "SESSION-STALE-DISCONNECTED")
    );
    assert_eq!(e.findings.len(), 4);
    assert_eq!(e.exempted.len(), 1);
    let x = &e.exempted[0];
    assert_eq!(x.finding.rule_id, "SESSION-STALE-DISCONNECTED");
    assert_eq!(x.finding.resource_type, ResourceType::Session);
    assert_eq!(x.finding.resource, FLEET);
    assert_eq!(x.exemption.by, "policy");
    assert_eq!(
        x.exemption.reason,
        "Kiosk users reconnect within the hour (CHG-42)"
    );

    // A glob over fleet names and rule IDs waives them all; another fleet's name does not.
    let p = policy(
        r#"
[[exemptions]]
resources = ["analytic*"]
rules = ["SESSION-*"]
reason = "lab"
"#,
    );
    let e = evaluate(&p);
    assert!(e.findings.is_empty(), "{:?}", e.findings);
    assert_eq!(e.exempted.len(), 5);
    let p = policy(
        r#"
[[exemptions]]
resources = ["other-fleet"]
rules = ["SESSION-*"]
reason = "lab"
"#,
    );
    let e = evaluate(&p);
    assert_eq!(e.findings.len(), 5);
    assert!(e.exempted.is_empty());
}

#[test]
fn evaluate_sessions_keeps_a_finding_whose_waiver_expired_with_a_note() {
    let p = policy(
        r#"
[[exemptions]]
resources = ["analytics"]
rules = ["SESSION-INSTANCE-AGE"]
reason = "drain scheduled"
expires = 2025-02-28
"#,
    );
    let e = evaluate(&p);
    let f = e
        .findings
        .iter()
        .find(|f| f.rule_id == "SESSION-INSTANCE-AGE")
        .unwrap();
    assert_eq!(
        f.note.as_deref(),
        Some("policy waiver expired on 2025-02-28: drain scheduled")
    );
    assert!(e.exempted.is_empty());
    // Still in force on its expiry date (inclusive).
    let p = policy(
        r#"
[[exemptions]]
resources = ["analytics"]
rules = ["SESSION-INSTANCE-AGE"]
reason = "drain scheduled"
expires = 2025-03-01
"#,
    );
    let e = evaluate(&p);
    assert_eq!(e.exempted.len(), 1);
    assert_eq!(e.exempted[0].finding.rule_id, "SESSION-INSTANCE-AGE");
}

#[test]
fn no_session_rule_fails_on_a_quiet_fleet() {
    let p = Policy::builtin();
    let f = failing_fleet();
    let sessions = vec![record("s-1", "ACTIVE", Some("CONNECTED"), Some(ago(60)))];
    let loads = instances(&[("i-0aaa", load(1, 1, ago(60)))]);
    let e = evaluate_sessions(&p, &view(&f, &sessions, &loads));
    assert!(e.findings.is_empty(), "{:?}", e.findings);
    assert!(e.exempted.is_empty());
    assert!(e.unresolved.is_empty());
}
