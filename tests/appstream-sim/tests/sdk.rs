//! The real aws-sdk-appstream client against the simulator: round trips, pagination,
//! DescribeSessions semantics, errors, fleet state changes and the control API.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use appstream_sim::SimConfig;
use aws_sdk_appstream::Client;
use aws_sdk_appstream::error::ProvideErrorMetadata;
use aws_sdk_appstream::types::{AuthenticationType, ComputeCapacity, FleetAttribute, FleetState};
use common::{client, control, fleet_to_json, sample_scenario, seed_fleet, session_to_json, start};
use serde_json::{Value, json};

const SEED_CREATED: f64 = 1_698_315_330.25;

fn seed_doc() -> Value {
    json!({
        "Now": "2026-11-27T09:00:00Z",
        "Fleets": [seed_fleet(), {"Name": "plain", "State": "RUNNING", "FleetType": "ON_DEMAND",
            "ComputeCapacityStatus": {"Desired": 1, "Running": 1, "InUse": 0, "Available": 1}}],
        "Stacks": [{"Name": "seed-stack", "CreatedTime": 1_700_000_000}],
        "Associations": [{"FleetName": "seed-multi", "StackName": "seed-stack"}],
        "Sessions": [{
            "Id": "sess-1", "UserId": "api-1", "StackName": "seed-stack", "FleetName": "seed-multi",
            "State": "ACTIVE", "ConnectionState": "CONNECTED",
            "StartTime": "2026-11-27T08:00:00Z", "MaxExpirationTime": "2026-11-27T18:00:00.5Z",
            "AuthenticationType": "API",
            "NetworkAccessConfiguration": {"EniPrivateIpAddress": "10.0.0.5", "EniId": "eni-1"},
            "InstanceId": "i-0123456789abcdef0"
        }]
    })
}

