use super::*;
use crate::finding::Source;
use crate::policy::rules::testing::described;
use chrono::TimeZone;
use serde_json::json;

const REGION: &str = "eu-west-1";
const ACCOUNT: &str = "123456789012";

fn target() -> Target {
    Target::new(ACCOUNT, REGION)
}
const FLEET: &str = "analytics";

/// Minutes after 2025-03-01 08:00 UTC.
fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 8, 0, 0).unwrap() + Duration::minutes(minutes)
}

fn retention() -> Duration {
    Duration::days(90)
}

fn ttl(time: DateTime<Utc>) -> i64 {
    (time + retention()).timestamp()
}

/// A session as DescribeSessions lists it: started at(-5) on i-0aaa, expiring at(600).
fn listed(id: &str, state: &str, connection: Option<&str>) -> Session {
    Session {
        id: id.to_owned(),
        user_id: format!("{id}@example.com"),
        stack_name: "stack-a".to_owned(),
        fleet_name: FLEET.to_owned(),
        state: state.to_owned(),
        connection_state: connection.map(str::to_owned),
        start_time: Some(at(-5)),
        max_expiration_time: Some(at(600)),
        authentication_type: Some("SAML".to_owned()),
        instance_id: Some("i-0aaa".to_owned()),
        instance_drain_status: None,
        source: Source::default(),
    }
}

