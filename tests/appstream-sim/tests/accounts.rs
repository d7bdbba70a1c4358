//! Many accounts and regions in one simulator: the account from the request's SigV4
//! access key, STS AssumeRole and GetCallerIdentity on the same port, roles that deny
//! operations, disabled regions, account-scoped faults and generated organisations,
//! all through the unmodified SDK clients.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use appstream_sim::world::Kind;
use appstream_sim::{FaultRule, SimConfig, SimHandle};
use aws_config::sts::AssumeRoleProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_appstream::config::{Credentials, SharedCredentialsProvider};
use aws_sdk_appstream::error::ProvideErrorMetadata;
use aws_smithy_async::time::SystemTimeSource;
use serde_json::{Value, json};

const A: &str = "111111111111";
const B: &str = "222222222222";
const ROLE: &str = "StreamwardenAudit";

fn organisation() -> Value {
    json!({
        "Now": "2026-11-30T08:00:00Z",
        "Region": "us-east-1",
        "Fleets": [{"Name": "home-fleet"}],
        "Accounts": {
            A: {
                "Roles": [{"RoleName": ROLE, "Deny": ["DescribeImages"]}],
                "Regions": {
                    "eu-west-1": {
                        "Fleets": [{"Name": "a-fleet", "State": "RUNNING"}],
                        "Stacks": [{"Name": "a-stack"}],
                        "Associations": [{"FleetName": "a-fleet", "StackName": "a-stack"}]
                    },
                    "ap-east-1": {"Enabled": false}
                }
            },
            B: {"Regions": {"eu-west-1": {"Fleets": [{"Name": "b-fleet"}]}}}
        }
    })
}

/// SDK configuration for the simulator with static credentials `key` in `region`.
fn config(sim: &SimHandle, key: &str, region: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            key, "secret", None, None, "test",
        )))
        .endpoint_url(sim.url())
        .time_source(SystemTimeSource::new())
        .build()
}

fn appstream(sim: &SimHandle, key: &str, region: &str) -> aws_sdk_appstream::Client {
    aws_sdk_appstream::Client::new(&config(sim, key, region))
}

async fn fleet_names(client: &aws_sdk_appstream::Client) -> Vec<String> {
    let out = client.describe_fleets().send().await.unwrap();
    out.fleets()
        .iter()
        .map(|f| f.name().unwrap_or_default().to_owned())
        .collect()
}

async fn stack_names(client: &aws_sdk_appstream::Client) -> Vec<String> {
    let out = client.describe_stacks().send().await.unwrap();
    out.stacks()
        .iter()
        .map(|s| s.name().unwrap_or_default().to_owned())
        .collect()
}

/// Credentials of `role` in `account`, assumed through aws-config's provider from the
/// default account's static key.
async fn assumed(sim: &SimHandle, account: &str, role: &str, region: &str) -> SdkConfig {
    let base = config(sim, "AKIDSIMULATOR", region);
    let provider = AssumeRoleProvider::builder(format!("arn:aws:iam::{account}:role/{role}"))
        .session_name("fleet-auditor")
        .configure(&base)
        .build()
        .await;
    base.into_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build()
}

#[tokio::test]
async fn each_account_sees_only_its_own_world() {
    let sim = common::start(organisation(), SimConfig::default()).await;
    let a = appstream(&sim, A, "eu-west-1");
    let b = appstream(&sim, B, "eu-west-1");
    assert_eq!(fleet_names(&a).await, ["a-fleet"]);
    assert_eq!(fleet_names(&b).await, ["b-fleet"]);

    // ARNs carry the account and region.
    let fleet = a.describe_fleets().send().await.unwrap();
    let arn = fleet.fleets()[0].arn().unwrap().to_owned();
    assert_eq!(
        arn,
        format!("arn:aws:appstream:eu-west-1:{A}:fleet/a-fleet")
    );

    // B creates a stack and a fleet: B sees them, A does not.
    b.create_stack().name("b-new").send().await.unwrap();
    assert_eq!(stack_names(&b).await, ["b-new"]);
    assert_eq!(stack_names(&a).await, ["a-stack"]);
    let created = b
        .create_fleet()
        .name("b-created")
        .instance_type("stream.standard.small")
        .compute_capacity(
            aws_sdk_appstream::types::ComputeCapacity::builder()
                .desired_instances(2)
                .build(),
        )
        .tags("Team", "b")
        .send()
        .await
        .unwrap();
    let created = created.fleet().unwrap();
    assert_eq!(
        created.arn(),
        Some(format!("arn:aws:appstream:eu-west-1:{B}:fleet/b-created").as_str())
    );
    assert_eq!(created.state().map(|s| s.as_str()), Some("STOPPED"));
    assert_eq!(fleet_names(&b).await, ["b-fleet", "b-created"]);
    assert_eq!(fleet_names(&a).await, ["a-fleet"]);
    let err = b
        .create_fleet()
        .name("b-created")
        .instance_type("stream.standard.small")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceAlreadyExistsException"));

    // B can neither tag, describe nor start A's fleet.
    let err = b
        .tag_resource()
        .resource_arn(&arn)
        .tags("Team", "b")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    let err = b.start_fleet().name("a-fleet").send().await.unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    let err = b
        .describe_fleets()
        .names("a-fleet")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    let tags = a
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    assert!(tags.tags().is_none_or(|t| t.is_empty()));

    // The call log names the world that answered.
    let calls = sim.sim().calls();
    assert!(
        calls
            .iter()
            .any(|c| c.operation == "CreateStack" && c.account == B)
    );
    assert!(
        calls
            .iter()
            .all(|c| c.region == "eu-west-1" && (c.account == A || c.account == B))
    );
}