#[tokio::test]
async fn seed_fleet_and_session_survive_the_round_trip() {
    let sim = start(seed_doc(), SimConfig::default()).await;
    let c = client(&sim.url());

    let out = c
        .describe_fleets()
        .names("seed-multi")
        .send()
        .await
        .unwrap();
    assert_eq!(out.fleets().len(), 1);
    assert!(out.next_token().is_none());
    let mut expected = seed_fleet();
    expected["CreatedTime"] = json!(SEED_CREATED);
    assert_eq!(fleet_to_json(&out.fleets()[0]), expected);
    let created = out.fleets()[0].created_time().unwrap();
    assert_eq!(created.secs(), 1_698_315_330);
    assert_eq!(created.subsec_nanos(), 250_000_000);

    let all = c.describe_fleets().send().await.unwrap();
    let names: Vec<_> = all.fleets().iter().filter_map(|f| f.name()).collect();
    assert_eq!(names, ["seed-multi", "plain"]);
    assert_eq!(
        all.fleets()[1].arn(),
        Some("arn:aws:appstream:us-east-1:123456789012:fleet/plain")
    );

    let sessions = c
        .describe_sessions()
        .stack_name("seed-stack")
        .fleet_name("seed-multi")
        .send()
        .await
        .unwrap();
    assert_eq!(sessions.sessions().len(), 1);
    let session = session_to_json(&sessions.sessions()[0]);
    assert_eq!(
        session,
        json!({
            "Id": "sess-1", "UserId": "api-1", "StackName": "seed-stack", "FleetName": "seed-multi",
            "State": "ACTIVE", "ConnectionState": "CONNECTED",
            "StartTime": 1_795_766_400, "MaxExpirationTime": 1_795_802_400.5,
            "AuthenticationType": "API",
            "NetworkAccessConfiguration": {"EniPrivateIpAddress": "10.0.0.5", "EniId": "eni-1"},
            "InstanceId": "i-0123456789abcdef0"
        })
    );

    let stacks = c.describe_stacks().send().await.unwrap();
    assert_eq!(
        stacks.stacks()[0].created_time().unwrap().secs(),
        1_700_000_000
    );
    assert_eq!(
        stacks.stacks()[0].arn(),
        Some("arn:aws:appstream:us-east-1:123456789012:stack/seed-stack")
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn sample_scenario_loads() {
    let sim = appstream_sim::Simulator::start(sample_scenario(), SimConfig::default())
        .await
        .unwrap();
    let c = client(&sim.url());
    let fleets = c.describe_fleets().send().await.unwrap();
    let types: Vec<_> = fleets
        .fleets()
        .iter()
        .map(|f| (f.name().unwrap(), f.fleet_type().unwrap().as_str()))
        .collect();
    assert_eq!(
        types,
        [
            ("always-on-desktop", "ALWAYS_ON"),
            ("on-demand-apps", "ON_DEMAND"),
            ("elastic-apps", "ELASTIC"),
            ("multi-session-pool", "ALWAYS_ON"),
            ("legacy-stopped", "ON_DEMAND"),
        ]
    );
    let multi = &fleets.fleets()[3];
    assert_eq!(multi.max_sessions_per_instance(), Some(4));
    let status = multi.compute_capacity_status().unwrap();
    assert_eq!(status.active_user_sessions(), Some(3));
    assert_eq!(status.actual_user_sessions(), Some(8));
    assert_eq!(
        fleets.fleets()[4].fleet_errors()[0]
            .error_code()
            .unwrap()
            .as_str(),
        "IAM_SERVICE_ROLE_IS_MISSING"
    );

    let stacks = c.describe_stacks().send().await.unwrap();
    assert_eq!(stacks.stacks().len(), 2);
    let desktop = &stacks.stacks()[0];
    assert_eq!(desktop.user_settings().len(), 4);
    assert_eq!(desktop.storage_connectors().len(), 1);
    assert_eq!(
        desktop.application_settings().unwrap().enabled(),
        Some(true)
    );
    assert_eq!(
        stacks.stacks()[1].embed_host_domains(),
        ["intranet.example.com"]
    );

    let mut sessions = Vec::new();
    let mut shared_instance = Vec::new();
    for fleet in fleets.fleets() {
        let fleet = fleet.name().unwrap();
        let stacks = c
            .list_associated_stacks()
            .fleet_name(fleet)
            .send()
            .await
            .unwrap();
        for stack in stacks.names() {
            for auth in [
                AuthenticationType::Api,
                AuthenticationType::Saml,
                AuthenticationType::Userpool,
                AuthenticationType::AwsAd,
            ] {
                let out = c
                    .describe_sessions()
                    .fleet_name(fleet)
                    .stack_name(stack)
                    .authentication_type(auth)
                    .send()
                    .await
                    .unwrap();
                for s in out.sessions() {
                    sessions.push(s.id().unwrap().to_owned());
                    if fleet == "multi-session-pool" {
                        shared_instance.push(s.instance_id().unwrap().to_owned());
                    }
                }
            }
        }
    }
    assert_eq!(sessions.len(), 6);
    assert_eq!(shared_instance, ["i-0a1b2c3d4e5f60001"; 3]);

    let apps_fleets = c
        .list_associated_fleets()
        .stack_name("apps-stack")
        .send()
        .await
        .unwrap();
    assert_eq!(
        apps_fleets.names(),
        ["on-demand-apps", "elastic-apps", "legacy-stopped"]
    );

    let tags = c
        .list_tags_for_resource()
        .resource_arn("arn:aws:appstream:us-east-1:123456789012:fleet/always-on-desktop")
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().unwrap()["CostCenter"], "1234");
    let tags = c
        .list_tags_for_resource()
        .resource_arn("arn:aws:appstream:us-east-1:123456789012:stack/desktop-stack")
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().unwrap()["Environment"], "production");
    let untagged = c
        .list_tags_for_resource()
        .resource_arn("arn:aws:appstream:us-east-1:123456789012:fleet/on-demand-apps")
        .send()
        .await
        .unwrap();
    assert!(untagged.tags().is_none_or(|t| t.is_empty()));
    sim.shutdown().await;
}

async fn all_fleet_names(c: &Client) -> (Vec<String>, usize) {
    let (mut names, mut pages, mut token) = (Vec::new(), 0, None);
    loop {
        let out = c
            .describe_fleets()
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        pages += 1;
        names.extend(out.fleets().iter().map(|f| f.name().unwrap().to_owned()));
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            return (names, pages);
        }
    }
}

fn assert_each_once(got: &[String], expected: usize) {
    let unique: BTreeSet<_> = got.iter().collect();
    assert_eq!(unique.len(), got.len(), "duplicates in {got:?}");
    assert_eq!(got.len(), expected, "{got:?}");
}

