//! The edges to AWS: the adapters behind the core's ports. Each owns its SDK types,
//! NextToken loops and retries, and hands the rest of the crate only domain types. No
//! `aws_sdk_*` type is used outside this module.

pub mod appstream;
pub mod clients;
pub mod dynamodb;
pub mod members;
pub mod securityhub;
pub mod sns;
pub mod sqs;
pub mod tagging;

pub use appstream::AppStreamInventory;
pub use clients::{
    Aws, appstream_client, dynamodb_client, sns_client, tagging_client, tune_appstream,
    tune_tagging,
};
pub use dynamodb::DynamoStore;
pub use members::MemberAccess;
pub use securityhub::SecurityHubExporter;
pub use sns::SnsPublisher;
pub use sqs::FanOutQueue;
pub use tagging::ResourceTagging;
