//! Many accounts: an organisation made in moto, its member ids seeded into the AppStream
//! simulator, the simulator's STS reached through `AWS_ENDPOINT_URL_STS` by a child
//! process, and the AssumeRole counters.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use serde_json::json;
use streamwarden_harness::{LocalStack, MOTO_ACCOUNT_ID, python};

const ROLE: &str = "StreamwardenMember";

#[tokio::test]
async fn moto_organization_accounts_seed_the_simulator_and_roles_are_assumed_through_env() {
    let stack = LocalStack::start().await;
    let members = stack.moto().organization(3);
    assert_eq!(members.len(), 3, "{members:?}");
    let ids: BTreeSet<&str> = members.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids.len(), 3);
    assert!(!ids.contains(MOTO_ACCOUNT_ID));
    assert!(
        ids.iter()
            .all(|id| id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()))
    );
    let names: BTreeSet<&str> = members.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(
        names,
        BTreeSet::from(["member-01", "member-02", "member-03"])
    );

    // Seed each member with one fleet named after it; only the first declares the role.
    let (first, second) = (&members[0].0, &members[1].0);
    let mut accounts = serde_json::Map::new();
    for (i, (id, name)) in members.iter().enumerate() {
        let roles = if i == 0 {
            json!([{"RoleName": ROLE}])
        } else {
            json!([])
        };
        accounts.insert(
            id.clone(),
            json!({"Roles": roles, "Regions": {"us-east-1": {"Fleets": [{"Name": name}]}}}),
        );
    }
    stack.appstream().add_accounts(accounts.into());

    // A client for account X: X's access key.
    let client = aws_sdk_appstream::Client::new(&stack.appstream_sdk_config_as(second));
    let fleets = client.describe_fleets().send().await.unwrap();
    let names: Vec<&str> = fleets.fleets().iter().filter_map(|f| f.name()).collect();
    assert_eq!(names, ["member-02"]);

    // A child process with only env(): boto3 assumes the role through the simulator's
    // STS and lists the member's fleets with the credentials it got.
    let script = format!(
        r#"
import boto3, botocore.exceptions
sts = boto3.client("sts")
print(sts.get_caller_identity()["Account"])
creds = sts.assume_role(RoleArn="arn:aws:iam::{first}:role/{ROLE}", RoleSessionName="child")["Credentials"]
member = boto3.client("appstream", aws_access_key_id=creds["AccessKeyId"],
    aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
print(",".join(f["Name"] for f in member.describe_fleets()["Fleets"]))
try:
    sts.assume_role(RoleArn="arn:aws:iam::{second}:role/{ROLE}", RoleSessionName="child")
except botocore.exceptions.ClientError as e:
    print(e.response["Error"]["Code"])
"#
    );
    let out = python(&script, stack.env());
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [MOTO_ACCOUNT_ID, "member-01", "AccessDenied"],
        "{out}"
    );

    let calls = stack.appstream().assume_role_calls();
    assert_eq!(calls.get(first.as_str()), Some(&1));
    assert_eq!(calls.get(second.as_str()), Some(&1));
}
