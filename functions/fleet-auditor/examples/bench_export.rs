//! Export benchmark (issue 15): finding changes through the real `SecurityHubExporter`
//! (`export::send`, batches of 100, rejected findings retried) into moto server's
//! Security Hub, behind the harness's fault proxy. `scripts/bench-export.sh` starts moto
//! and runs it; it prints, per pass, the `BatchImportFindings` calls `send` made, the
//! HTTP requests that reached the proxy (the SDK's retries included), how many were
//! throttled, and the wall time.
//!
//! Environment: `SECURITY_HUB_URL` (moto's base URL), `FINDINGS` (5000), `THROTTLE_EVERY`
//! (10: every tenth call is throttled `THROTTLES` times, 2, before it reaches moto; the
//! SDK retries it with backoff), `WORKFLOW=1` for a last pass that suppresses every
//! finding with `BatchUpdateFindings` (moto started through
//! `tests/moto_workflow.py`, which adds it), and the standard credentials and region.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use chrono::Utc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use streamwarden::aws::Aws;
use streamwarden::export::{ExportFuture, FindingExporter, Rejected, WorkflowUpdate, send};
use streamwarden::finding::{ResourceType, Severity};
use streamwarden::report::asff::{AsffFinding, AsffSubject, FindingState, asff_finding};
use streamwarden_harness::DynamoProxy;
use streamwarden_harness::ddb_proxy::ANY_OPERATION;

const REGION: &str = "eu-west-1";
const ACCOUNT: &str = "123456789012";

/// The real exporter, with a throttle armed on the proxy before every `every`-th call.
struct Throttling<E> {
    inner: E,
    proxy: Arc<DynamoProxy>,
    every: usize,
    throttles: usize,
    calls: AtomicUsize,
}

impl<E: FindingExporter> Throttling<E> {
    fn arm(&self) {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if self.every > 0 && n.is_multiple_of(self.every) {
            self.proxy
                .throttle_with(ANY_OPERATION, self.throttles, "ThrottlingException");
        }
    }
}

impl<E: FindingExporter> FindingExporter for Throttling<E> {
    fn import<'a>(
        &'a self,
        region: &'a str,
        findings: &'a [AsffFinding],
    ) -> ExportFuture<'a, Vec<Rejected>> {
        self.arm();
        self.inner.import(region, findings)
    }

    fn update_workflow<'a>(
        &'a self,
        region: &'a str,
        updates: &'a [WorkflowUpdate],
    ) -> ExportFuture<'a, Vec<Rejected>> {
        self.arm();
        self.inner.update_workflow(region, updates)
    }
}

/// `n` findings on `n` fleets (one rule each), open or resolved.
fn findings(n: usize, state: FindingState) -> Vec<AsffFinding> {
    let now = Utc::now();
    (0..n)
        .map(|i| {
            let name = format!("fleet-{i:05}");
            asff_finding(&AsffSubject {
                account: ACCOUNT,
                region: REGION,
                resource_type: ResourceType::Fleet,
                resource: &name,
                rule_id: "FLEET-INTERNET-ACCESS",
                severity: Severity::High,
                title: "Default internet access is enabled",
                message: "EnableDefaultInternetAccess is true",
                remediation: "UpdateFleet --no-enable-default-internet-access",
                state,
                since: now,
                now,
            })
        })
        .collect()
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .map_or(default, |v| v.parse().expect("a number"))
}

#[tokio::main]
async fn main() {
    let moto = std::env::var("SECURITY_HUB_URL").expect("SECURITY_HUB_URL: moto's base URL");
    let n = env("FINDINGS", 5000);
    let every = env("THROTTLE_EVERY", 10);
    let proxy = Arc::new(DynamoProxy::start(&moto));
    let aws = Aws::load().await;
    let hub = Aws::from_sdk_config(proxy.sdk_config(aws.sdk_config())).security_hub();
    let mut exporter = Throttling {
        inner: hub,
        proxy: Arc::clone(&proxy),
        every: 0,
        throttles: env("THROTTLES", 2),
        calls: AtomicUsize::new(0),
    };
    let waived = "Waived by policy until 2027-01-31: kiosks";
    let mut passes = vec![
        ("new, FAILED", FindingState::Open, 0, None),
        ("updated, PASSED/ARCHIVED", FindingState::Resolved, 0, None),
        (
            "updated, FAILED, throttled",
            FindingState::Open,
            every,
            None,
        ),
    ];
    if env("WORKFLOW", 0) == 1 {
        passes.push(("waived, SUPPRESSED", FindingState::Waived, 0, Some(waived)));
    }
    for (label, state, every, note) in passes {
        exporter.every = every;
        let batch = findings(n, state);
        let updates: Vec<WorkflowUpdate> = note.map_or_else(Vec::new, |note| {
            batch
                .iter()
                .map(|f| WorkflowUpdate {
                    id: f.id.clone(),
                    product_arn: f.product_arn.clone(),
                    status: "SUPPRESSED".to_owned(),
                    note: note.to_owned(),
                })
                .collect()
        });
        let before = proxy.stats();
        let started = Instant::now();
        let sent = send(&exporter, REGION, &batch, &updates)
            .await
            .expect("the export");
        let wall = started.elapsed().as_secs_f64();
        let after = proxy.stats();
        let requests: usize =
            after.requests.values().sum::<usize>() - before.requests.values().sum::<usize>();
        let throttled = after.throttled - before.throttled;
        println!(
            "{n} findings {label}: {} BatchImportFindings calls ({} imported), \
             {} BatchUpdateFindings calls ({} updated), {} rejected; {requests} HTTP requests \
             ({throttled} throttled, retried by the SDK); {wall:.2} s",
            sent.calls,
            sent.imported,
            sent.update_calls,
            sent.updated,
            sent.rejected.len(),
        );
    }
}
