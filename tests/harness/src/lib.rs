//! `streamwarden-harness`: starts the real parts of the local stack for tests, on free
//! ports, with clean shutdown on drop and readable failures.
//!
//! - [`LocalStack`]: all of them as a function or the CLI uses them, in one region: the
//!   simulator, moto with the table of `template.yaml`, the alert topic and a queue
//!   subscribed to it, optionally the DynamoDB fault proxy; SDK clients for the test and
//!   the environment for a child process. Start here; the parts below serve it and the
//!   tests of the parts themselves.
//! - [`Moto`]: a `moto_server` process (DynamoDB, SNS, SQS) from the repository's
//!   `.venv/` (made by `scripts/bootstrap.sh`).
//! - [`Inbox`]: an SQS queue subscribed to an SNS topic, returning what a subscriber
//!   receives (subject, message, message attributes).
//! - [`AppStream`]: the AppStream simulator (`appstream-sim`) on its own thread; it also
//!   answers STS and serves many accounts, told apart by the access key
//!   ([`AppStream::sdk_config_as`], [`AppStream::add_accounts`]).
//! - [`Moto::organization`]: an AWS Organization with member accounts in moto, whose
//!   ids a test can give the simulator.
//! - [`LambdaWatch`]: a function's real binary behind `cargo lambda watch`, invoked
//!   with `cargo lambda invoke` ([`workspace_binary`] builds another binary, such as
//!   the CLI, for a function's test).
//! - [`Queue`]: an SQS work queue in moto, what was sent to it, and the SQS event
//!   Lambda would deliver from it ([`sqs_event`]).
//! - [`DynamoProxy`]: a fault-injecting proxy in front of moto's DynamoDB, for the
//!   partial `BatchWriteItem` results and throttling errors moto never produces.
//!
//! Nothing here reads or changes the test process's environment: every client and child
//! process gets its endpoints, credentials and region explicitly.
//!
//! ```no_run
//! # async fn demo() {
//! use streamwarden_harness::LocalStack;
//! let stack = LocalStack::start().await;
//! let db = stack.dynamodb(); // the table is there, named stack.table()
//! // ... run the code under test, e.g. stack.command("streamwarden") ...
//! let got = stack.inbox().receive_all(std::time::Duration::from_secs(5)).await;
//! # }
//! ```

mod appstream;
pub mod ddb_proxy;
mod inbox;
mod lambda;
mod local_stack;
mod moto;
mod organizations;
mod queue;
mod table;

use std::path::{Path, PathBuf};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::{Credentials, SharedCredentialsProvider};

pub use appstream::{AppStream, sample_scenario};
pub use ddb_proxy::{DynamoProxy, ProxyStats};
pub use inbox::{Inbox, Notification};
pub use lambda::{Invocation, LambdaWatch, workspace_binary};
pub use local_stack::{LocalStack, StackOptions, TABLE, TOPIC};
pub use moto::Moto;
pub use queue::{Queue, QueuedMessage, sqs_event, sqs_record};
pub use table::create_table;

/// The simulator crate, re-exported so tests can build a [`appstream_sim::SimConfig`],
/// [`appstream_sim::Scenario`] or [`appstream_sim::FaultRule`] without another dependency.
pub use appstream_sim;

/// Region every harness client and child process uses.
pub const REGION: &str = "us-east-1";
/// Static test access key id (moto accepts any; this one maps to its default account).
pub const ACCESS_KEY_ID: &str = "testing";
/// Static test secret access key.
pub const SECRET_ACCESS_KEY: &str = "testing";
/// The account moto puts resources in for [`ACCESS_KEY_ID`].
pub const MOTO_ACCOUNT_ID: &str = "123456789012";

/// The repository root, found from this crate's manifest directory (`<repo>/tests/harness`)
/// at compile time, so it does not depend on the test's working directory.
pub fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .map_or_else(|| manifest.to_path_buf(), Path::to_path_buf)
}

/// SDK configuration for a local endpoint: static test credentials, `region`,
/// `endpoint_url`, standard retries and a 30 s operation timeout. Built from scratch (not
/// `aws_config::load_defaults`), so no environment variable or profile file of the test
/// process can redirect or re-credential the clients; in particular
/// `AWS_ENDPOINT_URL_<SERVICE>` would otherwise win over `endpoint_url`.
fn client_config(endpoint: &str, region: &str) -> SdkConfig {
    client_config_as(endpoint, region, ACCESS_KEY_ID)
}

/// [`client_config`] with `access_key` as the access key id (the AppStream simulator
/// maps a 12-digit key to that account). It carries a time source, so
/// `aws_config::sts::AssumeRoleProvider` can be configured from it.
fn client_config_as(endpoint: &str, region: &str, access_key: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .time_source(aws_smithy_async::time::SystemTimeSource::new())
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            access_key,
            SECRET_ACCESS_KEY,
            None,
            None,
            "streamwarden-harness",
        )))
        .endpoint_url(endpoint)
        .retry_config(RetryConfig::standard())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_timeout(Duration::from_secs(30))
                .build(),
        )
        .build()
}

/// Runs `script` with the repository's `.venv/bin/python` (boto3 is there) and nothing
/// in its environment but `env` (e.g. [`LocalStack::env`]), and returns what it printed:
/// proof that a process outside the test reaches the stack through the standard
/// variables alone.
///
/// # Panics
/// When Python cannot be run or the script fails; the message carries its stderr.
pub fn python(script: &str, env: Vec<(String, String)>) -> String {
    let binary = repo_root().join(".venv/bin/python");
    let out = std::process::Command::new(&binary)
        .args(["-c", script])
        .env_clear()
        .envs(env)
        .output()
        .unwrap_or_else(|e| panic!("could not run {}: {e}", binary.display()));
    if !out.status.success() {
        panic!(
            "python script failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    String::from_utf8_lossy(&out.stdout).into_owned()
}
