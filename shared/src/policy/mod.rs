//! The policy file, the rule catalog and the evaluation of fleets, stacks, image
//! builders, images and account settings against them.
//!
//! The built-in default is `policy.default.toml` at the repository root, embedded in
//! every binary. A user's file sets only what it changes; every other value comes from
//! the default.

mod catalog;
mod evaluate;
pub mod frameworks;
mod glob;
pub mod rules;

pub use catalog::{CATALOG, Check, Outcome, Rule, index_of, markdown_table, rule};
pub use evaluate::{
    evaluate_account, evaluate_builder, evaluate_fleet, evaluate_image, evaluate_sessions,
    evaluate_stack,
};
pub use glob::GlobList;

use crate::error::PolicyError;
use crate::finding::Severity;
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// The built-in policy text.
pub const DEFAULT_POLICY_TOML: &str = include_str!("../../../policy.default.toml");

/// Limits and allowlists for fleets.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FleetPolicy {
    pub allow_default_internet_access: bool,
    pub require_vpc: bool,
    pub max_user_duration_seconds: u32,
    pub max_disconnect_timeout_seconds: u32,
    pub max_idle_disconnect_timeout_seconds: u32,
    pub allowed_instance_types: GlobList,
    pub allow_multi_session: bool,
    pub max_sessions_per_instance: Option<u32>,
    pub min_available_ratio: f64,
    pub allow_usb_redirection: bool,
    pub require_imdsv2: bool,
    pub allowed_images: GlobList,
    pub allowed_stream_views: Vec<String>,
    pub allowed_iam_roles: GlobList,
    pub required_tags: Vec<String>,
    pub require_domain_join: bool,
    /// FLEET-IMAGE-OUTDATED: the oldest base image (PublicBaseImageReleasedDate) allowed.
    pub max_base_image_age_days: u32,
}

/// What streaming users may do, per stack.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StackPolicy {
    pub allow_clipboard_copy_to_local: bool,
    pub allow_file_download: bool,
    pub allow_file_upload: bool,
    pub allow_printing: bool,
    pub require_streaming_endpoint: bool,
    pub allow_url_redirection: bool,
    /// AgentAction values (COMPUTER_VISION, COMPUTER_INPUT, FORWARD_MCP_TOOLS) AI agents
    /// may be granted.
    pub allowed_agent_actions: Vec<String>,
    /// The UserControlMode a stack with agent access must use.
    pub required_agent_user_control: String,
    /// ConnectorType values (HOMEFOLDERS, GOOGLE_DRIVE, ONE_DRIVE) stacks may use.
    pub allowed_storage_connectors: Vec<String>,
}

/// Limits for image builders.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ImageBuilderPolicy {
    pub allow_default_internet_access: bool,
    pub require_vpc: bool,
    pub require_streaming_endpoint: bool,
    pub max_running_days: u32,
}

/// Limits for the images an account owns.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ImagePolicy {
    /// Account IDs images may be shared with.
    pub allowed_share_accounts: Vec<String>,
}

/// Settings of an account in a region.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccountPolicy {
    /// ACCOUNT-USAGE-REPORTS: a usage report subscription must exist (`required` in the
    /// rule catalog's words; both keys are read).
    #[serde(alias = "required")]
    pub require_usage_reports: bool,
}

/// Limits for live streaming sessions (used by the session recorder).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionPolicy {
    pub max_duration_grace_seconds: u32,
    pub stale_disconnected_grace_seconds: u32,
    pub max_instance_age_days: u32,
}

// These values mirror policy.default.toml, which is what users read and what the binaries
// load; the test `default_file_matches_the_defaults_in_code` keeps the two identical.
impl Default for FleetPolicy {
    fn default() -> Self {
        let all = || GlobList::new(&["*"]).unwrap_or_else(|_| unreachable!("`*` is a valid glob"));
        FleetPolicy {
            allow_default_internet_access: false,
            require_vpc: true,
            max_user_duration_seconds: 36_000,
            max_disconnect_timeout_seconds: 300,
            max_idle_disconnect_timeout_seconds: 600,
            allowed_instance_types: all(),
            allow_multi_session: true,
            max_sessions_per_instance: None,
            min_available_ratio: 0.10,
            allow_usb_redirection: false,
            require_imdsv2: true,
            allowed_images: all(),
            allowed_stream_views: vec!["APP".to_owned(), "DESKTOP".to_owned()],
            allowed_iam_roles: all(),
            required_tags: Vec::new(),
            require_domain_join: false,
            max_base_image_age_days: 120,
        }
    }
}

impl Default for StackPolicy {
    fn default() -> Self {
        StackPolicy {
            allow_clipboard_copy_to_local: false,
            allow_file_download: false,
            allow_file_upload: true,
            allow_printing: true,
            require_streaming_endpoint: false,
            allow_url_redirection: false,
            allowed_agent_actions: Vec::new(),
            required_agent_user_control: "VIEW_STOP".to_owned(),
            allowed_storage_connectors: vec!["HOMEFOLDERS".to_owned()],
        }
    }
}

