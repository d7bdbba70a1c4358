//! A check's results over many documents, and their renderings: JSON, SARIF 2.1.0,
//! terminal text, OCSF and ASFF.

pub mod asff;
mod json;
pub mod ocsf;
mod sarif;
mod text;

pub use asff::{AsffTarget, render_asff, write_asff};
pub use json::{render_json, write_json};
pub use ocsf::{render_ocsf, write_ocsf};
pub use sarif::{render_sarif, write_sarif};
pub use text::render_text;

use crate::error::{InputError, Location};
use crate::finding::{Evaluation, Exempted, Finding, ResourceType, Severity, Unresolved};
use crate::inputs::{Collected, Document, Note};
use crate::policy::{
    Policy, evaluate_account, evaluate_builder, evaluate_fleet, evaluate_image, evaluate_stack,
    index_of,
};
use chrono::{DateTime, Utc};
use std::cmp::Reverse;

/// A problem with an input, as reported to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputProblem {
    pub location: Location,
    pub message: String,
}

impl From<&InputError> for InputProblem {
    fn from(error: &InputError) -> Self {
        InputProblem {
            location: error.location().clone(),
            message: error.to_string(),
        }
    }
}

/// Everything a check found, over every file it read.
#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub unresolved: Vec<Unresolved>,
    pub exempted: Vec<Exempted>,
    pub errors: Vec<InputProblem>,
    pub notes: Vec<Note>,
    pub files: usize,
    pub fleets: usize,
    pub stacks: usize,
    pub builders: usize,
    pub images: usize,
    pub accounts: usize,
    pub sessions: usize,
    /// The policy's origin (`built-in ...` or its path).
    pub policy: String,
    /// The account each audited source (`appstream:...`) was read from: JSON findings
    /// carry it as `account`.
    pub source_accounts: std::collections::BTreeMap<String, String>,
}

impl Report {
    pub fn new(policy: &Policy) -> Self {
        Report {
            policy: policy.origin.clone(),
            ..Report::default()
        }
    }

    /// Evaluates one document on its own (its fleets joined with its own images only).
    pub fn add_document(&mut self, policy: &Policy, doc: Document, now: DateTime<Utc>) {
        let mut collected = Collected::default();
        self.collect(doc, &mut collected);
        self.evaluate(policy, collected, now);
    }

    /// Counts a document, keeps its errors and notes, and hands its resources to
    /// `collected`, to be evaluated with every other file's by [`Report::evaluate`].
    pub fn collect(&mut self, mut doc: Document, collected: &mut Collected) {
        self.files += 1;
        self.errors
            .extend(doc.errors.drain(..).map(|e| InputProblem::from(&e)));
        self.notes.append(&mut doc.notes);
        collected.add(doc);
    }

    /// Joins the collected resources (fleets with their images, images with their
    /// permissions) and evaluates each: fleets, stacks, image builders, images, accounts.
    pub fn evaluate(&mut self, policy: &Policy, mut collected: Collected, now: DateTime<Utc>) {
        collected.join();
        self.fleets += collected.fleets.len();
        self.stacks += collected.stacks.len();
        self.builders += collected.builders.len();
        self.images += collected.images.len();
        self.accounts += collected.accounts.len();
        self.sessions += collected.sessions;
        for fleet in &collected.fleets {
            self.add_evaluation(evaluate_fleet(policy, fleet, now));
        }
        for stack in &collected.stacks {
            self.add_evaluation(evaluate_stack(policy, stack, now));
        }
        for builder in &collected.builders {
            self.add_evaluation(evaluate_builder(policy, builder, now));
        }
        for image in &collected.images {
            self.add_evaluation(evaluate_image(policy, image, now));
        }
        for account in &collected.accounts {
            self.add_evaluation(evaluate_account(policy, account, now));
        }
    }

    /// Keeps one evaluation's results.
    pub fn add_evaluation(&mut self, evaluation: Evaluation) {
        self.findings.extend(evaluation.findings);
        self.unresolved.extend(evaluation.unresolved);
        self.exempted.extend(evaluation.exempted);
    }

    /// Records a problem that is not tied to a document (a failed AWS call).
    pub fn add_problem(&mut self, location: Location, message: String) {
        self.errors.push(InputProblem { location, message });
    }

    /// Records a document that could not be read at all.
    pub fn add_error(&mut self, error: &InputError) {
        self.files += 1;
        self.errors.push(InputProblem::from(error));
    }

    /// Orders everything by file, resource, then severity (highest first) and catalog
    /// order, so output is stable and grouped.
    pub fn sort(&mut self) {
        let rank = |id: &str| index_of(id).unwrap_or(usize::MAX);
        // The pointer keeps two resources of one name apart (each with its own header).
        self.findings.sort_by(|a, b| {
            (
                &a.source.file,
                a.resource_type,
                &a.resource,
                &a.source.pointer,
                Reverse(a.severity),
                rank(a.rule_id),
            )
                .cmp(&(
                    &b.source.file,
                    b.resource_type,
                    &b.resource,
                    &b.source.pointer,
                    Reverse(b.severity),
                    rank(b.rule_id),
                ))
        });
        self.unresolved.sort_by(|a, b| {
            (
                &a.source.file,
                a.resource_type,
                &a.resource,
                rank(a.rule_id),
            )
                .cmp(&(
                    &b.source.file,
                    b.resource_type,
                    &b.resource,
                    rank(b.rule_id),
                ))
        });
        self.exempted.sort_by(|a, b| {
            let (a, b) = (&a.finding, &b.finding);
            (
                &a.source.file,
                a.resource_type,
                &a.resource,
                rank(a.rule_id),
            )
                .cmp(&(
                    &b.source.file,
                    b.resource_type,
                    &b.resource,
                    rank(b.rule_id),
                ))
        });
    }

    /// Counts of findings per severity, highest first.
    pub fn by_severity(&self) -> Vec<(Severity, usize)> {
        Severity::ALL
            .iter()
            .map(|s| {
                (
                    *s,
                    self.findings.iter().filter(|f| f.severity == *s).count(),
                )
            })
            .collect()
    }

    /// Whether a finding reaches the threshold (`None`: never fail on findings).
    pub fn fails(&self, threshold: Option<Severity>) -> bool {
        threshold.is_some_and(|t| self.findings.iter().any(|f| f.severity >= t))
    }

    /// Distinct resources with at least one finding.
    pub fn resources_with_findings(&self) -> usize {
        self.resources_with_findings_of(None)
    }

    /// Distinct resources of one type (or of any, for `None`) with at least one finding.
    /// Two resources of one name in one file are told apart by their pointer.
    pub fn resources_with_findings_of(&self, of: Option<ResourceType>) -> usize {
        let mut seen: Vec<(&str, ResourceType, &str, Option<&str>)> = self
            .findings
            .iter()
            .filter(|f| of.is_none_or(|t| f.resource_type == t))
            .map(|f| {
                (
                    f.source.file.as_str(),
                    f.resource_type,
                    f.resource.as_str(),
                    f.source.pointer.as_deref(),
                )
            })
            .collect();
        seen.sort();
        seen.dedup();
        seen.len()
    }
}