#[tokio::test]
async fn small_pages_return_every_item_exactly_once() {
    let fleets: Vec<Value> = (0..7)
        .map(|i| json!({"Name": format!("f{i}"), "State": "RUNNING"}))
        .collect();
    let stacks: Vec<Value> = (0..5).map(|i| json!({"Name": format!("s{i}")})).collect();
    let mut associations: Vec<Value> = (0..5)
        .map(|i| json!({"FleetName": "f0", "StackName": format!("s{i}")}))
        .collect();
    associations.extend((1..7).map(|i| json!({"FleetName": format!("f{i}"), "StackName": "s0"})));
    let sessions: Vec<Value> = (0..23)
        .map(|i| json!({"Id": format!("id-{i:02}"), "UserId": format!("u{i}"), "FleetName": "f0", "StackName": "s0",
            "State": "ACTIVE", "ConnectionState": "CONNECTED", "AuthenticationType": "API",
            "StartTime": 1_795_766_400 + i, "MaxExpirationTime": 1_795_800_000}))
        .collect();
    let doc = json!({"Fleets": fleets, "Stacks": stacks, "Associations": associations, "Sessions": sessions,
        "PageSizes": {"DescribeFleets": 3}});
    let config = SimConfig::default()
        .page_size("DescribeFleets", 2)
        .page_size("DescribeStacks", 2)
        .page_size("ListAssociatedStacks", 2)
        .page_size("ListAssociatedFleets", 3)
        .page_size("DescribeSessions", 4);
    let sim = start(doc, config).await;
    let c = client(&sim.url());

    let (names, pages) = all_fleet_names(&c).await;
    assert_each_once(&names, 7);
    assert_eq!(pages, 4, "flag page size 2 wins over the scenario's 3");

    let (mut stacks, mut token, mut pages) = (Vec::new(), None, 0);
    loop {
        let out = c
            .describe_stacks()
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        pages += 1;
        stacks.extend(out.stacks().iter().map(|s| s.name().unwrap().to_owned()));
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_each_once(&stacks, 5);
    assert_eq!(pages, 3);

    let (mut names, mut token) = (Vec::new(), None);
    loop {
        let out = c
            .list_associated_stacks()
            .fleet_name("f0")
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        assert!(out.names().len() <= 2);
        names.extend(out.names().iter().cloned());
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_each_once(&names, 5);

    let (mut names, mut token) = (Vec::new(), None);
    loop {
        let out = c
            .list_associated_fleets()
            .stack_name("s0")
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        assert!(out.names().len() <= 3);
        names.extend(out.names().iter().cloned());
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_each_once(&names, 7);

    for (limit, expected_pages) in [(None, 6), (Some(5), 5), (Some(50), 1)] {
        let (mut ids, mut token, mut pages) = (Vec::new(), None, 0);
        loop {
            let out = c
                .describe_sessions()
                .fleet_name("f0")
                .stack_name("s0")
                .set_limit(limit)
                .set_next_token(token)
                .send()
                .await
                .unwrap();
            pages += 1;
            ids.extend(out.sessions().iter().map(|s| s.id().unwrap().to_owned()));
            token = out.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        assert_each_once(&ids, 23);
        assert_eq!(pages, expected_pages, "limit {limit:?}");
    }

    let err = c
        .describe_fleets()
        .next_token("not-a-token")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 400);
    assert_eq!(err.code(), Some("ValidationException"));

    let first = c.describe_fleets().send().await.unwrap();
    let fleets_token = first.next_token().unwrap().to_owned();
    let err = c
        .describe_stacks()
        .next_token(&fleets_token)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 400);
    let err = c
        .describe_fleets()
        .names("f1")
        .next_token(&fleets_token)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some("ValidationException"),
        "a token belongs to its query"
    );
    sim.shutdown().await;
}

fn sessions_doc() -> Value {
    let session = |id: &str, user: &str, auth: &str, instance: &str| {
        json!({"Id": id, "UserId": user, "FleetName": "f", "StackName": "s", "State": "ACTIVE",
            "ConnectionState": "CONNECTED", "AuthenticationType": auth, "InstanceId": instance,
            "StartTime": 1_795_766_400, "MaxExpirationTime": 1_795_800_000})
    };
    json!({
        "Fleets": [{"Name": "f", "State": "RUNNING", "MaxSessionsPerInstance": 4}, {"Name": "other", "State": "RUNNING"}],
        "Stacks": [{"Name": "s"}],
        "Associations": [{"FleetName": "f", "StackName": "s"}],
        "Sessions": [
            session("a1", "api-1", "API", "i-1"),
            session("a2", "api-2", "API", "i-2"),
            session("s1", "alice", "SAML", "i-1"),
            session("s2", "bob", "SAML", "i-1"),
            session("u1", "carol", "USERPOOL", "i-2"),
            session("d1", "dave", "AWS_AD", "i-2")
        ]
    })
}

#[tokio::test]
async fn describe_sessions_applies_the_service_defaults() {
    let sim = start(sessions_doc(), SimConfig::default()).await;
    let c = client(&sim.url());
    let ids = |out: &aws_sdk_appstream::operation::describe_sessions::DescribeSessionsOutput| {
        out.sessions()
            .iter()
            .map(|s| s.id().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let base = || c.describe_sessions().fleet_name("f").stack_name("s");

    let out = base().send().await.unwrap();
    assert_eq!(
        ids(&out),
        ["a1", "a2"],
        "no AuthenticationType means API only"
    );
    for (auth, expected) in [
        (AuthenticationType::Api, vec!["a1", "a2"]),
        (AuthenticationType::Saml, vec!["s1", "s2"]),
        (AuthenticationType::Userpool, vec!["u1"]),
        (AuthenticationType::AwsAd, vec!["d1"]),
    ] {
        let out = base()
            .authentication_type(auth.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(ids(&out), expected, "{auth:?}");
    }

    let out = base()
        .authentication_type(AuthenticationType::Saml)
        .user_id("bob")
        .send()
        .await
        .unwrap();
    assert_eq!(ids(&out), ["s2"]);
    let out = base()
        .authentication_type(AuthenticationType::Saml)
        .instance_id("i-1")
        .send()
        .await
        .unwrap();
    assert_eq!(ids(&out), ["s1", "s2"]);
    let out = base().instance_id("i-2").send().await.unwrap();
    assert_eq!(ids(&out), ["a2"]);

    let err = base().user_id("alice").send().await.unwrap_err();
    assert!(
        err.as_service_error()
            .unwrap()
            .is_invalid_parameter_combination_exception(),
        "{err:?}"
    );

    for bad in [0, 51, -1] {
        let err = base().limit(bad).send().await.unwrap_err();
        assert_eq!(err.code(), Some("ValidationException"), "limit {bad}");
    }
    let out = base().limit(1).send().await.unwrap();
    assert_eq!(ids(&out), ["a1"]);
    assert!(out.next_token().is_some());
    assert_eq!(ids(&base().limit(50).send().await.unwrap()), ["a1", "a2"]);

    let err = c
        .describe_sessions()
        .fleet_name("f")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert!(
        err.message().unwrap().contains("stackName"),
        "{:?}",
        err.message()
    );
    let err = c
        .describe_sessions()
        .stack_name("s")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));

    let err = c
        .describe_sessions()
        .fleet_name("nope")
        .stack_name("s")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 400);
    let err = c
        .describe_sessions()
        .fleet_name("f")
        .stack_name("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    let out = c
        .describe_sessions()
        .fleet_name("other")
        .stack_name("s")
        .send()
        .await
        .unwrap();
    assert!(out.sessions().is_empty());

    let err = c
        .describe_fleets()
        .names("f")
        .names("ghost")
        .send()
        .await
        .unwrap_err();
    assert!(
        err.as_service_error()
            .unwrap()
            .is_resource_not_found_exception(),
        "{err:?}"
    );
    assert!(err.message().unwrap().contains("ghost"));
    let err = c.describe_stacks().names("ghost").send().await.unwrap_err();
    assert!(
        err.as_service_error()
            .unwrap()
            .is_resource_not_found_exception()
    );
    let err = c
        .list_tags_for_resource()
        .resource_arn("arn:aws:appstream:us-east-1:123456789012:fleet/ghost")
        .send()
        .await
        .unwrap_err();
    assert!(
        err.as_service_error()
            .unwrap()
            .is_resource_not_found_exception()
    );
    let err = c.start_fleet().name("ghost").send().await.unwrap_err();
    assert!(
        err.as_service_error()
            .unwrap()
            .is_resource_not_found_exception()
    );
    sim.shutdown().await;
}

async fn fleet(c: &Client, name: &str) -> aws_sdk_appstream::types::Fleet {
    c.describe_fleets()
        .names(name)
        .send()
        .await
        .unwrap()
        .fleets()[0]
        .clone()
}

#[tokio::test]
async fn start_stop_and_update_fleet() {
    let sim = appstream_sim::Simulator::start(sample_scenario(), SimConfig::default())
        .await
        .unwrap();
    let url = sim.url();
    let c = client(&url);

    c.stop_fleet()
        .name("always-on-desktop")
        .send()
        .await
        .unwrap();
    assert_eq!(
        fleet(&c, "always-on-desktop").await.state(),
        Some(&FleetState::Stopping)
    );
    let (status, _) = control(
        &url,
        "POST",
        "/_sim/clock",
        Some(json!({"advance_seconds": 30})),
    )
    .await;
    assert_eq!(status, 200);
    let stopped = fleet(&c, "always-on-desktop").await;
    assert_eq!(stopped.state(), Some(&FleetState::Stopped));
    let cap = stopped.compute_capacity_status().unwrap();
    assert_eq!(
        (cap.desired(), cap.running(), cap.in_use()),
        (Some(2), Some(0), Some(0))
    );
    let out = c
        .describe_sessions()
        .fleet_name("always-on-desktop")
        .stack_name("desktop-stack")
        .send()
        .await
        .unwrap();
    assert!(
        out.sessions().is_empty(),
        "stopping a fleet ends its sessions"
    );

    c.start_fleet()
        .name("always-on-desktop")
        .send()
        .await
        .unwrap();
    assert_eq!(
        fleet(&c, "always-on-desktop").await.state(),
        Some(&FleetState::Starting)
    );
    control(
        &url,
        "POST",
        "/_sim/clock",
        Some(json!({"advance_seconds": 60})),
    )
    .await;
    let running = fleet(&c, "always-on-desktop").await;
    assert_eq!(running.state(), Some(&FleetState::Running));
    let cap = running.compute_capacity_status().unwrap();
    assert_eq!((cap.running(), cap.available()), (Some(2), Some(2)));

    let out = c
        .update_fleet()
        .name("always-on-desktop")
        .compute_capacity(ComputeCapacity::builder().desired_instances(5).build())
        .display_name("Finance desktop")
        .max_user_duration_in_seconds(7200)
        .attributes_to_delete(FleetAttribute::DomainJoinInfo)
        .attributes_to_delete(FleetAttribute::IamRoleArn)
        .send()
        .await
        .unwrap();
    let updated = out.fleet().unwrap();
    assert_eq!(updated.display_name(), Some("Finance desktop"));
    assert_eq!(updated.max_user_duration_in_seconds(), Some(7200));
    assert!(updated.domain_join_info().is_none());
    assert!(updated.iam_role_arn().is_none());
    assert_eq!(
        updated.compute_capacity_status().unwrap().desired(),
        Some(5)
    );
    assert_eq!(
        updated.compute_capacity_status().unwrap().running(),
        Some(5)
    );
    assert_eq!(
        fleet_to_json(&fleet(&c, "always-on-desktop").await),
        fleet_to_json(updated)
    );

    let out = c
        .update_fleet()
        .name("multi-session-pool")
        .compute_capacity(ComputeCapacity::builder().desired_sessions(10).build())
        .send()
        .await
        .unwrap();
    let cap = out.fleet().unwrap().compute_capacity_status().unwrap();
    assert_eq!(
        (cap.desired(), cap.desired_user_sessions()),
        (Some(3), Some(10))
    );
    assert_eq!(
        (cap.actual_user_sessions(), cap.available_user_sessions()),
        (Some(12), Some(9))
    );

    let err = c
        .update_fleet()
        .name("always-on-desktop")
        .compute_capacity(ComputeCapacity::builder().desired_sessions(4).build())
        .send()
        .await
        .unwrap_err();
    assert!(
        err.as_service_error()
            .unwrap()
            .is_invalid_parameter_combination_exception()
    );
    let out = c
        .update_fleet()
        .name("multi-session-pool")
        .attributes_to_delete(FleetAttribute::MaxSessionsPerInstance)
        .image_name("shared-apps-2026-12")
        .send()
        .await
        .unwrap();
    let f = out.fleet().unwrap();
    assert!(f.max_sessions_per_instance().is_none());
    assert_eq!(
        f.image_arn(),
        Some("arn:aws:appstream:us-east-1::image/shared-apps-2026-12")
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn control_api_changes_are_visible_to_the_next_call() {
    let sim = start(sessions_doc(), SimConfig::default()).await;
    let url = sim.url();
    let c = client(&url);

    let (status, health) = control(&url, "GET", "/_sim/health", None).await;
    assert_eq!((status, health["status"].as_str()), (200, Some("ok")));
    assert_eq!(health["sessions"], 6);

    let (status, added) = control(
        &url,
        "POST",
        "/_sim/sessions",
        Some(json!({"FleetName": "f", "StackName": "s", "UserId": "erin", "AuthenticationType": "SAML"})),
    )
    .await;
    assert_eq!(status, 200, "{added}");
    let id = added["Id"].as_str().unwrap().to_owned();
    assert_eq!(
        added["InstanceId"], "i-1",
        "packed onto the instance with room"
    );
    let out = c
        .describe_sessions()
        .fleet_name("f")
        .stack_name("s")
        .authentication_type(AuthenticationType::Saml)
        .send()
        .await
        .unwrap();
    let erin = out
        .sessions()
        .iter()
        .find(|s| s.id() == Some(id.as_str()))
        .unwrap();
    assert_eq!(erin.user_id(), Some("erin"));
    assert_eq!(erin.instance_id(), Some("i-1"));
    assert!(erin.start_time().is_some() && erin.max_expiration_time().is_some());

    let (status, _) = control(
        &url,
        "PATCH",
        &format!("/_sim/sessions/{id}"),
        Some(json!({"ConnectionState": "NOT_CONNECTED"})),
    )
    .await;
    assert_eq!(status, 200);
    let out = c
        .describe_sessions()
        .fleet_name("f")
        .stack_name("s")
        .authentication_type(AuthenticationType::Saml)
        .user_id("erin")
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.sessions()[0].connection_state().unwrap().as_str(),
        "NOT_CONNECTED"
    );

    let (status, _) = control(&url, "DELETE", &format!("/_sim/sessions/{id}"), None).await;
    assert_eq!(status, 200);
    let out = c
        .describe_sessions()
        .fleet_name("f")
        .stack_name("s")
        .authentication_type(AuthenticationType::Saml)
        .send()
        .await
        .unwrap();
    assert_eq!(out.sessions().len(), 2);
    let (status, _) = control(&url, "DELETE", &format!("/_sim/sessions/{id}"), None).await;
    assert_eq!(status, 404);

    let (status, _) = control(
        &url,
        "PATCH",
        "/_sim/fleets/other",
        Some(json!({"FleetErrors": [{"ErrorCode": "SUBNET_NOT_FOUND", "ErrorMessage": "gone"}], "DisplayName": "Other"})),
    )
    .await;
    assert_eq!(status, 200);
    let other = fleet(&c, "other").await;
    assert_eq!(other.display_name(), Some("Other"));
    assert_eq!(
        other.fleet_errors()[0].error_code().unwrap().as_str(),
        "SUBNET_NOT_FOUND"
    );

    let (status, _) = control(
        &url,
        "POST",
        "/_sim/tags",
        Some(json!({"Resource": "other", "Tags": {"Team": "b"}})),
    )
    .await;
    assert_eq!(status, 200);
    let tags = c
        .list_tags_for_resource()
        .resource_arn(other.arn().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().unwrap()["Team"], "b");

    let (status, _) = control(
        &url,
        "POST",
        "/_sim/associations",
        Some(json!({"FleetName": "other", "StackName": "s"})),
    )
    .await;
    assert_eq!(status, 200);
    let out = c
        .list_associated_fleets()
        .stack_name("s")
        .send()
        .await
        .unwrap();
    assert_eq!(out.names(), ["f", "other"]);

    let (_, clock) = control(
        &url,
        "POST",
        "/_sim/clock",
        Some(json!({"set": "2026-11-27T09:00:00Z", "frozen": true})),
    )
    .await;
    assert_eq!(clock["now"], "2026-11-27T09:00:00Z");
    let (_, clock) = control(
        &url,
        "POST",
        "/_sim/clock",
        Some(json!({"advance_seconds": 3600})),
    )
    .await;
    assert_eq!(clock["now"], "2026-11-27T10:00:00Z");
    assert_eq!(clock["frozen"], true);
    let (_, added) = control(
        &url,
        "POST",
        "/_sim/sessions",
        Some(json!({"FleetName": "other", "StackName": "s"})),
    )
    .await;
    assert_eq!(added["StartTime"], 1_795_773_600);

    let (status, _) = control(
        &url,
        "POST",
        "/_sim/page-sizes",
        Some(json!({"DescribeFleets": 1})),
    )
    .await;
    assert_eq!(status, 200);
    let out = c.describe_fleets().send().await.unwrap();
    assert_eq!(out.fleets().len(), 1);
    assert!(out.next_token().is_some());

    let (status, calls) = control(&url, "GET", "/_sim/calls", None).await;
    assert_eq!(status, 200);
    let calls = calls["calls"].as_array().unwrap().clone();
    let ops: Vec<&str> = calls
        .iter()
        .map(|c| c["operation"].as_str().unwrap())
        .collect();
    assert_eq!(ops.first(), Some(&"DescribeSessions"));
    assert_eq!(ops.last(), Some(&"DescribeFleets"));
    assert!(calls.iter().all(|c| c["protocol"] == "rpc-v2-cbor"));
    assert_eq!(
        calls[0]["params"],
        json!({"StackName": "s", "FleetName": "f", "AuthenticationType": "SAML"})
    );
    let seqs: Vec<u64> = calls.iter().map(|c| c["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1));
    let (status, _) = control(&url, "DELETE", "/_sim/calls", None).await;
    assert_eq!(status, 200);
    let (_, calls) = control(&url, "GET", "/_sim/calls", None).await;
    assert_eq!(calls["calls"], json!([]));

    let (status, _) = control(
        &url,
        "POST",
        "/_sim/scenario",
        Some(
            json!({"Fleets": [{"Name": "replacement", "State": "STOPPED"}], "Now": 1_800_000_000}),
        ),
    )
    .await;
    assert_eq!(status, 200);
    let (names, _) = all_fleet_names(&c).await;
    assert_eq!(names, ["replacement"]);
    let (_, clock) = control(&url, "GET", "/_sim/clock", None).await;
    assert_eq!(clock["epoch"], 1_800_000_000.0);
    let (_, exported) = control(&url, "GET", "/_sim/scenario", None).await;
    assert_eq!(
        exported["Fleets"][0]["Arn"],
        "arn:aws:appstream:us-east-1:123456789012:fleet/replacement"
    );

    let (status, err) = control(
        &url,
        "POST",
        "/_sim/scenario",
        Some(json!({"Fleets": [{"NoName": 1}]})),
    )
    .await;
    assert_eq!(status, 400, "{err}");
    let (status, _) = control(
        &url,
        "POST",
        "/_sim/sessions",
        Some(json!({"FleetName": "ghost", "StackName": "s"})),
    )
    .await;
    assert_eq!(status, 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn in_process_control_and_session_expiry() {
    let mut doc = sessions_doc();
    doc["ExpireSessions"] = json!(true);
    doc["Now"] = json!(1_795_790_000);
    doc["Fleets"][0]["ComputeCapacityStatus"] = json!({"Desired": 2, "Running": 2, "InUse": 2, "Available": 0,
        "DesiredUserSessions": 8, "ActualUserSessions": 8, "ActiveUserSessions": 6, "AvailableUserSessions": 2});
    let sim = start(doc, SimConfig::default()).await;
    let c = client(&sim.url());
    let count = || async {
        c.describe_sessions()
            .fleet_name("f")
            .stack_name("s")
            .send()
            .await
            .unwrap()
            .sessions()
            .len()
    };
    assert_eq!(count().await, 2);
    let added = sim
        .sim()
        .add_session(
            &json!({"FleetName": "f", "StackName": "s", "MaxExpirationTime": 1_795_900_000}),
        )
        .unwrap();
    assert_eq!(added["AuthenticationType"], "API");
    assert_eq!(count().await, 3);
    sim.sim().advance_clock(10_000.0);
    assert_eq!(count().await, 1, "sessions past MaxExpirationTime are gone");
    let fleet = sim.sim().fleet("f").unwrap();
    assert_eq!(fleet["ComputeCapacityStatus"]["ActiveUserSessions"], 1);
    assert_eq!(fleet["ComputeCapacityStatus"]["AvailableUserSessions"], 7);
    assert_eq!(fleet["ComputeCapacityStatus"]["InUse"], 1);
    sim.shutdown().await;
}
