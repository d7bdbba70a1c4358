//! The DynamoDB adapter: one table holding compliance state and history
//! ([`crate::store::FindingStore`]) and session history ([`crate::store::SessionStore`]).

mod findings;
mod migrate;
mod sessions;
mod store;

pub use migrate::{LayoutError, Migrated, migrate_item};
pub use sessions::{BATCH, item_size, write_units};
pub use store::DynamoStore;
