//! The rules, one module per family. Each rule is a constant beside its check and its
//! test table; [`super::CATALOG`] lists them.

pub mod capacity;
pub mod elastic;
pub mod instance;
pub mod multi_session;
pub mod network;
pub mod security;
pub mod session;
pub mod stack;
pub mod timeouts;

use super::Outcome;

/// A rule that complies.
pub(crate) const PASS: Outcome = Ok(None);

/// A rule that fails with this message.
pub(crate) fn fail(message: impl Into<String>) -> Outcome {
    Ok(Some(message.into()))
}

/// Seconds as a short human duration (`36000` -> `10 h`), for messages.
pub(crate) fn human_seconds(seconds: i64) -> String {
    if seconds != 0 && seconds % 3600 == 0 {
        format!("{} h", seconds / 3600)
    } else if seconds != 0 && seconds % 60 == 0 {
        format!("{} min", seconds / 60)
    } else {
        format!("{seconds} s")
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Builds resources from JSON, as the readers do, so rule tests read like inputs.

    use crate::finding::Source;
    use crate::inputs::{Mode, Node, read_fleet, read_stack};
    use crate::model::{Fleet, Origin, Stack};
    use crate::policy::{Outcome, Policy, Rule};
    use serde_json::Value;

    pub fn fleet(origin: Origin, json: Value) -> Fleet {
        let mode = if origin == Origin::Template {
            Mode::Template
        } else {
            Mode::Api
        };
        let node = Node::root(&json, "test.json", mode);
        read_fleet(&node, origin, Source::default(), Some("test-fleet")).unwrap()
    }

    pub fn described(json: Value) -> Fleet {
        fleet(Origin::Described, json)
    }

    pub fn request(json: Value) -> Fleet {
        fleet(Origin::CreateRequest, json)
    }

    pub fn stack(json: Value) -> Stack {
        let node = Node::root(&json, "test.json", Mode::Api);
        read_stack(
            &node,
            Origin::Described,
            Source::default(),
            Some("test-stack"),
        )
        .unwrap()
    }

    pub fn policy(toml: &str) -> Policy {
        Policy::parse("test.toml", toml).unwrap()
    }

    /// Runs one fleet rule; `Some(true)` fails, `Some(false)` complies, `None` unresolved.
    pub fn fails(rule: &Rule, policy: &Policy, fleet: &Fleet) -> Option<bool> {
        let crate::policy::Check::Fleet(check) = rule.check else {
            panic!("{} is not a fleet rule", rule.id)
        };
        outcome(check(policy, fleet))
    }

    pub fn stack_fails(rule: &Rule, policy: &Policy, stack: &Stack) -> Option<bool> {
        let crate::policy::Check::Stack(check) = rule.check else {
            panic!("{} is not a stack rule", rule.id)
        };
        outcome(check(policy, stack))
    }

    fn outcome(outcome: Outcome) -> Option<bool> {
        match outcome {
            Ok(result) => Some(result.is_some()),
            Err(_) => None,
        }
    }
}
