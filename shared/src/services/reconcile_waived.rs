//! Waived findings in the reconciler: which are kept in the state (only while the
//! Security Hub export is on), and what the export sends when a finding enters or leaves
//! a waiver. Alerts, history and the open findings never see them.

use super::{Current, from_stored};
use crate::alert::{AlertFinding, Change};
use crate::export::WorkflowUpdate;
use crate::finding::{Evaluation, ExemptionInfo, Finding};
use crate::report::asff::{finding_id, product_arn};
use crate::store::records::PendingExport;
use crate::store::{ResourceState, StoredFinding};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// Findings a waiver covers, by rule ID, with their source and the waiver.
pub type Waived = BTreeMap<String, (Finding, &'static str, ExemptionInfo)>;

/// The findings of an evaluation: open ones and waived ones, from one source.
pub fn split(evaluation: Evaluation, source: &'static str) -> (Current, Waived) {
    let current = evaluation
        .findings
        .into_iter()
        .map(|f| (f.rule_id.to_owned(), (f, source)))
        .collect();
    let waived = evaluation
        .exempted
        .into_iter()
        .map(|e| {
            let rule = e.finding.rule_id.to_owned();
            (rule, (e.finding, source, e.exemption))
        })
        .collect();
    (current, waived)
}

/// The waived findings to store: those waived now (kept as first seen), and stored ones
/// this evaluation cannot judge (from a source it does not cover). Never one that is open.
pub(super) fn kept(
    before: &BTreeMap<String, StoredFinding>,
    waived: &Waived,
    open: &BTreeMap<String, StoredFinding>,
    sources: &[&str],
    now: DateTime<Utc>,
) -> BTreeMap<String, StoredFinding> {
    let mut kept: BTreeMap<String, StoredFinding> = before
        .iter()
        .filter(|(rule, f)| !sources.contains(&f.source.as_str()) && !open.contains_key(*rule))
        .map(|(rule, f)| (rule.clone(), f.clone()))
        .collect();
    for (rule, (f, source, _)) in waived.iter().filter(|(r, _)| !open.contains_key(*r)) {
        let stored = before.get(rule).cloned().unwrap_or_else(|| StoredFinding {
            severity: f.severity,
            title: f.title.to_owned(),
            message: f.message.clone(),
            remediation: f.remediation.to_owned(),
            opened_at: now,
            source: (*source).to_owned(),
        });
        kept.insert(rule.clone(), stored);
    }
    kept
}

/// The waived findings before a change, the evaluation's waivers and its open findings
/// (for the notes of the workflow updates).
pub(super) struct Waivers<'a> {
    pub before: &'a BTreeMap<String, StoredFinding>,
    pub now: &'a Waived,
    pub open: &'a Current,
}

impl Waivers<'_> {
    /// The findings newly waived in `state`, and those no longer waived that are not open
    /// either (fixed while waived: resolved, with no alert, as before).
    pub fn moves(&self, state: &ResourceState) -> (Vec<AlertFinding>, Vec<AlertFinding>) {
        let started = state
            .waived
            .iter()
            .filter(|(rule, _)| !self.before.contains_key(*rule))
            .map(|(rule, f)| from_stored(rule, f))
            .collect();
        let ended = self
            .before
            .iter()
            .filter(|(rule, _)| {
                !state.waived.contains_key(*rule) && !state.findings.contains_key(*rule)
            })
            .map(|(rule, f)| from_stored(rule, f))
            .collect();
        (started, ended)
    }

    /// The workflow updates still pending, then one per finding that enters a waiver
    /// (`SUPPRESSED`, the note names it) or leaves it (`NEW` when open, `RESOLVED` when
    /// fixed), one per finding ID, the latest kept.
    pub fn workflow(
        &self,
        pending: Option<&PendingExport>,
        change: &Change,
        state: &ResourceState,
    ) -> Vec<WorkflowUpdate> {
        let mut updates = pending.map(|p| p.workflow.clone()).unwrap_or_default();
        let rules: BTreeSet<&String> = self.before.keys().chain(state.waived.keys()).collect();
        for rule in rules {
            let (waived, open) = (
                state.waived.contains_key(rule),
                state.findings.contains_key(rule),
            );
            let (status, note) = match (waived, open) {
                (true, _) if self.before.contains_key(rule) => continue,
                (true, _) => (
                    "SUPPRESSED",
                    self.now
                        .get(rule)
                        .map_or_else(String::new, |w| waiver_note(&w.2)),
                ),
                (false, true) => (
                    "NEW",
                    ended_note(self.open.get(rule).and_then(|f| f.0.note.as_deref())),
                ),
                (false, false) => ("RESOLVED", RESOLVED_NOTE.to_owned()),
            };
            let id = finding_id(&change.region, change.resource_type, &change.resource, rule);
            updates.retain(|u| u.id != id);
            updates.push(WorkflowUpdate {
                id,
                product_arn: product_arn(&change.region, &change.account),
                status: status.to_owned(),
                note,
            });
        }
        updates
    }
}

/// The note of a waived finding fixed.
const RESOLVED_NOTE: &str = "Resolved: Streamwarden no longer finds it.";

/// The note of a waived finding: which waiver, until when, why.
fn waiver_note(w: &ExemptionInfo) -> String {
    let until = w.expires.map(|d| format!(" until {d}")).unwrap_or_default();
    format!("Waived by {}{until}: {}", w.by, w.reason)
}

/// The note of a finding whose waiver ended (naming the expired waiver, when the
/// evaluation does).
fn ended_note(expired: Option<&str>) -> String {
    match expired {
        Some(note) => format!("Waiver ended ({note}); the finding is open."),
        None => "Waiver ended or removed; the finding is open.".to_owned(),
    }
}
