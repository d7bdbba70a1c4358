//! The rules, one module per family. Each rule is a constant beside its check and its
//! test table; [`super::CATALOG`] lists them.

pub mod account;
pub mod builder;
pub mod capacity;
pub mod elastic;
pub mod image;
pub mod instance;
pub mod multi_session;
pub mod network;
pub mod security;
pub mod session;
pub mod stack;
pub mod stack_controls;
pub mod timeouts;

use super::Outcome;

/// A rule that complies.
pub(crate) const PASS: Outcome = Ok(None);

/// A rule that fails with this message.
pub(crate) fn fail(message: impl Into<String>) -> Outcome {
    Ok(Some(message.into()))
}

/// The message of a rule that meets a value this build does not know (a newer AWS enum
/// value, a typo): never compliant, and saying so.
pub(crate) fn not_understood(field: &str, value: &str, known: &[&str]) -> String {
    format!(
        "{field} {value:?} is not understood by this streamwarden (known: {}), so it cannot be judged compliant",
        known.join(", ")
    )
}

/// A resource's error list (FleetErrors, StackErrors, ImageBuilderErrors): fails naming
/// each ErrorCode, with its message where AWS gives one.
pub(crate) fn resource_errors<'a>(
    field: &str,
    errors: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
) -> Outcome {
    let codes: Vec<String> = errors
        .into_iter()
        .map(|(code, message)| match message {
            Some(m) => format!("{code} ({m})"),
            None => code.to_owned(),
        })
        .collect();
    if codes.is_empty() {
        PASS
    } else {
        fail(format!("{field}: {}", codes.join("; ")))
    }
}

/// A list of values for a message: `A, B`, or `none` when empty.
pub(crate) fn listed(values: &[String]) -> String {
    if values.is_empty() {
        "none".to_owned()
    } else {
        values.join(", ")
    }
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
    use crate::model::{Account, Fleet, Image, ImageBuilder, Origin, Stack};
    use crate::policy::{Check, Outcome, Policy, Rule};
    use chrono::{DateTime, Utc};
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

    /// Runs one fleet rule that reads the time of the evaluation.
    pub fn fails_at(
        rule: &Rule,
        policy: &Policy,
        fleet: &Fleet,
        now: DateTime<Utc>,
    ) -> Option<bool> {
        let Check::FleetAt(check) = rule.check else {
            panic!("{} is not a timed fleet rule", rule.id)
        };
        outcome(check(policy, fleet, now))
    }

    pub fn builder_fails(
        rule: &Rule,
        policy: &Policy,
        builder: &ImageBuilder,
        now: DateTime<Utc>,
    ) -> Option<bool> {
        let Check::Builder(check) = rule.check else {
            panic!("{} is not an image builder rule", rule.id)
        };
        outcome(check(policy, builder, now))
    }

    pub fn image_fails(rule: &Rule, policy: &Policy, image: &Image) -> Option<bool> {
        let Check::Image(check) = rule.check else {
            panic!("{} is not an image rule", rule.id)
        };
        outcome(check(policy, image))
    }

    pub fn account_fails(rule: &Rule, policy: &Policy, account: &Account) -> Option<bool> {
        let Check::Account(check) = rule.check else {
            panic!("{} is not an account rule", rule.id)
        };
        outcome(check(policy, account))
    }

    /// The failure message of an outcome (panics unless it fails).
    pub fn message(outcome: Outcome) -> String {
        match outcome {
            Ok(Some(message)) => message,
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    fn outcome(outcome: Outcome) -> Option<bool> {
        match outcome {
            Ok(result) => Some(result.is_some()),
            Err(_) => None,
        }
    }
}
