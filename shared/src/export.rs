//! The Security Hub export port: where ASFF findings go, and how a batch of them is
//! sent (at most 100 per `BatchImportFindings` call, rejected findings retried), then
//! the workflow changes `BatchImportFindings` cannot make (`BatchUpdateFindings`).
//!
//! Once a finding exists, `BatchImportFindings` leaves its `Workflow` and `Note` alone
//! (the API reference: they belong to the customer's investigation, and are set with
//! `BatchUpdateFindings`). So a finding a waiver covers is imported FAILED and ACTIVE,
//! then set `SUPPRESSED`, with a note naming the waiver, by `BatchUpdateFindings`; when
//! the waiver ends it is set back to `NEW`, and when the resource is fixed, `RESOLVED`.
//!
//! The port is object-safe (`Arc<dyn FindingExporter>`), so the export is switched on at
//! run time (`STREAMWARDEN_SECURITY_HUB=true`) without a type parameter on every service.
//! The adapter is [`crate::aws::securityhub`].

use crate::error::BoxError;
use crate::report::asff::AsffFinding;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

/// `BatchImportFindings` and `BatchUpdateFindings` take at most 100 findings per call.
pub const MAX_BATCH: usize = 100;
/// Calls for findings Security Hub rejected (`FailedFindings`, `UnprocessedFindings`), the
/// first included.
pub const REJECTED_ATTEMPTS: u32 = 3;

/// A finding Security Hub would not import, with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub id: String,
    pub code: String,
    pub message: String,
}

/// A workflow change of one imported finding (`BatchUpdateFindings`): `NEW`,
/// `SUPPRESSED` or `RESOLVED`, with a note that says why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WorkflowUpdate {
    pub id: String,
    pub product_arn: String,
    pub status: String,
    pub note: String,
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
    #[error("Security Hub throttled {operation} in {region} after the SDK's retries: {summary}")]
    Throttled {
        operation: &'static str,
        region: String,
        summary: String,
        #[source]
        source: BoxError,
    },
    #[error("Security Hub {operation} in {region} failed: {summary}")]
    Call {
        operation: &'static str,
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

    /// Sets the workflow of at most [`MAX_BATCH`] imported findings in `region` in one
    /// `BatchUpdateFindings` call. Every update of the slice has the same status and note
    /// (one call sets one of each). Returns the ones Security Hub did not process.
    fn update_workflow<'a>(
        &'a self,
        region: &'a str,
        updates: &'a [WorkflowUpdate],
    ) -> ExportFuture<'a, Vec<Rejected>>;
}

/// What sending a set of findings did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Sent {
    /// `BatchImportFindings` calls made.
    pub calls: usize,
    /// Findings imported.
    pub imported: usize,
    /// `BatchUpdateFindings` calls made.
    pub update_calls: usize,
    /// Workflow updates Security Hub processed.
    pub updated: usize,
    /// Findings and updates still rejected after [`REJECTED_ATTEMPTS`] calls, with the
    /// last reason.
    pub rejected: Vec<Rejected>,
}

/// Sends `findings` to `region` in batches of [`MAX_BATCH`], then the `workflow`
/// updates (grouped by status and note, [`MAX_BATCH`] a call); findings and updates
/// Security Hub rejects are sent again, up to [`REJECTED_ATTEMPTS`] times in all. A
/// failed call stops the export: the caller keeps the findings and updates and sends
/// them all again later (importing a finding twice updates it, it never doubles it; an
/// update sets a status and a note, so sending it twice changes nothing).
pub async fn send(
    exporter: &dyn FindingExporter,
    region: &str,
    findings: &[AsffFinding],
    workflow: &[WorkflowUpdate],
) -> Result<Sent, ExportError> {
    let mut sent = Sent::default();
    let (calls, imported, rejected) = retried(
        findings,
        |f| &f.id,
        async |batch: &[AsffFinding]| exporter.import(region, batch).await,
    )
    .await?;
    (sent.calls, sent.imported) = (calls, imported);
    sent.rejected = rejected;
    let mut groups: BTreeMap<(&str, &str), Vec<WorkflowUpdate>> = BTreeMap::new();
    for update in workflow {
        groups
            .entry((&update.status, &update.note))
            .or_default()
            .push(update.clone());
    }
    for updates in groups.values() {
        let (calls, updated, rejected) = retried(
            updates,
            |u| &u.id,
            async |batch: &[WorkflowUpdate]| exporter.update_workflow(region, batch).await,
        )
        .await?;
        sent.update_calls += calls;
        sent.updated += updated;
        sent.rejected.extend(rejected);
    }
    Ok(sent)
}

/// Calls `call` on `items`, [`MAX_BATCH`] at a time; the items it rejects are sent again,
/// up to [`REJECTED_ATTEMPTS`] calls in all. Returns the calls made, the items accepted
/// and the ones still rejected.
async fn retried<T: Clone>(
    items: &[T],
    id: impl Fn(&T) -> &str,
    mut call: impl AsyncFnMut(&[T]) -> Result<Vec<Rejected>, ExportError>,
) -> Result<(usize, usize, Vec<Rejected>), ExportError> {
    let (mut calls, mut accepted) = (0, 0);
    let mut todo = items.to_vec();
    for attempt in 1..=REJECTED_ATTEMPTS {
        let mut rejected = Vec::new();
        for batch in todo.chunks(MAX_BATCH) {
            calls += 1;
            let failed = call(batch).await?;
            accepted += batch.len().saturating_sub(failed.len());
            rejected.extend(failed);
        }
        if rejected.is_empty() || attempt == REJECTED_ATTEMPTS {
            return Ok((calls, accepted, rejected));
        }
        todo.retain(|t| rejected.iter().any(|r| r.id == id(t)));
    }
    Ok((calls, accepted, Vec::new()))
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
        updates: Mutex<Vec<Vec<String>>>,
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

        fn update_workflow<'a>(
            &'a self,
            _: &'a str,
            updates: &'a [WorkflowUpdate],
        ) -> ExportFuture<'a, Vec<Rejected>> {
            Box::pin(async move {
                self.updates.lock().unwrap().push(
                    updates
                        .iter()
                        .map(|u| format!("{} {}", u.status, u.id))
                        .collect(),
                );
                Ok(Vec::new())
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
        let sent = send(&recorder, "eu-west-1", &findings(250), &[])
            .await
            .unwrap();
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
        let sent = send(&recorder, "eu-west-1", &all, &[]).await.unwrap();
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

    #[tokio::test]
    async fn workflow_updates_follow_the_imports_one_call_per_status_and_note() {
        let recorder = Recorder::default();
        let update = |id: &str, status: &str, note: &str| WorkflowUpdate {
            id: id.into(),
            product_arn: "p".into(),
            status: status.into(),
            note: note.into(),
        };
        let sent = send(
            &recorder,
            "eu-west-1",
            &findings(2),
            &[
                update("a", "SUPPRESSED", "waived by policy"),
                update("b", "NEW", "waiver ended"),
                update("c", "SUPPRESSED", "waived by policy"),
            ],
        )
        .await
        .unwrap();
        assert_eq!(*recorder.calls.lock().unwrap(), [2]);
        assert_eq!(
            *recorder.updates.lock().unwrap(),
            [
                vec!["NEW b".to_owned()],
                vec!["SUPPRESSED a".into(), "SUPPRESSED c".into()]
            ]
        );
        assert_eq!((sent.update_calls, sent.updated), (2, 3));
    }
}
