//! `streamwarden-harness`: starts the real parts of the local stack for tests, on free
//! ports, with clean shutdown on drop and readable failures.
//!
//! - [`Moto`]: a `moto_server` process (DynamoDB, SNS, SQS) from the repository's
//!   `.venv/` (made by `scripts/bootstrap.sh`), with an [`SdkConfig`](aws_config::SdkConfig)
//!   for in-process SDK clients and an environment for child processes.
//! - [`Inbox`]: an SQS queue subscribed to an SNS topic, returning what a subscriber
//!   receives (subject, message, message attributes).
//! - [`AppStream`]: the AppStream simulator (`appstream-sim`) on its own thread.
//! - [`DynamoProxy`]: a fault-injecting proxy in front of moto's DynamoDB, for the
//!   partial `BatchWriteItem` results and throttling errors moto never produces.
//!
//! Nothing here reads or changes the test process's environment: every client and child
//! process gets its endpoints, credentials and region explicitly.
//!
//! ```no_run
//! # async fn demo() {
//! use streamwarden_harness::{Inbox, Moto};
//! let moto = Moto::start();
//! let sns = aws_sdk_sns::Client::new(&moto.sdk_config());
//! let topic = sns.create_topic().name("alerts").send().await.unwrap();
//! let inbox = Inbox::subscribe(&moto.sdk_config(), topic.topic_arn().unwrap()).await;
//! // ... run the code under test ...
//! let got = inbox.receive_all(std::time::Duration::from_secs(5)).await;
//! # }
//! ```

mod appstream;
pub mod ddb_proxy;
mod inbox;
mod moto;

use std::path::{Path, PathBuf};

pub use appstream::AppStream;
pub use ddb_proxy::{DynamoProxy, ProxyStats};
pub use inbox::{Inbox, Notification};
pub use moto::Moto;

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