fn run(
    seen: &[Session],
    stored: Vec<SessionRecord>,
    complete: bool,
    read_before: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Observed {
    observe(
        &target(),
        FLEET,
        seen,
        stored,
        complete,
        read_before,
        now,
        retention(),
    )
}

/// The record a run at `now` stores for a session it sees for the first time.
fn stored(session: &Session, now: DateTime<Utc>) -> SessionRecord {
    let mut out = run(std::slice::from_ref(session), vec![], true, None, now);
    assert_eq!(out.open.len(), 1);
    out.open.remove(0)
}

fn observation(
    state: &str,
    connection: Option<&str>,
    seen: DateTime<Utc>,
    after: Option<DateTime<Utc>>,
) -> Observation {
    Observation {
        state: state.to_owned(),
        connection_state: connection.map(str::to_owned),
        seen,
        after,
    }
}

fn counts(o: &Observed) -> (usize, usize, usize) {
    (o.opened, o.changed, o.closed)
}

// observe: new sessions

#[test]
fn a_new_session_is_written_once_with_every_key() {
    let s = listed("s-1", "ACTIVE", Some("CONNECTED"));
    let out = run(std::slice::from_ref(&s), vec![], true, Some(at(-10)), at(0));
    let order = "2025-03-01T07:55:00Z#s-1".to_owned();
    let expected = SessionRecord {
        pk: "SESSION#123456789012#eu-west-1#s-1".to_owned(),
        sk: "SESSION".to_owned(),
        account: ACCOUNT.to_owned(),
        region: REGION.to_owned(),
        session_id: "s-1".to_owned(),
        user_id: "s-1@example.com".to_owned(),
        stack: "stack-a".to_owned(),
        fleet: FLEET.to_owned(),
        authentication_type: Some("SAML".to_owned()),
        instance_drain_status: None,
        instance_id: Some("i-0aaa".to_owned()),
        start_time: Some(at(-5)),
        max_expiration_time: Some(at(600)),
        state: "ACTIVE".to_owned(),
        connection_state: Some("CONNECTED".to_owned()),
        changes: vec![observation("ACTIVE", Some("CONNECTED"), at(0), None)],
        first_seen: at(0),
        last_seen: at(0),
        ended_after: None,
        ended_before: None,
        gsi1_pk: "FLEET#123456789012#eu-west-1#analytics".to_owned(),
        gsi1_sk: order.clone(),
        gsi2_pk: "USER#s-1@example.com".to_owned(),
        gsi2_sk: order.clone(),
        gsi3_pk: Some("INSTANCE#123456789012#eu-west-1#i-0aaa".to_owned()),
        gsi3_sk: Some(order.clone()),
        gsi4_pk: Some("OPEN#123456789012#eu-west-1#analytics".to_owned()),
        gsi4_sk: Some(order),
        ttl: ttl(at(0)),
    };
    assert_eq!(out.writes, vec![expected.clone()]);
    assert_eq!(out.open, vec![expected]);
    assert_eq!(counts(&out), (1, 0, 0));
}

#[test]
fn a_new_session_without_instance_or_start_time_is_keyed_by_first_seen() {
    for (instance, start, gsi3, order) in [
        (
            Some("i-0bbb"),
            Some(at(-30)),
            Some("INSTANCE#123456789012#eu-west-1#i-0bbb"),
            "2025-03-01T07:30:00Z#s-1",
        ),
        (None, Some(at(-30)), None, "2025-03-01T07:30:00Z#s-1"),
        (None, None, None, "2025-03-01T08:00:00Z#s-1"),
        (
            Some("i-0bbb"),
            None,
            Some("INSTANCE#123456789012#eu-west-1#i-0bbb"),
            "2025-03-01T08:00:00Z#s-1",
        ),
    ] {
        let mut s = listed("s-1", "PENDING", None);
        s.instance_id = instance.map(str::to_owned);
        s.start_time = start;
        s.max_expiration_time = None;
        let out = run(&[s], vec![], true, None, at(0));
        assert_eq!(counts(&out), (1, 0, 0));
        assert_eq!(out.writes.len(), 1);
        let r = &out.writes[0];
        assert_eq!(r.gsi3_pk.as_deref(), gsi3, "{instance:?}");
        assert_eq!(
            r.gsi3_sk.as_deref(),
            gsi3.map(|_| order),
            "{instance:?} {start:?}"
        );
        assert_eq!(r.gsi1_sk, order, "{instance:?} {start:?}");
        assert_eq!(r.gsi2_sk, order, "{instance:?} {start:?}");
        assert_eq!(
            r.gsi4_pk.as_deref(),
            Some("OPEN#123456789012#eu-west-1#analytics")
        );
        assert_eq!(r.gsi4_sk.as_deref(), Some(order));
        assert_eq!(r.changes, [observation("PENDING", None, at(0), None)]);
        assert_eq!(r.connection_state, None);
        assert_eq!(r.max_expiration_time, None);
        assert_eq!(out.open, out.writes);
    }
}

// observe: sessions seen again

#[test]
fn a_session_seen_again_unchanged_is_not_written() {
    let s = listed("s-1", "ACTIVE", Some("CONNECTED"));
    let before = stored(&s, at(0));
    for read_before in [None, Some(at(10)), Some(at(30))] {
        let out = run(
            std::slice::from_ref(&s),
            vec![before.clone()],
            true,
            read_before,
            at(15),
        );
        assert!(out.writes.is_empty(), "{read_before:?}");
        assert_eq!(out.open, vec![before.clone()], "{read_before:?}");
        assert!(out.open[0].is_open());
        assert_eq!(counts(&out), (0, 0, 0));
    }
    // A listing that omits StartTime or MaxExpirationTime changes nothing either.
    let mut bare = s.clone();
    bare.start_time = None;
    bare.max_expiration_time = None;
    let out = run(&[bare], vec![before.clone()], true, Some(at(10)), at(15));
    assert!(out.writes.is_empty());
    assert_eq!(out.open, vec![before]);
}

#[test]
fn a_state_change_is_written_with_the_bounds_of_when_it_happened() {
    let before = stored(&listed("s-1", "ACTIVE", Some("CONNECTED")), at(0));
    let now = at(15);
    for (name, read_before, after) in [
        ("read completely since", Some(at(10)), at(10)),
        ("read completely at the same run", Some(at(0)), at(0)),
        ("no read since the record", Some(at(-3)), at(0)),
        ("no recorder state", None, at(0)),
        ("read at now", Some(now), now),
        ("read after now is ignored", Some(at(20)), at(0)),
    ] {
        let out = run(
            &[listed("s-1", "ACTIVE", Some("NOT_CONNECTED"))],
            vec![before.clone()],
            true,
            read_before,
            now,
        );
        let mut expected = before.clone();
        expected.connection_state = Some("NOT_CONNECTED".to_owned());
        expected.changes.push(observation(
            "ACTIVE",
            Some("NOT_CONNECTED"),
            now,
            Some(after),
        ));
        expected.last_seen = now;
        expected.ttl = ttl(now);
        assert_eq!(out.writes, vec![expected.clone()], "{name}");
        assert_eq!(out.open, vec![expected], "{name}");
        assert_eq!(counts(&out), (0, 1, 0), "{name}");
        // Still open, still in the open index, first seen unchanged.
        let r = &out.open[0];
        assert_eq!(r.first_seen, at(0));
        assert_eq!(
            r.gsi4_pk.as_deref(),
            Some("OPEN#123456789012#eu-west-1#analytics")
        );
        assert_eq!(r.changes.len(), 2);
    }
}

#[test]
fn a_move_to_another_instance_is_written_without_an_observation() {
    let before = stored(&listed("s-1", "ACTIVE", Some("CONNECTED")), at(0));
    let mut moved = listed("s-1", "ACTIVE", Some("CONNECTED"));
    moved.instance_id = Some("i-0bbb".to_owned());
    moved.max_expiration_time = Some(at(700));
    let out = run(&[moved], vec![before.clone()], true, Some(at(10)), at(15));
    let mut expected = before;
    expected.instance_id = Some("i-0bbb".to_owned());
    expected.max_expiration_time = Some(at(700));
    expected.last_seen = at(15);
    expected.ttl = ttl(at(15));
    expected.gsi3_pk = Some("INSTANCE#123456789012#eu-west-1#i-0bbb".to_owned());
    assert_eq!(out.writes, vec![expected.clone()]);
    assert_eq!(out.open, vec![expected]);
    assert_eq!(out.open[0].changes.len(), 1);
    assert_eq!(counts(&out), (0, 1, 0));
}

#[test]
fn an_instance_put_in_drain_mode_is_written_with_its_drain_status() {
    let before = stored(&listed("s-1", "ACTIVE", Some("CONNECTED")), at(0));
    assert_eq!(before.instance_drain_status, None);
    let mut draining = listed("s-1", "ACTIVE", Some("CONNECTED"));
    draining.instance_drain_status = Some("DRAINING".to_owned());
    let out = run(
        std::slice::from_ref(&draining),
        vec![before.clone()],
        true,
        Some(at(10)),
        at(15),
    );
    assert_eq!(counts(&out), (0, 1, 0));
    assert_eq!(
        out.writes[0].instance_drain_status.as_deref(),
        Some("DRAINING")
    );
    // No State or ConnectionState change: no new observation.
    assert_eq!(out.writes[0].changes.len(), 1);
    // Seen again, still draining: nothing to write.
    let again = run(&[draining], out.open, true, Some(at(15)), at(20));
    assert_eq!(counts(&again), (0, 0, 0));
    assert!(again.writes.is_empty());
}

#[test]
fn a_snapshot_counts_draining_instances_from_the_fleet_or_its_sessions() {
    let mut open = sessions_on_three_instances();
    open[3].instance_drain_status = Some("DRAINING".to_owned());
    let mut fleet = multi_session_fleet();
    let (snap, _) = snapshot(&target(), &fleet, &open, None, at(0), retention());
    assert!(snap.instances["i-0bbb"].draining);
    assert!(!snap.instances["i-0aaa"].draining);
    // The fleet's Draining counter (0 here) is what AppStream says: it wins.
    assert_eq!(snap.draining_instances(), 0);
    if let Some(status) = fleet.compute_capacity_status.as_mut() {
        status.draining = None;
    }
    let (snap, _) = snapshot(&target(), &fleet, &open, None, at(0), retention());
    assert_eq!(snap.draining_instances(), 1);
    if let Some(status) = fleet.compute_capacity_status.as_mut() {
        status.draining = Some(2);
        status.drain_mode_active_user_sessions = Some(3);
    }
    let (snap, _) = snapshot(&target(), &fleet, &open, None, at(0), retention());
    assert_eq!(snap.draining_instances(), 2);
    assert_eq!(snap.capacity.drain_mode_active_user_sessions, Some(3));
}

#[test]
fn a_session_listed_twice_gives_one_record() {
    let s = listed("s-1", "ACTIVE", Some("CONNECTED"));
    let out = run(&[s.clone(), s.clone()], vec![], true, None, at(0));
    assert_eq!(counts(&out), (1, 0, 0));
    assert_eq!(out.writes.len(), 1);
    assert_eq!(out.open, out.writes);
    assert_eq!(out.open[0].changes.len(), 1);

    // Twice, changed: one new observation, one write.
    let before = stored(&s, at(0));
    let changed = listed("s-1", "ACTIVE", Some("NOT_CONNECTED"));
    let out = run(
        &[changed.clone(), changed],
        vec![before],
        true,
        Some(at(10)),
        at(15),
    );
    assert_eq!(counts(&out), (0, 1, 0));
    assert_eq!(out.writes.len(), 1);
    assert_eq!(out.open.len(), 1);
    assert_eq!(out.open[0].changes.len(), 2);

    // Different sessions are kept apart, sorted by ID.
    let out = run(
        &[
            listed("s-2", "ACTIVE", Some("CONNECTED")),
            listed("s-1", "ACTIVE", Some("CONNECTED")),
            listed("s-2", "ACTIVE", Some("CONNECTED")),
        ],
        vec![],
        true,
        None,
        at(0),
    );
    assert_eq!(counts(&out), (2, 0, 0));
    let ids: Vec<&str> = out.open.iter().map(|r| r.session_id.as_str()).collect();
    assert_eq!(ids, ["s-1", "s-2"]);
}

// observe: sessions no longer listed

#[test]
fn a_session_no_longer_listed_is_closed_between_the_last_run_that_saw_it_and_now() {
    let before = stored(&listed("s-1", "ACTIVE", Some("CONNECTED")), at(0));
    let now = at(15);
    for (name, read_before, ended_after) in [
        ("read completely since", Some(at(10)), at(10)),
        ("no read since the record", Some(at(-3)), at(0)),
        ("no recorder state", None, at(0)),
        ("read after now is ignored", Some(at(20)), at(0)),
    ] {
        let out = run(&[], vec![before.clone()], true, read_before, now);
        let mut expected = before.clone();
        expected.ended_after = Some(ended_after);
        expected.ended_before = Some(now);
        expected.gsi4_pk = None;
        expected.gsi4_sk = None;
        expected.ttl = ttl(now);
        assert_eq!(out.writes, vec![expected], "{name}");
        assert!(out.open.is_empty(), "{name}");
        assert_eq!(counts(&out), (0, 0, 1), "{name}");
        let r = &out.writes[0];
        assert!(!r.is_open());
        // The other indexes stay: history by fleet, user and instance.
        assert_eq!(r.gsi1_pk, "FLEET#123456789012#eu-west-1#analytics");
        assert_eq!(r.gsi2_pk, "USER#s-1@example.com");
        assert_eq!(
            r.gsi3_pk.as_deref(),
            Some("INSTANCE#123456789012#eu-west-1#i-0aaa")
        );
        assert_eq!(r.last_seen, at(0));
        assert_eq!(r.changes.len(), 1);
    }
}

#[test]
fn an_incomplete_read_closes_nothing() {
    let a = stored(&listed("s-1", "ACTIVE", Some("CONNECTED")), at(0));
    let b = stored(&listed("s-2", "ACTIVE", Some("CONNECTED")), at(0));
    let out = run(&[], vec![b.clone(), a.clone()], false, Some(at(10)), at(15));
    assert!(out.writes.is_empty());
    assert_eq!(out.open, vec![a.clone(), b.clone()]);
    assert_eq!(counts(&out), (0, 0, 0));
    // What it did see is still recorded.
    let out = run(
        &[listed("s-2", "ACTIVE", Some("NOT_CONNECTED"))],
        vec![a.clone(), b],
        false,
        Some(at(10)),
        at(15),
    );
    assert_eq!(counts(&out), (0, 1, 0));
    assert_eq!(out.writes.len(), 1);
    assert_eq!(out.writes[0].session_id, "s-2");
    assert_eq!(out.open.len(), 2);
    assert_eq!(out.open[0], a);
}

#[test]
fn max_expiration_time_inside_the_bounds_narrows_the_end() {
    let now = at(20);
    // Last seen (read completely) at(10), found gone at(20).
    for (name, expiry, ended_before) in [
        ("between", Some(at(15)), at(15)),
        ("at the last sighting (inclusive)", Some(at(10)), at(10)),
        ("at now", Some(at(20)), at(20)),
        ("after now", Some(at(25)), at(20)),
        ("before the last sighting", Some(at(5)), at(20)),
        ("none", None, at(20)),
    ] {
        let mut s = listed("s-1", "ACTIVE", Some("CONNECTED"));
        s.max_expiration_time = expiry;
        let before = stored(&s, at(0));
        let out = run(&[], vec![before.clone()], true, Some(at(10)), now);
        assert_eq!(counts(&out), (0, 0, 1), "{name}");
        let r = &out.writes[0];
        assert_eq!(r.ended_after, Some(at(10)), "{name}");
        assert_eq!(r.ended_before, Some(ended_before), "{name}");
        assert_eq!(r.ttl, ttl(ended_before), "{name}");
        assert_eq!(r.gsi4_pk, None, "{name}");
    }
}

#[test]
fn close_sets_the_bounds() {
    // `close` itself, over one record last seen at(10) and found gone at(20).
    let base = stored(&listed("s-1", "ACTIVE", Some("CONNECTED")), at(0));
    for (name, expiry, last_seen, now, bounds) in [
        ("plain", None, at(10), at(20), (at(10), at(20))),
        (
            "expiry between",
            Some(at(12)),
            at(10),
            at(20),
            (at(10), at(12)),
        ),
        (
            "expiry at last seen",
            Some(at(10)),
            at(10),
            at(20),
            (at(10), at(10)),
        ),
        (
            "expiry before last seen",
            Some(at(9)),
            at(10),
            at(20),
            (at(10), at(20)),
        ),
        (
            "expiry after now",
            Some(at(21)),
            at(10),
            at(20),
            (at(10), at(20)),
        ),
    ] {
        let mut r = base.clone();
        r.max_expiration_time = expiry;
        super::close(&mut r, last_seen, now);
        assert_eq!(
            (r.ended_after, r.ended_before),
            (Some(bounds.0), Some(bounds.1)),
            "{name}"
        );
        // Only the bounds change.
        r.ended_after = None;
        r.ended_before = None;
        r.max_expiration_time = base.max_expiration_time;
        assert_eq!(r, base, "{name}");
    }
}

#[test]
fn an_expired_session_ended_when_expired_was_first_seen() {
    // ACTIVE at(0); EXPIRED at(10) (read completely at(5)); gone at(20).
    let active = stored(&listed("s-1", "ACTIVE", Some("CONNECTED")), at(0));
    let out = run(
        &[listed("s-1", "EXPIRED", Some("NOT_CONNECTED"))],
        vec![active],
        true,
        Some(at(5)),
        at(10),
    );
    assert_eq!(counts(&out), (0, 1, 0));
    let expired = out.open[0].clone();
    assert_eq!(
        expired.changes.last(),
        Some(&observation(
            "EXPIRED",
            Some("NOT_CONNECTED"),
            at(10),
            Some(at(5))
        ))
    );
    let out = run(&[], vec![expired.clone()], true, Some(at(15)), at(20));
    assert_eq!(counts(&out), (0, 0, 1));
    let mut expected = expired;
    expected.ended_after = Some(at(5));
    expected.ended_before = Some(at(10));
    expected.gsi4_pk = None;
    expected.gsi4_sk = None;
    expected.ttl = ttl(at(10));
    assert_eq!(out.writes, vec![expected]);
    assert!(out.open.is_empty());
}

#[test]
fn a_session_expired_when_first_seen_ended_between_its_start_and_that_run() {
    let mut s = listed("s-1", "EXPIRED", Some("NOT_CONNECTED"));
    s.max_expiration_time = Some(at(-1));
    let first = stored(&s, at(0));
    let out = run(&[], vec![first], true, Some(at(10)), at(20));
    assert_eq!(counts(&out), (0, 0, 1));
    let r = &out.writes[0];
    // The observation has no `after`: the session began at StartTime at(-5).
    assert_eq!(r.ended_after, Some(at(-5)));
    assert_eq!(r.ended_before, Some(at(0)));
    assert_eq!(r.ttl, ttl(at(0)));
    assert_eq!(r.gsi4_pk, None);
}

#[test]
fn an_expired_session_whose_connection_changed_after_expiry_ended_when_expired_was_first_seen() {
    // ACTIVE/CONNECTED at(0); EXPIRED/CONNECTED first seen at(10) (previous state last
    // seen at(5)); EXPIRED/NOT_CONNECTED at(15); gone at(20). It ended in (at(5), at(10)]:
    // EXPIRED was already listed at(10).
    let active = stored(&listed("s-1", "ACTIVE", Some("CONNECTED")), at(0));
    let out = run(
        &[listed("s-1", "EXPIRED", Some("CONNECTED"))],
        vec![active],
        true,
        Some(at(5)),
        at(10),
    );
    let out = run(
        &[listed("s-1", "EXPIRED", Some("NOT_CONNECTED"))],
        out.open,
        true,
        Some(at(10)),
        at(15),
    );
    assert_eq!(out.open[0].changes.len(), 3);
    let out = run(&[], out.open, true, Some(at(15)), at(20));
    assert_eq!(counts(&out), (0, 0, 1));
    let r = &out.writes[0];
    assert_eq!(
        (r.ended_after, r.ended_before),
        (Some(at(5)), Some(at(10))),
        "the end bounds must come from the first EXPIRED observation"
    );
    assert_eq!(r.ttl, ttl(at(10)));
}

#[test]
fn records_written_by_a_later_run_are_left_alone() {
    // A run that started at(30) already wrote the record; this run started at(20).
    let later = stored(&listed("s-1", "ACTIVE", Some("CONNECTED")), at(30));
    let now = at(20);
    for (name, seen) in [
        (
            "listed unchanged",
            vec![listed("s-1", "ACTIVE", Some("CONNECTED"))],
        ),
        (
            "listed changed",
            vec![listed("s-1", "EXPIRED", Some("NOT_CONNECTED"))],
        ),
        ("not listed", vec![]),
    ] {
        for complete in [true, false] {
            let out = run(&seen, vec![later.clone()], complete, Some(at(10)), now);
            assert!(out.writes.is_empty(), "{name} {complete}");
            assert_eq!(out.open, vec![later.clone()], "{name} {complete}");
            assert_eq!(counts(&out), (0, 0, 0), "{name} {complete}");
        }
    }
}

#[test]
fn open_sessions_are_returned_sorted_with_new_changed_and_closed_counted() {
    let a = stored(&listed("s-a", "ACTIVE", Some("CONNECTED")), at(0));
    let b = stored(&listed("s-b", "ACTIVE", Some("CONNECTED")), at(0));
    let c = stored(&listed("s-c", "PENDING", None), at(0));
    let out = run(
        &[
            listed("s-d", "PENDING", None),
            listed("s-c", "ACTIVE", Some("CONNECTED")),
            listed("s-a", "ACTIVE", Some("CONNECTED")),
        ],
        vec![c, b, a],
        true,
        Some(at(10)),
        at(15),
    );
    assert_eq!(counts(&out), (1, 1, 1));
    let open: Vec<&str> = out.open.iter().map(|r| r.session_id.as_str()).collect();
    assert_eq!(open, ["s-a", "s-c", "s-d"]);
    let written: Vec<(&str, bool)> = out
        .writes
        .iter()
        .map(|r| (r.session_id.as_str(), r.is_open()))
        .collect();
    assert_eq!(written, [("s-d", true), ("s-c", true), ("s-b", false)]);
}

// snapshot

fn multi_session_fleet() -> Fleet {
    described(json!({
        "Name": FLEET,
        "FleetType": "ALWAYS_ON",
        "State": "RUNNING",
        "MaxSessionsPerInstance": 4,
        "ComputeCapacityStatus": {
            "Desired": 3, "Running": 3, "InUse": 2, "Available": 1, "Draining": 0,
            "DesiredUserSessions": 12, "AvailableUserSessions": 6,
            "ActiveUserSessions": 5, "ActualUserSessions": 11
        }
    }))
}

fn open_record(
    id: &str,
    state: &str,
    connection: Option<&str>,
    instance: Option<&str>,
) -> SessionRecord {
    let mut s = listed(id, state, connection);
    s.instance_id = instance.map(str::to_owned);
    stored(&s, at(-60))
}

fn load(sessions: u32, active: u32, busy_since: DateTime<Utc>) -> InstanceLoad {
    InstanceLoad {
        sessions,
        active,
        busy_since,
        draining: false,
    }
}

fn loads(entries: &[(&str, InstanceLoad)]) -> BTreeMap<String, InstanceLoad> {
    entries
        .iter()
        .map(|(id, l)| ((*id).to_owned(), l.clone()))
        .collect()
}

fn sessions_on_three_instances() -> Vec<SessionRecord> {
    vec![
        open_record("s-1", "ACTIVE", Some("CONNECTED"), Some("i-0aaa")),
        open_record("s-2", "ACTIVE", Some("NOT_CONNECTED"), Some("i-0aaa")),
        open_record("s-3", "PENDING", None, Some("i-0aaa")),
        open_record("s-4", "ACTIVE", Some("CONNECTED"), Some("i-0bbb")),
        open_record("s-5", "EXPIRED", Some("CONNECTED"), Some("i-0bbb")),
        open_record("s-6", "EXPIRED", Some("NOT_CONNECTED"), Some("i-0ccc")),
        open_record("s-7", "ACTIVE", Some("CONNECTED"), None),
        open_record("s-8", "PENDING", None, Some("i-0ddd")),
    ]
}

#[test]
fn a_snapshot_holds_capacity_and_load_per_instance() {
    let fleet = multi_session_fleet();
    let open = sessions_on_three_instances();
    let last = CapacitySnapshot {
        pk: "SNAP#123456789012#eu-west-1#analytics".to_owned(),
        sk: key_time(at(-5)),
        account: ACCOUNT.to_owned(),
        region: REGION.to_owned(),
        fleet: FLEET.to_owned(),
        time: at(-5),
        fleet_state: Some("RUNNING".to_owned()),
        fleet_type: Some("ALWAYS_ON".to_owned()),
        max_sessions_per_instance: Some(4),
        capacity: CapacityStatus::default(),
        sessions: 3,
        active_sessions: 2,
        connected_sessions: 1,
        // i-0aaa busy since at(-100); i-0zzz gone since.
        instances: loads(&[
            ("i-0aaa", load(2, 1, at(-100))),
            ("i-0zzz", load(1, 1, at(-200))),
        ]),
        peak_sessions_per_instance: 2,
        average_sessions_per_instance: 1.5,
        ttl: ttl(at(-5)),
    };
    let (snap, write) = snapshot(&target(), &fleet, &open, Some(&last), at(0), retention());
    let expected = CapacitySnapshot {
        pk: "SNAP#123456789012#eu-west-1#analytics".to_owned(),
        sk: "2025-03-01T08:00:00Z".to_owned(),
        account: ACCOUNT.to_owned(),
        region: REGION.to_owned(),
        fleet: FLEET.to_owned(),
        time: at(0),
        fleet_state: Some("RUNNING".to_owned()),
        fleet_type: Some("ALWAYS_ON".to_owned()),
        max_sessions_per_instance: Some(4),
        capacity: CapacityStatus {
            desired: Some(3),
            running: Some(3),
            in_use: Some(2),
            available: Some(1),
            desired_user_sessions: Some(12),
            available_user_sessions: Some(6),
            active_user_sessions: Some(5),
            actual_user_sessions: Some(11),
            draining: Some(0),
            ..CapacityStatus::default()
        },
        // s-1, s-2, s-3, s-4, s-7, s-8 (EXPIRED s-5 and s-6 left out).
        sessions: 6,
        active_sessions: 4,
        connected_sessions: 3,
        instances: loads(&[
            ("i-0aaa", load(3, 2, at(-100))),
            ("i-0bbb", load(1, 1, at(0))),
            ("i-0ddd", load(1, 0, at(0))),
        ]),
        peak_sessions_per_instance: 3,
        average_sessions_per_instance: 5.0 / 3.0,
        ttl: ttl(at(0)),
    };
    assert_eq!(snap, expected);
    assert!(write);
}

#[test]
fn a_snapshot_of_a_fleet_without_sessions_or_capacity_status() {
    let fleet = described(json!({"Name": FLEET}));
    for (name, open) in [
        ("none", vec![]),
        (
            "only EXPIRED",
            vec![open_record(
                "s-1",
                "EXPIRED",
                Some("NOT_CONNECTED"),
                Some("i-0aaa"),
            )],
        ),
        (
            "none on an instance",
            vec![open_record("s-1", "ACTIVE", Some("CONNECTED"), None)],
        ),
    ] {
        let (snap, write) = snapshot(&target(), &fleet, &open, None, at(0), retention());
        assert!(write, "{name}");
        assert_eq!(snap.fleet_state, None, "{name}");
        assert_eq!(snap.fleet_type, None, "{name}");
        assert_eq!(snap.max_sessions_per_instance, None, "{name}");
        assert_eq!(snap.capacity, CapacityStatus::default(), "{name}");
        assert!(snap.instances.is_empty(), "{name}");
        assert_eq!(snap.peak_sessions_per_instance, 0, "{name}");
        assert_eq!(snap.average_sessions_per_instance, 0.0, "{name}");
        assert_eq!(snap.ttl, ttl(at(0)), "{name}");
    }
    let open = vec![open_record("s-1", "ACTIVE", Some("CONNECTED"), None)];
    let (snap, _) = snapshot(&target(), &fleet, &open, None, at(0), retention());
    assert_eq!(
        (snap.sessions, snap.active_sessions, snap.connected_sessions),
        (1, 1, 1)
    );
}

#[test]
fn average_and_peak_sessions_per_instance() {
    let fleet = multi_session_fleet();
    for (name, placement, peak, average) in [
        ("one instance", vec!["i-1"], 1, 1.0),
        ("two on one", vec!["i-1", "i-1"], 2, 2.0),
        ("4 + 1", vec!["i-1", "i-1", "i-1", "i-1", "i-2"], 4, 2.5),
        ("2 + 1 + 1", vec!["i-1", "i-2", "i-1", "i-3"], 2, 4.0 / 3.0),
    ] {
        let open: Vec<SessionRecord> = placement
            .iter()
            .enumerate()
            .map(|(n, i)| open_record(&format!("s-{n}"), "ACTIVE", Some("CONNECTED"), Some(*i)))
            .collect();
        let (snap, _) = snapshot(&target(), &fleet, &open, None, at(0), retention());
        assert_eq!(snap.peak_sessions_per_instance, peak, "{name}");
        assert_eq!(snap.average_sessions_per_instance, average, "{name}");
        assert_eq!(snap.sessions as usize, placement.len(), "{name}");
        assert!(
            snap.instances.values().all(|l| l.busy_since == at(0)),
            "{name}"
        );
    }
}

#[test]
fn a_snapshot_is_written_when_the_load_changed_or_daily() {
    let fleet = multi_session_fleet();
    let open = sessions_on_three_instances();
    let (first, write) = snapshot(&target(), &fleet, &open, None, at(0), retention());
    assert!(write, "no last snapshot");

    let mut fewer = open.clone();
    fewer.retain(|r| r.session_id != "s-4");
    let mut reconnected = open.clone();
    reconnected[1].connection_state = Some("CONNECTED".to_owned());
    let mut stopped = multi_session_fleet();
    stopped.state = Some("STOPPING".to_owned());
    let mut busier = multi_session_fleet();
    if let Some(status) = busier.compute_capacity_status.as_mut() {
        status.available = Some(0);
        status.in_use = Some(3);
    }
    let single = described(json!({
        "Name": FLEET, "FleetType": "ALWAYS_ON", "State": "RUNNING",
        "ComputeCapacityStatus": {
            "Desired": 3, "Running": 3, "InUse": 2, "Available": 1, "Draining": 0,
            "DesiredUserSessions": 12, "AvailableUserSessions": 6,
            "ActiveUserSessions": 5, "ActualUserSessions": 11
        }
    }));
    let day = Duration::days(1);
    let second = Duration::seconds(1);
    for (name, fleet, open, now, write) in [
        ("same, an hour later", &fleet, &open, at(60), false),
        (
            "same, a second short of a day",
            &fleet,
            &open,
            at(0) + day - second,
            false,
        ),
        ("same, a day later", &fleet, &open, at(0) + day, true),
        ("same, two days later", &fleet, &open, at(0) + day * 2, true),
        ("a session gone", &fleet, &fewer, at(5), true),
        ("a session reconnected", &fleet, &reconnected, at(5), true),
        ("fleet state changed", &stopped, &open, at(5), true),
        ("capacity changed", &busier, &open, at(5), true),
        ("no longer multi-session", &single, &open, at(5), true),
    ] {
        let (snap, w) = snapshot(&target(), fleet, open, Some(&first), now, retention());
        assert_eq!(w, write, "{name}");
        assert_eq!(snap.time, now, "{name}");
        assert_eq!(snap.sk, key_time(now), "{name}");
        // Instances it already had keep their busy_since.
        if let Some(l) = snap.instances.get("i-0aaa") {
            assert_eq!(l.busy_since, at(0), "{name}");
        }
    }

    // A new instance starts busy now; an instance that was drained and is busy again
    // starts over when the last snapshot no longer had it.
    let mut drained = first.clone();
    drained.instances.remove("i-0bbb");
    let (snap, w) = snapshot(
        &target(),
        &fleet,
        &open,
        Some(&drained),
        at(30),
        retention(),
    );
    assert!(w);
    assert_eq!(snap.instances["i-0aaa"].busy_since, at(0));
    assert_eq!(snap.instances["i-0bbb"].busy_since, at(30));
    assert_eq!(snap.instances["i-0ddd"].busy_since, at(0));
}

#[test]
fn overpacked_from_recorded_sessions_counts_only_active_ones() {
    // The loads as the recorder builds them, judged by the rule: PENDING and EXPIRED
    // sessions on the instance do not make a single-session instance overpacked.
    use crate::policy::rules::session::SESSION_INSTANCE_OVERPACKED;
    let policy = Policy::builtin();
    let fleet = described(json!({"Name": FLEET, "FleetType": "ALWAYS_ON", "State": "RUNNING"}));
    let overpacked = |records: &[SessionRecord]| {
        let (snap, _) = snapshot(&target(), &fleet, records, None, at(0), retention());
        let tracked: Vec<_> = records.iter().map(SessionRecord::tracked).collect();
        let view = SessionView {
            fleet: &fleet,
            sessions: &tracked,
            instances: &snap.instances,
            fleet_finding: None,
            now: at(0),
        };
        let found = evaluate_sessions(&policy, &view);
        (
            snap.instances,
            found
                .findings
                .iter()
                .find(|f| f.rule_id == SESSION_INSTANCE_OVERPACKED.id)
                .map(|f| f.message.clone()),
        )
    };
    let (instances, finding) = overpacked(&[
        open_record("s-1", "ACTIVE", Some("CONNECTED"), Some("i-0aaa")),
        open_record("s-2", "PENDING", None, Some("i-0aaa")),
        open_record("s-3", "EXPIRED", Some("NOT_CONNECTED"), Some("i-0aaa")),
    ]);
    assert_eq!(instances["i-0aaa"], load(2, 1, at(0)));
    assert_eq!(finding, None);
    let (_, finding) = overpacked(&[
        open_record("s-1", "ACTIVE", Some("CONNECTED"), Some("i-0aaa")),
        open_record("s-2", "ACTIVE", Some("NOT_CONNECTED"), Some("i-0aaa")),
    ]);
    assert_eq!(
        finding.as_deref(),
        Some("1 instance over MaxSessionsPerInstance 1: i-0aaa (2 active)")
    );
}
