//! The Security Hub export port: where ASFF findings go, and how a batch of them is
//! sent (at most 100 per `BatchImportFindings` call, rejected findings retried).
//!
//! The port is object-safe (`Arc<dyn FindingExporter>`), so the export is switched on at
//! run time (`STREAMWARDEN_SECURITY_HUB=true`) without a type parameter on every service.
//! The adapter is [`crate::aws::securityhub`].

use crate::error::BoxError;
use crate::report::asff::AsffFinding;
use std::future::Future;
use std::pin::Pin;

/// `BatchImportFindings` takes at most 100 findings per call.
pub const MAX_BATCH: usize = 100;
/// Calls for findings Security Hub rejected (`FailedFindings`), the first included.
pub const REJECTED_ATTEMPTS: u32 = 3;

/// A finding Security Hub would not import, with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub id: String,
    pub code: String,
    pub message: String,
}

/// An export call that failed as a whole: nothing of it is known to be imported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(
        "Security Hub is not enabled in {region} for this account: enable it there, or set the \
         SecurityHubExport parameter to false ({summary})"
    )]
    NotEnabled {
        region: String,
        summary: String,
        #[source]
        source: BoxError,
    },
    #[error(
        "Security Hub throttled BatchImportFindings in {region} after the SDK's retries: {summary}"
    )]
    Throttled {
        region: String,
        summary: String,
        #[source]
        source: BoxError,
    },
    #[error("Security Hub BatchImportFindings in {region} failed: {summary}")]
    Call {
        region: String,
        code: Option<String>,
        summary: String,
        #[source]
        source: BoxError,
    },
}

impl ExportError {
    /// Stable, for alarms: a region without Security Hub is told from a throttled or a
    /// failing call.
    pub fn error_type(&self) -> &'static str {
        match self {
            ExportError::NotEnabled { .. } => "SecurityHubNotEnabled",
            ExportError::Throttled { .. } => "SecurityHubThrottled",
            ExportError::Call { .. } => "SecurityHubError",
        }
    }
}

/// A boxed future, so the port can be a trait object.
pub type ExportFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, ExportError>> + Send + 'a>>;

/// Where findings are imported: Security Hub in one region.
pub trait FindingExporter: Send + Sync {
    /// Imports at most [`MAX_BATCH`] findings into `region` in one call, and returns the
    /// ones Security Hub rejected.
    fn import<'a>(
        &'a self,
        region: &'a str,
        findings: &'a [AsffFinding],
    ) -> ExportFuture<'a, Vec<Rejected>>;
}

/// What sending a set of findings did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Sent {
    /// `BatchImportFindings` calls made.
    pub calls: usize,
    /// Findings imported.
    pub imported: usize,
    /// Findings still rejected after [`REJECTED_ATTEMPTS`] calls, with the last reason.
    pub rejected: Vec<Rejected>,
}

/// Sends `findings` to `region` in batches of [`MAX_BATCH`]; findings Security Hub
/// rejects are sent again, up to [`REJECTED_ATTEMPTS`] times in all. A failed call stops
/// the export: the caller keeps the findings and sends them all again later (importing a
/// finding twice updates it, it never doubles it).
pub async fn send(
    exporter: &dyn FindingExporter,
    region: &str,
    findings: &[AsffFinding],
) -> Result<Sent, ExportError> {
    let mut sent = Sent::default();
    let mut todo: Vec<&AsffFinding> = findings.iter().collect();
    for attempt in 1..=REJECTED_ATTEMPTS {
        let mut rejected = Vec::new();
        for batch in todo.chunks(MAX_BATCH) {
            let batch: Vec<AsffFinding> = batch.iter().map(|f| (*f).clone()).collect();
            sent.calls += 1;
            let failed = exporter.import(region, &batch).await?;
            sent.imported += batch.len() - failed.len();
            rejected.extend(failed);
        }
        if rejected.is_empty() {
            return Ok(sent);
        }
        if attempt == REJECTED_ATTEMPTS {
            sent.rejected = rejected;
            break;
        }
        todo = findings
            .iter()
            .filter(|f| rejected.iter().any(|r| r.id == f.id))
            .collect();
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{ResourceType, Severity};
    use crate::report::asff::{AsffSubject, FindingState, asff_finding};
    use std::sync::Mutex;

    /// Records calls; rejects the IDs it is told to, a number of times each.
    #[derive(Default)]
    struct Recorder {
        calls: Mutex<Vec<usize>>,
        reject: Mutex<Vec<(String, u32)>>,
    }

    impl FindingExporter for Recorder {
        fn import<'a>(
            &'a self,
            _: &'a str,
            findings: &'a [AsffFinding],
        ) -> ExportFuture<'a, Vec<Rejected>> {
            Box::pin(async move {
                self.calls.lock().unwrap().push(findings.len());
                let mut reject = self.reject.lock().unwrap();
                let mut failed = Vec::new();
                for f in findings {
                    if let Some((_, left)) = reject
                        .iter_mut()
                        .find(|(id, left)| *id == f.id && *left > 0)
                    {
                        *left -= 1;
                        failed.push(Rejected {
                            id: f.id.clone(),
                            code: "InvalidInput".into(),
                            message: "no".into(),
                        });
                    }
                }
                Ok(failed)
            })
        }
    }

    fn findings(n: usize) -> Vec<AsffFinding> {
        let now = chrono::Utc::now();
        (0..n)
            .map(|i| {
                let name = format!("fleet-{i}");
                asff_finding(&AsffSubject {
                    account: "123456789012",
                    region: "eu-west-1",
                    resource_type: ResourceType::Fleet,
                    resource: &name,
                    rule_id: "FLEET-IMDSV1",
                    severity: Severity::Medium,
                    title: "t",
                    message: "m",
                    remediation: "r",
                    state: FindingState::Open,
                    since: now,
                    now,
                })
            })
            .collect()
    }

    #[tokio::test]
    async fn findings_go_in_batches_of_at_most_one_hundred() {
        let recorder = Recorder::default();
        let sent = send(&recorder, "eu-west-1", &findings(250)).await.unwrap();
        assert_eq!(*recorder.calls.lock().unwrap(), [100, 100, 50]);
        assert_eq!(
            (sent.calls, sent.imported, sent.rejected.len()),
            (3, 250, 0)
        );
    }

    #[tokio::test]
    async fn a_rejected_finding_is_retried_then_reported_with_its_reason() {
        let recorder = Recorder::default();
        let all = findings(5);
        recorder
            .reject
            .lock()
            .unwrap()
            .extend([(all[1].id.clone(), 1), (all[3].id.clone(), 9)]);
        let sent = send(&recorder, "eu-west-1", &all).await.unwrap();
        assert_eq!(*recorder.calls.lock().unwrap(), [5, 2, 1]);
        assert_eq!(sent.imported, 4);
        assert_eq!(
            sent.rejected,
            [Rejected {
                id: all[3].id.clone(),
                code: "InvalidInput".into(),
                message: "no".into()
            }]
        );
    }
}
