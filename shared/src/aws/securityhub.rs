//! The Security Hub adapter: [`FindingExporter`] over `BatchImportFindings` and
//! `BatchUpdateFindings` (workflow status and note), one client
//! per region (findings are imported into the region of their product ARN). Endpoints
//! follow the standard chain, `AWS_ENDPOINT_URL_SECURITYHUB` included.

use crate::export::{ExportError, ExportFuture, FindingExporter, Rejected, WorkflowUpdate};
use crate::report::asff::AsffFinding;
use aws_sdk_securityhub::Client;
use aws_sdk_securityhub::error::ProvideErrorMetadata;
use aws_sdk_securityhub::types::{
    AwsSecurityFinding, AwsSecurityFindingIdentifier, Compliance, ComplianceStatus, NoteUpdate,
    Recommendation, RecordState, Remediation, Resource, ResourceDetails, Severity, SeverityLabel,
    Workflow, WorkflowStatus, WorkflowUpdate as SdkWorkflowUpdate,
};
use aws_types::SdkConfig;
use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

/// Security Hub through the SDK, a client per region made on first use.
#[derive(Debug)]
pub struct SecurityHubExporter {
    sdk: SdkConfig,
    clients: Mutex<BTreeMap<String, Client>>,
}

impl SecurityHubExporter {
    pub fn new(sdk: SdkConfig) -> Self {
        SecurityHubExporter {
            sdk,
            clients: Mutex::new(BTreeMap::new()),
        }
    }

    fn client(&self, region: &str) -> Client {
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        clients
            .entry(region.to_owned())
            .or_insert_with(|| super::clients::securityhub_client(&self.sdk, region))
            .clone()
    }
}

impl FindingExporter for SecurityHubExporter {
    fn import<'a>(
        &'a self,
        region: &'a str,
        findings: &'a [AsffFinding],
    ) -> ExportFuture<'a, Vec<Rejected>> {
        Box::pin(async move {
            let findings: Vec<AwsSecurityFinding> = findings.iter().map(to_sdk).collect();
            let output = self
                .client(region)
                .batch_import_findings()
                .set_findings(Some(findings))
                .send()
                .await
                .map_err(|e| classify("BatchImportFindings", region, e.into_service_error()))?;
            Ok(output
                .failed_findings()
                .iter()
                .map(|f| Rejected {
                    id: f.id().unwrap_or_default().to_owned(),
                    code: f.error_code().unwrap_or_default().to_owned(),
                    message: f.error_message().unwrap_or_default().to_owned(),
                })
                .collect())
        })
    }

    fn update_workflow<'a>(
        &'a self,
        region: &'a str,
        updates: &'a [WorkflowUpdate],
    ) -> ExportFuture<'a, Vec<Rejected>> {
        Box::pin(async move {
            let Some(first) = updates.first() else {
                return Ok(Vec::new());
            };
            let identifiers = updates
                .iter()
                .map(|u| {
                    AwsSecurityFindingIdentifier::builder()
                        .id(&u.id)
                        .product_arn(&u.product_arn)
                        .build()
                })
                .collect();
            let output = self
                .client(region)
                .batch_update_findings()
                .set_finding_identifiers(Some(identifiers))
                .workflow(
                    SdkWorkflowUpdate::builder()
                        .status(WorkflowStatus::from(first.status.as_str()))
                        .build(),
                )
                .note(
                    NoteUpdate::builder()
                        .text(&first.note)
                        .updated_by(UPDATED_BY)
                        .build(),
                )
                .send()
                .await
                .map_err(|e| classify("BatchUpdateFindings", region, e.into_service_error()))?;
            Ok(output
                .unprocessed_findings()
                .iter()
                .map(|f| Rejected {
                    id: f
                        .finding_identifier()
                        .and_then(|i| i.id())
                        .unwrap_or_default()
                        .to_owned(),
                    code: f.error_code().unwrap_or_default().to_owned(),
                    message: f.error_message().unwrap_or_default().to_owned(),
                })
                .collect())
        })
    }
}

/// `Note.UpdatedBy` of the workflow updates.
const UPDATED_BY: &str = "streamwarden";

/// Tells a region without Security Hub and throttling apart from other failures.
fn classify<E>(operation: &'static str, region: &str, e: E) -> ExportError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let code = e.code().map(str::to_owned);
    let summary = match (e.code(), e.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => e.to_string(),
    };
    let region = region.to_owned();
    let source = Box::new(e);
    match code.as_deref() {
        // "Account ... is not subscribed to AWS Security Hub" (the API reference's
        // InvalidAccessException, HTTP 401).
        Some("InvalidAccessException") => ExportError::NotEnabled {
            region,
            summary,
            source,
        },
        Some("LimitExceededException" | "ThrottlingException" | "TooManyRequestsException") => {
            ExportError::Throttled {
                operation,
                region,
                summary,
                source,
            }
        }
        _ => ExportError::Call {
            operation,
            region,
            code,
            summary,
            source,
        },
    }
}

/// The SDK's finding for our ASFF one.
fn to_sdk(f: &AsffFinding) -> AwsSecurityFinding {
    let resources = f
        .resources
        .iter()
        .map(|r| {
            Resource::builder()
                .r#type(&r.kind)
                .id(&r.id)
                .partition(r.partition.as_str().into())
                .region(&r.region)
                .details(
                    ResourceDetails::builder()
                        .set_other(Some(r.details.other.clone().into_iter().collect()))
                        .build(),
                )
                .build()
        })
        .collect();
    AwsSecurityFinding::builder()
        .schema_version(&f.schema_version)
        .id(&f.id)
        .product_arn(&f.product_arn)
        .generator_id(&f.generator_id)
        .aws_account_id(&f.aws_account_id)
        .set_types(Some(f.types.clone()))
        .created_at(&f.created_at)
        .updated_at(&f.updated_at)
        .first_observed_at(&f.first_observed_at)
        .last_observed_at(&f.last_observed_at)
        .severity(
            Severity::builder()
                .label(SeverityLabel::from(f.severity.label.as_str()))
                .original(&f.severity.original)
                .build(),
        )
        .title(&f.title)
        .description(&f.description)
        .remediation(
            Remediation::builder()
                .recommendation(
                    Recommendation::builder()
                        .text(&f.remediation.recommendation.text)
                        .url(&f.remediation.recommendation.url)
                        .build(),
                )
                .build(),
        )
        .set_product_fields(Some(f.product_fields.clone().into_iter().collect()))
        .set_resources(Some(resources))
        .compliance(
            Compliance::builder()
                .status(ComplianceStatus::from(f.compliance.status.as_str()))
                .set_related_requirements(Some(f.compliance.related_requirements.clone()))
                .build(),
        )
        .workflow(
            Workflow::builder()
                .status(WorkflowStatus::from(f.workflow.status.as_str()))
                .build(),
        )
        .record_state(RecordState::from(f.record_state.as_str()))
        .build()
}
