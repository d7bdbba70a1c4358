//! Organisation mode end to end through the real binary (`cargo lambda watch` and
//! `cargo lambda invoke`): member accounts in the AppStream simulator, read through
//! their roles (its STS), the fan-out queue, the table and the alert topic in moto, the
//! account list from moto's Organizations. The simulator's clock follows real time, so
//! the member credentials it issues expire an hour from now, as AWS's do.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::{Value, json};
use streamwarden_harness::{
    LambdaWatch, LocalStack, QueuedMessage, StackOptions, sqs_event, sqs_record,
};

const ROLE: &str = "StreamwardenMember";
const REGION: &str = "eu-west-1";
const OTHER_REGION: &str = "eu-central-1";
const A: &str = "111111111111";
const B: &str = "222222222222";
const C: &str = "333333333333";
const STRANGER: &str = "444444444444";
const INTERNET: &str = "FLEET-INTERNET-ACCESS";

fn fleet(account: &str, name: &str, internet: bool) -> Value {
    json!({
        "Name": name,
        "Arn": format!("arn:aws:appstream:{REGION}:{account}:fleet/{name}"),
        "InstanceType": "stream.standard.medium",
        "FleetType": "ON_DEMAND",
        "State": "RUNNING",
        "EnableDefaultInternetAccess": internet,
        "MaxUserDurationInSeconds": 3600,
        "DisconnectTimeoutInSeconds": 900,
        "IdleDisconnectTimeoutInSeconds": 600,
        "ComputeCapacityStatus": {"Desired": 1, "Running": 1, "InUse": 0, "Available": 1},
        "VpcConfig": {"SubnetIds": ["subnet-1", "subnet-2"], "SecurityGroupIds": ["sg-1"]},
        "StreamView": "APP"
    })
}

/// A member account with one fleet open to the internet in [`REGION`], with or
/// without the member role.
fn member(account: &str, fleet_name: &str, role: bool) -> Value {
    let roles = if role {
        json!([{"RoleName": ROLE}])
    } else {
        json!([])
    };
    json!({"Roles": roles, "Regions": {REGION: {"Fleets": [fleet(account, fleet_name, true)]}}})
}

/// A, B (without the role) and C, each with a fleet open to the internet; no `Now`, so
/// the simulator's clock is real time.
async fn three_members() -> LocalStack {
    LocalStack::start_with(StackOptions {
        region: REGION.into(),
        scenario: json!({
            "Accounts": {
                A: member(A, "a-kiosk", true),
                B: member(B, "b-kiosk", false),
                C: member(C, "c-kiosk", true),
            }
        }),
        ..StackOptions::default()
    })
    .await
}

fn env(stack: &LocalStack, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut env = stack.env();
    env.push(("AWS_LAMBDA_LOG_FORMAT".into(), "JSON".into()));
    env.push(("STREAMWARDEN_MEMBER_ROLE".into(), ROLE.into()));
    env.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    env
}

fn scheduled(id: &str) -> Value {
    json!({
        "version": "0", "id": id, "detail-type": "Scheduled Event", "source": "aws.events",
        "account": "123456789012", "time": "2026-11-30T08:00:00Z", "region": REGION,
        "resources": ["arn:aws:events:eu-west-1:123456789012:rule/streamwarden-FleetAuditorSweep"],
        "detail": {}
    })
}

/// The sample UpdateFleet CloudTrail event, as a member account's bus rule forwards it:
/// `account` is the member's; the fleet is opened to the internet.
fn member_update_fleet(account: &str, fleet: &str, event_id: &str) -> Value {
    let path = streamwarden_harness::repo_root().join("events/fleet-auditor/update-fleet.json");
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["id"] = json!(format!("ev-{event_id}"));
    event["account"] = json!(account);
    event["detail"]["recipientAccountId"] = json!(account);
    event["detail"]["userIdentity"]["accountId"] = json!(account);
    event["detail"]["eventID"] = json!(event_id);
    event["detail"]["requestParameters"] =
        json!({"name": fleet, "enableDefaultInternetAccess": true});
    event
}