#[tokio::test]
async fn other_keys_keep_the_default_account_in_every_region() {
    let sim = common::start(organisation(), SimConfig::default()).await;
    for region in ["us-east-1", "eu-west-1", "ap-east-1"] {
        let client = appstream(&sim, "AKIDSIMULATOR", region);
        assert_eq!(fleet_names(&client).await, ["home-fleet"], "{region}");
    }
    let home = appstream(&sim, "123456789012", "us-east-1");
    assert_eq!(fleet_names(&home).await, ["home-fleet"]);
    let fleet = home.describe_fleets().send().await.unwrap();
    assert_eq!(
        fleet.fleets()[0].arn(),
        Some("arn:aws:appstream:us-east-1:123456789012:fleet/home-fleet")
    );
}

#[tokio::test]
async fn a_region_without_a_world_is_empty_and_a_disabled_one_refuses() {
    let sim = common::start(organisation(), SimConfig::default()).await;
    let empty = appstream(&sim, A, "us-west-2");
    assert!(fleet_names(&empty).await.is_empty());
    // A key of an account nobody declared: an empty account, seeded by its own calls.
    let new = appstream(&sim, "333333333333", "eu-west-1");
    assert!(fleet_names(&new).await.is_empty());
    new.create_stack().name("seeded").send().await.unwrap();
    assert_eq!(stack_names(&new).await, ["seeded"]);
    assert_eq!(
        sim.sim().world_counts("333333333333", "eu-west-1").unwrap()["stacks"],
        1
    );

    let disabled = appstream(&sim, A, "ap-east-1");
    let err = disabled.describe_fleets().send().await.unwrap_err();
    assert_eq!(err.code(), Some("UnrecognizedClientException"));
    assert_eq!(
        err.message(),
        Some("The security token included in the request is invalid")
    );
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 403);
}

#[tokio::test]
async fn assumed_role_credentials_act_in_the_role_account_within_its_permissions() {
    let sim = common::start(organisation(), SimConfig::default()).await;
    let conf = assumed(&sim, A, ROLE, "eu-west-1").await;
    let client = aws_sdk_appstream::Client::new(&conf);
    assert_eq!(fleet_names(&client).await, ["a-fleet"]);

    // The role denies DescribeImages.
    let err = client.describe_images().send().await.unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"));
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 400);
    let message = err.message().unwrap();
    assert!(
        message.starts_with(&format!(
            "User: arn:aws:sts::{A}:assumed-role/{ROLE}/fleet-auditor is not authorized to perform: appstream:DescribeImages"
        )),
        "{message}"
    );

    // GetCallerIdentity with the same credentials.
    let sts = aws_sdk_sts::Client::new(&conf);
    let me = sts.get_caller_identity().send().await.unwrap();
    assert_eq!(me.account(), Some(A));
    assert_eq!(
        me.arn(),
        Some(format!("arn:aws:sts::{A}:assumed-role/{ROLE}/fleet-auditor").as_str())
    );
    assert!(me.user_id().unwrap().starts_with("AROA"));
    assert!(me.user_id().unwrap().ends_with(":fleet-auditor"));

    // AssumeRole was called for A (each client caches the provider's credentials).
    let calls = sim.sim().assume_role_calls();
    assert!(calls[A] >= 1, "{calls:?}");
    assert!(!calls.contains_key(B));
}

