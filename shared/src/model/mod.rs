//! The domain model every input maps onto: fleets, stacks and sessions, in AppStream's
//! own words. Each field read from outside is an [`Attr`], so a value that cannot be
//! known offline is carried as such instead of being guessed.

mod attr;
mod fleet;
mod session;
mod stack;

pub use attr::{Attr, Unread, UnreadReason};
pub use fleet::{
    ComputeCapacity, ComputeCapacityStatus, DomainJoinInfo, Fleet, FleetError, FleetType, Origin,
    VpcConfig,
};
pub use session::{AuthenticationType, InstanceLoad, Observation, Session, TrackedSession};
pub use stack::{AccessEndpoint, Stack, StackError, UserSetting};
