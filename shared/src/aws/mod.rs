//! The edges to AWS. Each adapter owns its SDK types, NextToken loops and retries, and
//! hands the rest of the crate only domain types.

pub mod appstream;
pub mod dynamodb;
pub mod session_store;
pub mod sns;

pub use appstream::{AppStreamError, AppStreamInventory, FleetInventory};
pub use dynamodb::DynamoStore;
pub use sns::{AlertPublisher, PublishError, SnsPublisher};