impl Default for ImageBuilderPolicy {
    fn default() -> Self {
        ImageBuilderPolicy {
            allow_default_internet_access: false,
            require_vpc: true,
            require_streaming_endpoint: false,
            max_running_days: 14,
        }
    }
}

impl Default for AccountPolicy {
    fn default() -> Self {
        AccountPolicy {
            require_usage_reports: true,
        }
    }
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            max_duration_grace_seconds: 600,
            stale_disconnected_grace_seconds: 600,
            max_instance_age_days: 7,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleOverride {
    enabled: Option<bool>,
    severity: Option<Severity>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExemptionEntry {
    resources: Vec<String>,
    rules: Vec<String>,
    reason: String,
    expires: Option<toml::value::Datetime>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    version: Option<u32>,
    #[serde(default)]
    fleet: FleetPolicy,
    #[serde(default)]
    stack: StackPolicy,
    #[serde(default)]
    session: SessionPolicy,
    #[serde(default)]
    image_builder: ImageBuilderPolicy,
    #[serde(default)]
    image: ImagePolicy,
    #[serde(default)]
    account: AccountPolicy,
    exemption_tag: Option<String>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, RuleOverride>,
    #[serde(default)]
    exemptions: Vec<Spanned<ExemptionEntry>>,
}

/// Whether a rule runs, and at which severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleSetting {
    pub enabled: bool,
    pub severity: Severity,
}

/// A waiver from the policy file: these rules do not count on these resources until
/// the expiry date (inclusive).
#[derive(Debug, Clone, PartialEq)]
pub struct Exemption {
    pub resources: GlobList,
    pub rules: GlobList,
    pub reason: String,
    pub expires: Option<NaiveDate>,
}

/// A loaded, validated policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub fleet: FleetPolicy,
    pub stack: StackPolicy,
    pub session: SessionPolicy,
    pub image_builder: ImageBuilderPolicy,
    pub image: ImagePolicy,
    pub account: AccountPolicy,
    /// The tag whose value waives rules on a fleet or stack (`"FLEET-USB-REDIRECTION until=2027-01-31"`).
    pub exemption_tag: String,
    pub exemptions: Vec<Exemption>,
    /// One setting per rule, in catalog order.
    settings: Vec<RuleSetting>,
    /// Where the policy came from: `built-in` or the file's path.
    pub origin: String,
}

const DEFAULT_EXEMPTION_TAG: &str = "streamwarden:exempt";

impl Policy {
    /// The built-in default policy (`policy.default.toml`).
    pub fn builtin() -> Self {
        Policy::parse("built-in policy.default.toml", DEFAULT_POLICY_TOML)
            .unwrap_or_else(|e| unreachable!("the embedded default policy is tested: {e}"))
    }