#[tokio::test]
async fn assume_role_through_the_sts_client() {
    let sim = common::start(organisation(), SimConfig::default()).await;
    let sts = aws_sdk_sts::Client::new(&config(&sim, "AKIDSIMULATOR", "us-east-1"));
    let arn = format!("arn:aws:iam::{A}:role/{ROLE}");
    let out = sts
        .assume_role()
        .role_arn(&arn)
        .role_session_name("s1")
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    let creds = out.credentials().unwrap();
    assert!(creds.access_key_id().starts_with("ASIA"));
    assert!(!creds.secret_access_key().is_empty());
    assert!(!creds.session_token().is_empty());
    // Expiration = simulated now (2026-11-30T08:00:00Z, frozen) + 900 s.
    assert_eq!(creds.expiration().secs(), 1_796_025_600 + 900);
    let user = out.assumed_role_user().unwrap();
    assert_eq!(
        user.arn(),
        format!("arn:aws:sts::{A}:assumed-role/{ROLE}/s1")
    );
    assert!(user.assumed_role_id().ends_with(":s1"));

    let second = sts
        .assume_role()
        .role_arn(&arn)
        .role_session_name("s2")
        .send()
        .await
        .unwrap();
    assert_ne!(
        second.credentials().unwrap().access_key_id(),
        creds.access_key_id()
    );

    // B declares no role: AccessDenied, 403, in the STS error document.
    let denied_arn = format!("arn:aws:iam::{B}:role/{ROLE}");
    let err = sts
        .assume_role()
        .role_arn(&denied_arn)
        .role_session_name("s3")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"));
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 403);
    assert_eq!(
        err.message(),
        Some(
            format!(
                "User: arn:aws:iam::123456789012:root is not authorized to perform: sts:AssumeRole on resource: {denied_arn}"
            )
            .as_str()
        )
    );

    // The counters, in process and on the control API.
    let calls = sim.sim().assume_role_calls();
    assert_eq!((calls[A], calls[B]), (2, 1));
    let (status, body) = common::control(&sim.url(), "GET", "/_sim/sts", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["AssumeRole"], json!({A: 2, B: 1}));
    assert_eq!(body["AssumeRoleDenied"], json!({B: 1}));
    assert_eq!(body["IssuedCredentials"], 2);
    let (_, body) = common::control(&sim.url(), "DELETE", "/_sim/sts", None).await;
    assert_eq!(body["AssumeRole"], json!({}));

    // The issued key maps to A; once expired it is refused.
    let key = creds.access_key_id().to_owned();
    let client = aws_sdk_appstream::Client::new(
        &SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-west-1"))
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                key,
                creds.secret_access_key(),
                Some(creds.session_token().to_owned()),
                None,
                "test",
            )))
            .endpoint_url(sim.url())
            .build(),
    );
    assert_eq!(fleet_names(&client).await, ["a-fleet"]);
    sim.sim().advance_clock(901.0);
    let err = client.describe_fleets().send().await.unwrap_err();
    assert_eq!(err.code(), Some("ExpiredTokenException"));
}

#[tokio::test]
async fn get_caller_identity_of_static_keys() {
    let sim = common::start(organisation(), SimConfig::default()).await;
    for (key, account) in [("AKIDSIMULATOR", "123456789012"), (B, B)] {
        let sts = aws_sdk_sts::Client::new(&config(&sim, key, "eu-west-1"));
        let me = sts.get_caller_identity().send().await.unwrap();
        assert_eq!(me.account(), Some(account));
        assert_eq!(me.user_id(), Some(account));
        assert_eq!(
            me.arn(),
            Some(format!("arn:aws:iam::{account}:root").as_str())
        );
    }
}

#[tokio::test]
async fn tests_change_a_member_world_in_process() {
    let sim = common::start(organisation(), SimConfig::default()).await;
    let fleet = json!({"Name": "added", "State": "RUNNING"});
    let added = sim
        .sim()
        .with_world(A, "eu-west-1", |w, _| {
            w.insert_resource(Kind::Fleet, fleet.as_object().unwrap().clone())
        })
        .unwrap()
        .unwrap();
    assert_eq!(
        added["Arn"],
        format!("arn:aws:appstream:eu-west-1:{A}:fleet/added")
    );
    let a = appstream(&sim, A, "eu-west-1");
    assert_eq!(fleet_names(&a).await, ["a-fleet", "added"]);
    assert_eq!(
        fleet_names(&appstream(&sim, B, "eu-west-1")).await,
        ["b-fleet"]
    );
    assert!(sim.sim().with_world(A, "ap-east-1", |_, _| ()).is_err());
}

