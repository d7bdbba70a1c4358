//! The domain model every input maps onto: fleets, stacks, image builders, images,
//! account settings and sessions, in AppStream's own words. Each field read from outside
//! is an [`Attr`], so a value that cannot be known offline is carried as such instead of
//! being guessed.

mod account;
mod attr;
mod builder;
mod fleet;
mod image;
mod join;
mod session;
mod stack;

pub use account::{Account, UsageReportSubscription};
pub use attr::{Attr, Unread, UnreadReason};
pub use builder::{ImageBuilder, ResourceError};
pub use fleet::{
    ComputeCapacity, ComputeCapacityStatus, DomainJoinInfo, Fleet, FleetError, FleetType, Origin,
    VpcConfig,
};
pub use image::{FleetImage, Image, SharedWith};
pub use join::join_images;
pub use session::{AuthenticationType, InstanceLoad, Observation, Session, TrackedSession};
pub use stack::{
    AccessEndpoint, AgentAccess, AgentAccessSetting, Stack, StackError, StorageConnector,
    UrlRedirection, UserSetting,
};
