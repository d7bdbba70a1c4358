//! Streamwarden core: the AppStream 2.0 (WorkSpaces Applications) domain model, the
//! readers that map every supported input onto it, the policy engine with the rule
//! catalog, and the renderers for its findings.
//!
//! The core is pure: [`policy::evaluate_fleet`] and [`policy::evaluate_stack`] take a
//! policy, a resource and the current time, and touch no client, clock or environment.

pub mod alert;
pub mod audit;
pub mod auditor;
pub mod aws;
pub mod config;
pub mod digest;
pub mod error;
pub mod events;
pub mod finding;
pub mod inputs;
pub mod model;
pub mod policy;
pub mod reconcile;
pub mod recorder;
pub mod report;
pub mod store;
pub mod terminal;

pub use error::{InputError, PolicyError};
pub use finding::{Finding, ResourceType, Severity, Source};
pub use policy::Policy;