/// Open fleet findings by resource partition (`RES#<account>#<region>#fleet#<name>` ->
/// rule IDs), from the `STATE` items (account-level findings, such as usage reports
/// off, left out).
async fn open_findings(stack: &LocalStack) -> BTreeMap<String, BTreeSet<String>> {
    stack
        .table_items()
        .await
        .iter()
        .filter(|item| item["SK"] == "STATE")
        .filter_map(|item| {
            let pk = item["PK"]
                .as_str()
                .filter(|pk| pk.contains("#fleet#"))?
                .to_owned();
            let rules: BTreeSet<String> = item["findings"].as_object()?.keys().cloned().collect();
            (!rules.is_empty()).then_some((pk, rules))
        })
        .collect()
}

/// The history items (`SK = HIST#...`) of one account's resources.
async fn history_of(stack: &LocalStack, account: &str) -> usize {
    let prefix = format!("RES#{account}#");
    stack
        .table_items()
        .await
        .iter()
        .filter(|item| {
            item["PK"]
                .as_str()
                .is_some_and(|pk| pk.starts_with(&prefix))
        })
        .filter(|item| {
            item["SK"]
                .as_str()
                .is_some_and(|sk| sk.starts_with("HIST#"))
        })
        .count()
}

fn fleet_pk(account: &str, name: &str) -> String {
    format!("RES#{account}#{REGION}#fleet#{name}")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_queue_fan_out_partial_batches_member_events_and_one_assume_role_per_account() {
    let stack = three_members().await;
    let inbox = stack.inbox();
    let queue = stack.queue("streamwarden-sweep").await;
    let (accounts, regions) = (format!("{A},{B},{C}"), format!("{REGION},{OTHER_REGION}"));
    let watch = LambdaWatch::start(
        "fleet-auditor",
        &env(
            &stack,
            &[
                ("STREAMWARDEN_ACCOUNTS", accounts.as_str()),
                ("STREAMWARDEN_SWEEP_QUEUE_URL", queue.url()),
                ("STREAMWARDEN_REGIONS", regions.as_str()),
            ],
        ),
    );

    // A CloudTrail event from governed member A: A's fleet, read through A's role.
    let answer = watch
        .invoke(&member_update_fleet(A, "a-kiosk", "e-a-1"))
        .answer();
    assert_eq!(answer["account"], A, "{answer}");
    assert_eq!(answer["evaluated"], 1, "{answer}");
    assert_eq!(answer["alerts"], 1, "{answer}");
    assert_eq!(stack.appstream().assume_role_calls().get(A), Some(&1));
    let alerts = inbox.receive_at_least(1, Duration::from_secs(5)).await;
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert_eq!(alerts[0].attributes["account"], A);
    assert_eq!(alerts[0].attributes["fleet"], "a-kiosk");
    assert!(alerts[0].message.contains(A), "{}", alerts[0].message);
    let open = open_findings(&stack).await;
    assert_eq!(
        open.keys().collect::<Vec<_>>(),
        [&fleet_pk(A, "a-kiosk")],
        "{open:?}"
    );
    assert!(open[&fleet_pk(A, "a-kiosk")].contains(INTERNET));

    // One from an account not governed: rejected, nothing assumed, nothing written.
    let before = stack.table_items().await.len();
    let error = watch
        .invoke(&member_update_fleet(STRANGER, "a-kiosk", "e-x-1"))
        .error();
    assert!(
        error.contains("UngovernedAccount") && error.contains(STRANGER),
        "{error}"
    );
    assert_eq!(stack.table_items().await.len(), before);
    assert_eq!(stack.appstream().assume_role_calls().get(STRANGER), None);
    assert!(
        inbox
            .receive_all(Duration::from_millis(300))
            .await
            .is_empty()
    );

    // The schedule only sends: one message per (account, region), attributes naming them.
    let answer = watch.invoke(&scheduled("run-1")).answer();
    assert_eq!(
        (
            &answer["accounts"],
            &answer["sent"],
            &answer["worked"],
            &answer["failed"]
        ),
        (&json!(3), &json!(6), &json!(0), &json!(0)),
        "{answer}"
    );
    assert_eq!(
        stack.table_items().await.len(),
        before,
        "the schedule audits nothing itself"
    );
    let sent = queue.take_all().await;
    let mut units = BTreeSet::new();
    for message in &sent {
        let body: Value = serde_json::from_str(&message.body).unwrap();
        assert_eq!(body["work"], "sweep", "{body}");
        assert_eq!(body["run"], "run-1", "{body}");
        for name in ["account", "region", "work"] {
            assert_eq!(
                message.attributes.get(name).map(String::as_str),
                body[name].as_str(),
                "{message:?}"
            );
        }
        units.insert((
            body["account"].as_str().unwrap().to_owned(),
            body["region"].as_str().unwrap().to_owned(),
        ));
    }
    let expected: BTreeSet<(String, String)> = [A, B, C]
        .iter()
        .flat_map(|a| [REGION, OTHER_REGION].map(|r| ((*a).to_owned(), r.to_owned())))
        .collect();
    assert_eq!(sent.len(), 6);
    assert_eq!(units, expected);
    let unit = |account: &str, region: &str| -> QueuedMessage {
        sent.iter()
            .find(|m| m.attributes["account"] == account && m.attributes["region"] == region)
            .unwrap()
            .clone()
    };

    // Three units as the event source mapping delivers them; B has no role.
    let batch = [A, B, C].map(|a| unit(a, REGION).record(queue.arn()));
    let answer = watch.invoke(&sqs_event(batch.to_vec())).answer();
    assert_eq!(
        answer,
        json!({"batchItemFailures": [{"itemIdentifier": unit(B, REGION).message_id}]})
    );
    let open = open_findings(&stack).await;
    assert!(open[&fleet_pk(A, "a-kiosk")].contains(INTERNET), "{open:?}");
    assert!(open[&fleet_pk(C, "c-kiosk")].contains(INTERNET), "{open:?}");
    assert!(
        open.keys().all(|pk| !pk.starts_with(&format!("RES#{B}#"))),
        "{open:?}"
    );
    let alerts = inbox.receive_at_least(1, Duration::from_secs(5)).await;
    let fleets: BTreeSet<(&str, &str)> = alerts
        .iter()
        .filter_map(|a| {
            Some((
                a.attributes["account"].as_str(),
                a.attributes.get("fleet")?.as_str(),
            ))
        })
        .collect();
    assert_eq!(
        fleets,
        BTreeSet::from([(C, "c-kiosk")]),
        "A's fleet finding was already open: {alerts:#?}"
    );
    assert!(
        alerts
            .iter()
            .all(|a| a.message.contains(&a.attributes["account"]))
    );
    assert!(
        alerts.iter().all(|a| a.attributes["account"] != B),
        "{alerts:#?}"
    );

    // The same message again: no second history item, no second alert.
    let history = history_of(&stack, C).await;
    assert!(history > 0);
    let again = watch
        .invoke(&sqs_event(vec![unit(C, REGION).record(queue.arn())]))
        .answer();
    assert_eq!(again, json!({"batchItemFailures": []}));
    assert_eq!(history_of(&stack, C).await, history);
    assert!(
        inbox
            .receive_all(Duration::from_millis(500))
            .await
            .is_empty()
    );

    // A poison body fails only its own record.
    let poison = sqs_record(
        "poison-1",
        "{\"hello\": \"world\"}",
        queue.arn(),
        &BTreeMap::new(),
    );
    let answer = watch
        .invoke(&sqs_event(vec![
            poison,
            unit(A, OTHER_REGION).record(queue.arn()),
        ]))
        .answer();
    assert_eq!(
        answer,
        json!({"batchItemFailures": [{"itemIdentifier": "poison-1"}]})
    );

    // A warm function assumed each role once, over five invocations that used them.
    let calls = stack.appstream().assume_role_calls();
    assert_eq!(calls.get(A), Some(&1), "{calls:?}");
    assert_eq!(calls.get(C), Some(&1), "{calls:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_queue_the_schedule_works_through_the_units_and_one_failing_account_spares_the_others()
 {
    let stack = three_members().await;
    let accounts = format!("{A},{B},{C}");
    let watch = LambdaWatch::start(
        "fleet-auditor",
        &env(&stack, &[("STREAMWARDEN_ACCOUNTS", accounts.as_str())]),
    );
    let error = watch.invoke(&scheduled("run-local")).error();
    assert!(error.contains("PartialFailure"), "{error}");
    assert!(error.contains(B), "names the account: {error}");
    assert!(!error.contains(A) && !error.contains(C), "{error}");
    let open = open_findings(&stack).await;
    assert_eq!(
        open.keys().cloned().collect::<BTreeSet<_>>(),
        BTreeSet::from([fleet_pk(A, "a-kiosk"), fleet_pk(C, "c-kiosk")]),
        "{open:?}"
    );
    let alerts = stack
        .inbox()
        .receive_at_least(2, Duration::from_secs(5))
        .await;
    let accounts: BTreeSet<&str> = alerts
        .iter()
        .map(|a| a.attributes["account"].as_str())
        .collect();
    assert_eq!(accounts, BTreeSet::from([A, C]));
}

/// Makes a member's fleet compliant, through the simulator as that account.
async fn close_internet(stack: &LocalStack, account: &str, fleet: &str) {
    let client = aws_sdk_appstream::Client::new(&stack.appstream_sdk_config_as(account));
    client
        .update_fleet()
        .name(fleet)
        .enable_default_internet_access(false)
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_organization_is_discovered_and_an_account_that_left_keeps_its_findings_open() {
    let stack = LocalStack::start_with(StackOptions {
        region: REGION.into(),
        ..StackOptions::default()
    })
    .await;
    let members = stack.moto().organization(3);
    let ids: Vec<&str> = members.iter().map(|(id, _)| id.as_str()).collect();
    let mut accounts = serde_json::Map::new();
    for (id, name) in &members {
        accounts.insert(id.clone(), member(id, name, true));
    }
    stack.appstream().add_accounts(accounts.into());
    let env = env(
        &stack,
        &[
            ("STREAMWARDEN_ACCOUNTS", "organization"),
            ("AWS_ENDPOINT_URL_ORGANIZATIONS", stack.moto().url()),
        ],
    );

    // Organizations lists the management account (the deployment's own, read with its
    // own credentials) beside the three members.
    let watch = LambdaWatch::start("fleet-auditor", &env);
    let answer = watch.invoke(&scheduled("run-org-1")).answer();
    assert_eq!(
        (&answer["accounts"], &answer["worked"], &answer["failed"]),
        (&json!(4), &json!(4), &json!(0)),
        "{answer}"
    );
    let open = open_findings(&stack).await;
    let expected: BTreeSet<String> = members
        .iter()
        .map(|(id, name)| fleet_pk(id, name))
        .collect();
    assert_eq!(open.keys().cloned().collect::<BTreeSet<_>>(), expected);
    drop(watch);

    // The third account leaves the organisation; both it and the first fix their fleets.
    let (gone, gone_name) = (&members[2].0, &members[2].1);
    stack
        .moto()
        .organizations("RemoveAccountFromOrganization", &json!({"AccountId": gone}));
    close_internet(&stack, ids[0], &members[0].1).await;
    close_internet(&stack, gone, gone_name).await;
    let history = history_of(&stack, gone).await;

    // A fresh function (no cached account list) sweeps the two that remain: the first's
    // finding resolves, the departed account's is left open, unread.
    let watch = LambdaWatch::start("fleet-auditor", &env);
    let answer = watch.invoke(&scheduled("run-org-2")).answer();
    assert_eq!(
        (&answer["accounts"], &answer["worked"], &answer["failed"]),
        (&json!(3), &json!(3), &json!(0)),
        "{answer}"
    );
    let open = open_findings(&stack).await;
    let internet: BTreeSet<&String> = open
        .iter()
        .filter(|(_, rules)| rules.contains(INTERNET))
        .map(|(pk, _)| pk)
        .collect();
    assert_eq!(
        internet,
        BTreeSet::from([&fleet_pk(ids[1], &members[1].1), &fleet_pk(gone, gone_name)]),
        "{open:?}"
    );
    assert_eq!(history_of(&stack, gone).await, history);
}