#[tokio::test]
async fn faults_can_target_one_account() {
    let config = SimConfig::default().fault(FaultRule {
        error_every: Some(1),
        account: Some(B.into()),
        ..FaultRule::default()
    });
    let sim = common::start(organisation(), config).await;
    assert_eq!(
        fleet_names(&appstream(&sim, A, "eu-west-1")).await,
        ["a-fleet"]
    );
    let err = appstream(&sim, B, "eu-west-1")
        .describe_fleets()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InternalServiceError"));
}

#[tokio::test]
async fn faults_naming_assume_role_hit_sts_and_others_leave_it_alone() {
    let config = SimConfig::default()
        .fault(FaultRule {
            error_every: Some(1),
            ..FaultRule::default()
        })
        .fault(FaultRule {
            throttle_every: Some(2),
            operations: vec!["AssumeRole".into()],
            account: Some(A.into()),
            ..FaultRule::default()
        });
    let sim = common::start(organisation(), config).await;
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(&config_of(&sim))
            .retry_config(aws_sdk_sts::config::retry::RetryConfig::disabled())
            .build(),
    );
    let assume = || {
        sts.assume_role()
            .role_arn(format!("arn:aws:iam::{A}:role/{ROLE}"))
            .role_session_name("s")
            .send()
    };
    assert!(assume().await.is_ok());
    let err = assume().await.unwrap_err();
    assert_eq!(err.code(), Some("Throttling"));
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 400);
    assert!(assume().await.is_ok());
    assert_eq!(sim.sim().assume_role_calls()[A], 3);
}

fn config_of(sim: &SimHandle) -> SdkConfig {
    config(sim, "AKIDSIMULATOR", "us-east-1")
}

#[tokio::test]
async fn generated_organisation() {
    let sim = common::start(json!({}), SimConfig::default()).await;
    let (status, body) = common::control(
        &sim.url(),
        "POST",
        "/_sim/accounts/generate",
        Some(json!({
            "Accounts": 100,
            "Regions": ["us-east-1", "eu-west-1", "ap-southeast-2"],
            "Fleets": 10, "Stacks": 10, "RoleName": "StreamwardenMember"
        })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let ids = body["AccountIds"].as_array().unwrap();
    assert_eq!(ids.len(), 100);
    assert_eq!(ids[99], "100000000100");
    let health = sim.sim().health();
    assert_eq!(health["worlds"], 301);
    assert_eq!(health["accounts"], 101);
    let accounts = sim.sim().accounts_json();
    let mut fleets = 0;
    for id in ids {
        for (_, counts) in accounts[id.as_str().unwrap()]["Regions"]
            .as_object()
            .unwrap()
        {
            fleets += counts["fleets"].as_u64().unwrap();
            assert_eq!(counts["stacks"], 10);
            assert_eq!(counts["associations"], 10);
        }
    }
    assert_eq!(fleets, 3_000);

    let member = assumed(&sim, "100000000042", "StreamwardenMember", "ap-southeast-2").await;
    let client = aws_sdk_appstream::Client::new(&member);
    let fleets = fleet_names(&client).await;
    assert_eq!(fleets.len(), 10);
    let arn = client.describe_stacks().send().await.unwrap().stacks()[0]
        .arn()
        .unwrap()
        .to_owned();
    assert_eq!(
        arn,
        "arn:aws:appstream:ap-southeast-2:100000000042:stack/stack-000"
    );
}

#[tokio::test]
async fn accounts_round_trip_through_the_scenario_document() {
    let sim = common::start(organisation(), SimConfig::default()).await;
    let (_, doc) = common::control(&sim.url(), "GET", "/_sim/scenario", None).await;
    assert_eq!(doc["Accounts"][A]["Roles"][0]["RoleName"], ROLE);
    assert_eq!(
        doc["Accounts"][A]["Regions"]["ap-east-1"],
        json!({"Enabled": false})
    );
    let (status, _) = common::control(&sim.url(), "POST", "/_sim/scenario", Some(doc)).await;
    assert_eq!(status, 200);
    assert_eq!(
        fleet_names(&appstream(&sim, A, "eu-west-1")).await,
        ["a-fleet"]
    );
    let (status, body) = common::control(
        &sim.url(),
        "POST",
        "/_sim/scenario",
        Some(json!({"Accounts": {"123": {}}})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
}
