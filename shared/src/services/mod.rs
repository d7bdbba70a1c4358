//! The functions' logic, generic over the core's ports so it runs on the AWS adapters in
//! Lambda and on moto and the simulator in tests:
//! - [`fleet_auditor`]: audits what a CloudTrail event touched, or every resource on a
//!   schedule, and keeps the compliance state;
//! - [`session_recorder`]: records streaming-session history and capacity, and the
//!   session rules;
//! - [`reconcile`]: brings one resource's stored state to an evaluation, with history and
//!   a once-per-change alert through the outbox (used by both);
//! - [`failure`]: what a run could not do, with typed causes;
//! - [`fan_out`]: organisation mode, one unit of work per governed (account, region),
//!   sent to SQS or worked through, and the consumer with partial batch responses.

pub mod failure;
pub mod fan_out;
pub mod fleet_auditor;
pub mod reconcile;
pub mod session_recorder;