    /// Reads and validates a policy file.
    pub fn load(path: &str) -> Result<Self, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Io {
            path: path.to_owned(),
            source,
        })?;
        Policy::parse(path, &text)
    }

    /// Parses and validates policy text; `path` names it in errors.
    pub fn parse(path: &str, text: &str) -> Result<Self, PolicyError> {
        let file: PolicyFile = toml::from_str(text).map_err(|source| PolicyError::Toml {
            path: path.to_owned(),
            source,
        })?;
        let invalid = |span: std::ops::Range<usize>, message: String| PolicyError::Invalid {
            path: path.to_owned(),
            line: line_at(text, span.start),
            message,
        };
        let at_key = |key: &str, message: String| PolicyError::Invalid {
            path: path.to_owned(),
            line: line_of_key(text, key),
            message,
        };

        if let Some(version) = file.version
            && version != 1
        {
            return Err(at_key(
                "version",
                format!("unsupported policy version {version}; this streamwarden reads version 1"),
            ));
        }
        let fleet = file.fleet;
        if !(0.0..=1.0).contains(&fleet.min_available_ratio) || fleet.min_available_ratio.is_nan() {
            return Err(at_key(
                "min_available_ratio",
                format!(
                    "fleet.min_available_ratio is {}; it is a fraction between 0 and 1 (0.10 = 10 %)",
                    fleet.min_available_ratio
                ),
            ));
        }
        if fleet.max_sessions_per_instance == Some(0) {
            return Err(at_key(
                "max_sessions_per_instance",
                "fleet.max_sessions_per_instance is 0; use at least 1, or remove it for no limit"
                    .to_owned(),
            ));
        }
        if let Some(view) = fleet
            .allowed_stream_views
            .iter()
            .find(|v| *v != "APP" && *v != "DESKTOP")
        {
            return Err(at_key(
                "allowed_stream_views",
                format!(
                    "fleet.allowed_stream_views has {view:?}; the stream views are APP and DESKTOP"
                ),
            ));
        }

        let stack = file.stack;
        for (key, values, known) in [
            (
                "allowed_agent_actions",
                stack.allowed_agent_actions.as_slice(),
                rules::stack_controls::AGENT_ACTIONS,
            ),
            (
                "required_agent_user_control",
                std::slice::from_ref(&stack.required_agent_user_control),
                rules::stack_controls::USER_CONTROL_MODES,
            ),
            (
                "allowed_storage_connectors",
                stack.allowed_storage_connectors.as_slice(),
                rules::stack_controls::CONNECTOR_TYPES,
            ),
        ] {
            if let Some(value) = values.iter().find(|v| !known.contains(&v.as_str())) {
                return Err(at_key(
                    key,
                    format!(
                        "stack.{key} has {value:?}; the values are {}",
                        known.join(", ")
                    ),
                ));
            }
        }
        if let Some(account) = file
            .image
            .allowed_share_accounts
            .iter()
            .find(|a| a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(at_key(
                "allowed_share_accounts",
                format!(
                    "image.allowed_share_accounts has {account:?}; list 12-digit AWS account IDs such as \"111122223333\""
                ),
            ));
        }

        let mut settings: Vec<RuleSetting> = CATALOG
            .iter()
            .map(|rule| RuleSetting {
                enabled: true,
                severity: rule.severity,
            })
            .collect();
        for (id, over) in &file.rules {
            let Some(index) = index_of(id.get_ref()) else {
                return Err(invalid(
                    id.span(),
                    format!(
                        "unknown rule ID {:?} under [rules]; run `streamwarden rules` for the catalog",
                        id.get_ref()
                    ),
                ));
            };
            if let Some(enabled) = over.enabled {
                settings[index].enabled = enabled;
            }
            if let Some(severity) = over.severity {
                settings[index].severity = severity;
            }
        }

        let mut exemptions = Vec::with_capacity(file.exemptions.len());
        for entry in &file.exemptions {
            let span = entry.span();
            let entry = entry.get_ref();
            let resources = GlobList::new(&entry.resources)
                .map_err(|e| invalid(span.clone(), e.to_string()))?;
            if resources.is_empty() {
                return Err(invalid(
                    span,
                    "an exemption needs at least one resource name or glob in `resources`"
                        .to_owned(),
                ));
            }
            let rules =
                GlobList::new(&entry.rules).map_err(|e| invalid(span.clone(), e.to_string()))?;
            for pattern in &entry.rules {
                let matched = GlobList::new(std::slice::from_ref(pattern))
                    .map(|g| CATALOG.iter().any(|r| g.matches(r.id)))
                    .unwrap_or(false);
                if !matched {
                    return Err(invalid(
                        span,
                        format!(
                            "exemption names unknown rule ID {pattern:?}; run `streamwarden rules` for the catalog"
                        ),
                    ));
                }
            }
            if entry.rules.is_empty() {
                return Err(invalid(
                    span,
                    "an exemption needs at least one rule ID in `rules`".to_owned(),
                ));
            }
            if entry.reason.trim().is_empty() {
                return Err(invalid(
                    span,
                    "an exemption needs a `reason` (who agreed, and why), so the waiver stays explainable"
                        .to_owned(),
                ));
            }
            let expires = match &entry.expires {
                None => None,
                Some(dt) => Some(
                    dt.date
                        .and_then(|d| {
                            NaiveDate::from_ymd_opt(
                                i32::from(d.year),
                                u32::from(d.month),
                                u32::from(d.day),
                            )
                        })
                        .ok_or_else(|| {
                            invalid(
                                span.clone(),
                                format!("`expires` must be a date such as 2027-03-31, not {dt}"),
                            )
                        })?,
                ),
            };
            exemptions.push(Exemption {
                resources,
                rules,
                reason: entry.reason.clone(),
                expires,
            });
        }

        Ok(Policy {
            fleet,
            stack,
            session: file.session,
            image_builder: file.image_builder,
            image: file.image,
            account: file.account,
            exemption_tag: file
                .exemption_tag
                .unwrap_or_else(|| DEFAULT_EXEMPTION_TAG.to_owned()),
            exemptions,
            settings,
            origin: path.to_owned(),
        })
    }

    /// The setting of the rule at a catalog index.
    pub fn setting(&self, index: usize) -> RuleSetting {
        self.settings[index]
    }

    /// The setting of a rule by ID.
    pub fn setting_of(&self, id: &str) -> Option<RuleSetting> {
        index_of(id).map(|i| self.settings[i])
    }
}

fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn line_of_key(text: &str, key: &str) -> usize {
    text.lines()
        .position(|line| {
            let t = line.trim_start();
            t.starts_with(key) && t[key.len()..].trim_start().starts_with('=')
        })
        .map_or(1, |i| i + 1)
}

#[cfg(test)]
mod tests;
