//! What a run could not do, each with its typed cause. A sweep or a recorder run goes on
//! past a failing resource or region and reports them all at the end: the message
//! counts the causes by their stable error type, so an alarm or a dead-letter reader
//! tells a throttled table from a bug without reading further.

use super::reconcile::ReconcileError;
use crate::alert::PublishError;
use crate::inventory::AppStreamError;
use crate::store::StoreError;
use std::collections::BTreeMap;
use std::fmt;

/// Why one part of a run failed.
#[derive(Debug, thiserror::Error)]
pub enum Cause {
    #[error(transparent)]
    AppStream(Box<AppStreamError>),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Publish(#[from] PublishError),
    #[error(
        "the state kept changing under concurrent invocations; gave up after {attempts} attempts"
    )]
    Contended { attempts: u32 },
    /// A governed account that could not be reached (its role, Organizations).
    #[error(transparent)]
    Access(#[from] crate::org::AccessError),
    /// A whole (account, region) that failed, with its own failures inside.
    #[error("{0}")]
    Nested(String, &'static str),
}

impl From<AppStreamError> for Cause {
    fn from(error: AppStreamError) -> Self {
        Cause::AppStream(Box::new(error))
    }
}

impl From<ReconcileError> for Cause {
    fn from(error: ReconcileError) -> Self {
        match error {
            ReconcileError::Store(e) => Cause::Store(e),
            ReconcileError::Publish(e) => Cause::Publish(e),
            ReconcileError::Contended { attempts, .. } => Cause::Contended { attempts },
        }
    }
}

impl Cause {
    /// Stable, for alarms and dead-letter triage.
    pub fn error_type(&self) -> &'static str {
        match self {
            Cause::AppStream(e) => e.error_type(),
            Cause::Store(e) => e.error_type(),
            Cause::Publish(_) => "PublishError",
            Cause::Contended { .. } => "Contended",
            Cause::Access(e) => e.error_type(),
            Cause::Nested(_, error_type) => error_type,
        }
    }
}

/// One failure: what it was about (`us-east-1: fleet kiosk`) and why.
#[derive(Debug, thiserror::Error)]
#[error("{scope}: {cause}")]
pub struct Failure {
    pub scope: String,
    #[source]
    pub cause: Cause,
}

impl Failure {
    pub fn new(scope: impl Into<String>, cause: impl Into<Cause>) -> Self {
        Failure {
            scope: scope.into(),
            cause: cause.into(),
        }
    }
}

/// Every failure of a run, in the order they happened.
#[derive(Debug, Default)]
pub struct Failures(pub Vec<Failure>);

impl Failures {
    pub fn push(&mut self, failure: Failure) {
        self.0.push(failure);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Failure> {
        self.0.iter()
    }

    /// How many failures of each error type.
    pub fn by_type(&self) -> BTreeMap<&'static str, usize> {
        let mut counts = BTreeMap::new();
        for failure in &self.0 {
            *counts.entry(failure.cause.error_type()).or_default() += 1;
        }
        counts
    }

    /// Logs each failure with its error type (warn: scopes name resources, never users).
    pub fn log(&self, what: &str) {
        for failure in &self.0 {
            tracing::warn!(
                error_type = failure.cause.error_type(),
                failure = %failure,
                "{what} failure"
            );
        }
    }
}

/// `3 failure(s) (StoreThrottled: 2, AppStreamError: 1): <the first five>; and N more`:
/// readable, and within Lambda's limits, when a whole region fails.
impl fmt::Display for Failures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 5;
        let types = self
            .by_type()
            .into_iter()
            .map(|(t, n)| format!("{t}: {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        write!(f, "{} failure(s) ({types}): ", self.0.len())?;
        for (i, failure) in self.0.iter().take(SHOWN).enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{failure}")?;
        }
        if self.0.len() > SHOWN {
            write!(
                f,
                "; and {} more (see the function's log)",
                self.0.len() - SHOWN
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_error(code: &str) -> StoreError {
        StoreError::Call {
            operation: "Query",
            table: "t".into(),
            code: Some(code.into()),
            summary: format!("{code}: slow down"),
            source: code.to_owned().into(),
        }
    }

    #[test]
    fn counts_causes_by_type_and_keeps_them() {
        let mut failures = Failures::default();
        failures.push(Failure::new(
            "us-east-1: fleet a",
            store_error("ProvisionedThroughputExceededException"),
        ));
        failures.push(Failure::new(
            "us-east-1: fleet b",
            store_error("ProvisionedThroughputExceededException"),
        ));
        failures.push(Failure::new(
            "us-east-1: fleet c",
            store_error("ValidationException"),
        ));
        assert_eq!(
            failures.by_type(),
            BTreeMap::from([("StoreError", 1), ("StoreThrottled", 2)])
        );
        let text = failures.to_string();
        assert!(
            text.starts_with("3 failure(s) (StoreError: 1, StoreThrottled: 2): us-east-1: fleet a: DynamoDB Query on table t failed: ProvisionedThroughputExceededException"),
            "{text}"
        );
        let first = failures.iter().next().map(std::error::Error::source);
        assert!(first.flatten().is_some(), "the cause is kept as the source");
    }

    #[test]
    fn shows_five_and_counts_the_rest() {
        let mut failures = Failures::default();
        for i in 0..8 {
            failures.push(Failure::new(
                format!("fleet {i}"),
                Cause::Contended { attempts: 4 },
            ));
        }
        let text = failures.to_string();
        assert!(text.contains("fleet 4:"), "{text}");
        assert!(!text.contains("fleet 5:"), "{text}");
        assert!(
            text.ends_with("; and 3 more (see the function's log)"),
            "{text}"
        );
    }
}
