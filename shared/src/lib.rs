//! Streamwarden core: compliance and audit for Amazon AppStream 2.0 (WorkSpaces
//! Applications).
//!
//! The layers point one way: the domain and the pure policy engine at the bottom, the
//! ports (traits) beside the types they speak, the services on the ports, and the AWS
//! adapters at the edge. No `aws_sdk_*` type is used outside [`aws`].
//!
//! Domain and pure logic (no I/O):
//! - [`model`]: fleets, stacks and sessions in AppStream's own words, each field an
//!   [`model::Attr`] that may be unknown offline;
//! - [`finding`]: a rule's verdict on a resource, and severities;
//! - [`error`]: errors of reading inputs and policies, and the boxed source adapters keep;
//! - [`inputs`]: readers that map every supported document (describe output, API
//!   requests, CloudTrail, templates) onto the model;
//! - [`policy`]: the policy file, the rule catalog and the evaluation;
//! - [`report`]: `check` and `audit` output (text, JSON, SARIF);
//! - [`alert`]: the alert of one finding change, its renderers, and the port alerts go to;
//! - [`digest`]: the daily digest, how it is built from the stores, and its renderers;
//! - [`markup`]: the escaping and wording the alert and digest renderers share (plain
//!   text, Slack mrkdwn, HTML);
//! - [`events`]: the Lambda events (EventBridge CloudTrail calls, schedules) decoded;
//! - [`org`]: the accounts a deployment governs, and the (account, region) unit of an
//!   organisation sweep with its fan-out message.
//!
//! Ports and what runs on them:
//! - [`inventory`]: the port to a region's AppStream resources, and reads built on it;
//! - [`store`]: the table's records and keys, and the finding and session store ports;
//! - [`region_audit`]: one read of a region's AppStream, evaluated (the CLI's `audit`,
//!   the fleet-auditor's sweep);
//! - [`services`]: the functions' logic (fleet auditor, session recorder, reconcile);
//! - [`config`]: the functions' `STREAMWARDEN_*` settings, validated at cold start.
//!
//! Edge:
//! - [`aws`]: the adapters over the AWS SDKs, and every SDK client built in one place.
//!
//! The policy core is pure: [`policy::evaluate_fleet`] and [`policy::evaluate_stack`]
//! take a policy, a resource and the current time, and touch no client, clock or
//! environment.

pub mod alert;
pub mod aws;
pub mod config;
pub mod digest;
pub mod error;
pub mod events;
pub mod export;
pub mod finding;
pub mod inputs;
pub mod inventory;
pub mod markup;
pub mod model;
pub mod org;
pub mod policy;
pub mod region_audit;
pub mod report;
pub mod services;
pub mod store;
pub mod tags;
pub mod terminal;

pub use error::{InputError, PolicyError};
pub use finding::{Finding, ResourceType, Severity, Source};
pub use policy::Policy;
