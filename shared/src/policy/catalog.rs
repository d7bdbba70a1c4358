//! The rule catalog: every rule's stable ID, severity, title, remediation and check.
//! IDs, default severities and defaults are a contract with users (policies, waivers,
//! SARIF and alert filters name them); `docs/rules.md` is generated from this catalog
//! ([`Rule::catalog_markdown`]). The order here is the order of evaluation and of
//! `streamwarden rules`.

use super::rules::{
    account, builder, capacity, elastic, image, instance, multi_session, network, security,
    session, stack, stack_controls, timeouts,
};
use super::{DEFAULT_POLICY_TOML, Policy};
use crate::finding::{ResourceType, Severity};
use crate::model::{Account, Fleet, Image, ImageBuilder, Stack, Unread};
use chrono::{DateTime, Utc};

/// A rule's verdict on one resource: `Ok(None)` complies, `Ok(Some(message))` fails
/// with the observed value and the limit, `Err` could not be decided offline.
pub type Outcome = Result<Option<String>, Unread>;

/// The resource a rule reads, and how.
#[derive(Clone, Copy)]
pub enum Check {
    Fleet(fn(&Policy, &Fleet) -> Outcome),
    /// A fleet rule that needs the time of the evaluation (`--as-of`, or now).
    FleetAt(fn(&Policy, &Fleet, DateTime<Utc>) -> Outcome),
    Stack(fn(&Policy, &Stack) -> Outcome),
    Builder(fn(&Policy, &ImageBuilder, DateTime<Utc>) -> Outcome),
    Image(fn(&Policy, &Image) -> Outcome),
    Account(fn(&Policy, &Account) -> Outcome),
    /// Evaluated by the session recorder over the fleet's recorded sessions.
    Session(fn(&Policy, &crate::policy::rules::session::SessionView<'_>) -> Outcome),
}

/// One rule of the catalog.
#[derive(Clone, Copy)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub title: &'static str,
    /// When the rule fails, in the catalog's words.
    pub fails_when: &'static str,
    /// The default in the built-in policy.
    pub default: &'static str,
    pub remediation: &'static str,
    pub check: Check,
}

impl Rule {
    pub fn resource_type(&self) -> ResourceType {
        match self.check {
            Check::Fleet(_) | Check::FleetAt(_) => ResourceType::Fleet,
            Check::Stack(_) => ResourceType::Stack,
            Check::Builder(_) => ResourceType::ImageBuilder,
            Check::Image(_) => ResourceType::Image,
            Check::Account(_) => ResourceType::Account,
            Check::Session(_) => ResourceType::Session,
        }
    }
}

/// Every rule, in evaluation order.
pub static CATALOG: &[Rule] = &[
    network::FLEET_INTERNET_ACCESS,
    network::FLEET_VPC_REQUIRED,
    timeouts::FLEET_MAX_USER_DURATION,
    timeouts::FLEET_DISCONNECT_TIMEOUT,
    timeouts::FLEET_IDLE_DISCONNECT_TIMEOUT,
    timeouts::FLEET_CONFIG_RANGE,
    instance::FLEET_INSTANCE_TYPE_ALLOWED,
    instance::FLEET_INSTANCE_TYPE_UNKNOWN,
    instance::FLEET_INSTANCE_TYPE_RETIRED,
    elastic::FLEET_ELASTIC_INSTANCE_TYPE,
    elastic::FLEET_ELASTIC_VPC,
    elastic::FLEET_ELASTIC_CAPACITY,
    elastic::FLEET_ELASTIC_DOMAIN_JOIN,
    elastic::FLEET_ELASTIC_PLATFORM,
    elastic::FLEET_SESSION_SCRIPT_ELASTIC_ONLY,
    multi_session::FLEET_MULTI_SESSION_ELASTIC,
    multi_session::FLEET_MULTI_SESSION_CAPACITY,
    multi_session::FLEET_MULTI_SESSION_PLATFORM,
    multi_session::FLEET_MULTI_SESSION_LIMIT,
    multi_session::FLEET_MULTI_SESSION_FORBIDDEN,
    capacity::FLEET_CAPACITY_CONSISTENCY,
    capacity::FLEET_CAPACITY_HEADROOM,
    capacity::FLEET_ERRORS,
    security::FLEET_USB_REDIRECTION,
    security::FLEET_IMDSV1,
    security::FLEET_IMAGE_ALLOWED,
    security::FLEET_STREAM_VIEW,
    security::FLEET_IAM_ROLE,
    security::FLEET_REQUIRED_TAGS,
    security::FLEET_DOMAIN_JOIN_REQUIRED,
    image::FLEET_IMAGE_OUTDATED,
    stack::STACK_CLIPBOARD_TO_LOCAL,
    stack::STACK_FILE_DOWNLOAD,
    stack::STACK_FILE_UPLOAD,
    stack::STACK_PRINTING,
    stack::STACK_ACCESS_ENDPOINT,
    stack::STACK_ERRORS,
    stack_controls::STACK_URL_REDIRECTION,
    stack_controls::STACK_EMBED_WILDCARD,
    stack_controls::STACK_AGENT_ACCESS,
    stack_controls::STACK_AGENT_USER_CONTROL,
    stack_controls::STACK_STORAGE_CONNECTOR,
    builder::BUILDER_INTERNET_ACCESS,
    builder::BUILDER_VPC_REQUIRED,
    builder::BUILDER_INSTANCE_TYPE_RETIRED,
    builder::BUILDER_ERRORS,
    builder::BUILDER_ACCESS_ENDPOINT,
    builder::BUILDER_RUNNING_AGE,
    image::IMAGE_SHARED_EXTERNALLY,
    image::IMAGE_AGENT_NOT_LATEST,
    account::ACCOUNT_USAGE_REPORTS,
    session::SESSION_INSTANCE_OVERPACKED,
    session::SESSION_OVER_MAX_DURATION,
    session::SESSION_STALE_DISCONNECTED,
    session::SESSION_ON_NONCOMPLIANT_FLEET,
    session::SESSION_INSTANCE_AGE,
];

/// The rule with this ID.
pub fn rule(id: &str) -> Option<&'static Rule> {
    CATALOG.iter().find(|r| r.id == id)
}

/// The catalog's position of a rule ID.
pub fn index_of(id: &str) -> Option<usize> {
    CATALOG.iter().position(|r| r.id == id)
}

/// The catalog as a Markdown table (README, `streamwarden rules`).
pub fn markdown_table() -> String {
    let mut out = String::from("| ID | Severity | Fails when | Default |\n|---|---|---|---|\n");
    for rule in CATALOG {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            rule.id, rule.severity, rule.fails_when, rule.default
        ));
    }
    out
}

/// A row of the summary table: the ID (linking to its entry), severity, resource, title.
fn summary_row(rule: &Rule) -> String {
    format!(
        "| [{id}](#{anchor}) | {} | {} | {} |\n",
        rule.severity,
        rule.resource_type().as_str(),
        rule.title,
        id = rule.id,
        anchor = rule.id.to_ascii_lowercase(),
    )
}

impl Rule {
    /// The whole catalog as a Markdown reference: a summary table, then per rule its
    /// severity, resource type, what fails (with the AWS source where the rule rests on
    /// one), the default, the policy keys that tune it with their built-in values, and
    /// the remediation. This is `docs/rules.md` and `streamwarden rules --format
    /// reference`; `shared/tests/catalog.rs` keeps the two in step.
    pub fn catalog_markdown() -> String {
        let keys = policy_keys();
        let count = |t: ResourceType| CATALOG.iter().filter(|r| r.resource_type() == t).count();
        let mut out = String::from(CATALOG_PREAMBLE);
        out.push_str(&format!(
            "{} rules: {} on fleets, {} on stacks, {} on image builders, {} on images, {} on \
             accounts and {} on sessions, in the order they are evaluated.\n\n",
            CATALOG.len(),
            count(ResourceType::Fleet),
            count(ResourceType::Stack),
            count(ResourceType::ImageBuilder),
            count(ResourceType::Image),
            count(ResourceType::Account),
            count(ResourceType::Session),
        ));
        out.push_str(CATALOG_READING);
        out.push_str("## Summary\n\n| ID | Severity | Resource | Title |\n|---|---|---|---|\n");
        for rule in CATALOG {
            out.push_str(&summary_row(rule));
        }
        for (resource, heading) in [
            (ResourceType::Fleet, "Fleet rules"),
            (ResourceType::Stack, "Stack rules"),
            (ResourceType::ImageBuilder, "Image builder rules"),
            (ResourceType::Image, "Image rules"),
            (ResourceType::Account, "Account rules"),
            (ResourceType::Session, "Session rules"),
        ] {
            out.push_str(&format!("\n## {heading}\n"));
            for rule in CATALOG.iter().filter(|r| r.resource_type() == resource) {
                out.push_str(&format!(
                    "\n### {}\n\n{}.\n\n- **Severity:** {}\n- **Resource:** {}\n\
                     - **Fails when:** {}\n- **Default:** {}\n",
                    rule.id,
                    rule.title,
                    rule.severity,
                    resource.as_str(),
                    rule.fails_when,
                    rule.default,
                ));
                for key in keys.iter().filter(|k| k.rule == rule.id) {
                    out.push_str(&format!("- **Policy:** {}\n", key.markdown()));
                }
                out.push_str(&format!("- **Remediation:** {}\n", rule.remediation));
                out.push_str(&super::frameworks::reference_markdown(rule.id));
            }
        }
        out
    }
}

/// The start of `docs/rules.md`: what it is and how it is made.
const CATALOG_PREAMBLE: &str = "# Rule catalog

<!-- Generated from the catalog in code (shared/src/policy/catalog.rs, shared/src/policy/rules/)
     and the built-in policy (policy.default.toml); do not edit by hand. Regenerate with
       cargo run -q -p streamwarden-cli -- rules --format reference > docs/rules.md
     shared/tests/catalog.rs fails while this file and the code differ. -->

Every rule Streamwarden checks, with its stable ID and default severity. Policies, waivers,
SARIF results and alert filters name rules by these IDs. `streamwarden rules` prints the
same catalog (`--format text|markdown|json|reference`).

";

/// How to read an entry of `docs/rules.md`.
const CATALOG_READING: &str = "How to read an entry:

- **Severity** is the default: CRITICAL, HIGH, MEDIUM, LOW or INFO. In your policy,
  `[rules.<ID>]` with `severity = \"...\"` changes it and `enabled = false` switches the
  rule off; `[[exemptions]]` or the exemption tag on the resource (default
  `streamwarden:exempt`) waive it for named fleets, stacks, image builders or images
  (accounts carry no tags: `[[exemptions]]` names them `<account>/<region>`; waived
  findings are still reported, as exempted).
- **Fails when** is what makes a finding. Where a rule rests on an AWS document, the
  document is named there.
- **Default** is what the built-in policy ([`policy.default.toml`](../policy.default.toml))
  sets; *always on* rules have no setting of their own (`[rules.<ID>]` still applies).
- **Policy** is the setting of your policy file that tunes the rule, with its built-in
  value. Thresholds are inclusive: a value equal to a limit complies.

Fleet, stack, image builder, image and account rules are evaluated by `streamwarden
check`, `streamwarden audit` and the fleet-auditor function; a value known only at deploy
time (a template intrinsic such as `!Ref`) or not in the inputs given (a fleet's image
without its DescribeImages entry) makes a rule *not evaluated*, never a pass. Image rules
judge only the images the account owns (Visibility PRIVATE). Session rules are evaluated
by the session-recorder function over live sessions.

";

/// A setting of the built-in policy annotated with the rule it tunes: in
/// `policy.default.toml`, a comment `# RULE-ID: what it means` above the key.
struct PolicyKey {
    rule: &'static str,
    /// The TOML table, `None` for a top-level key.
    section: Option<&'static str>,
    key: &'static str,
    /// The built-in value; `None` when the default file leaves the key unset (commented
    /// out), in which case `example` is the commented value.
    value: Option<&'static str>,
    example: &'static str,
    meaning: String,
}

impl PolicyKey {
    fn markdown(&self) -> String {
        // The comments quote globs ("*"): escaped, they are not read as emphasis.
        let meaning = self.meaning.replace('*', "\\*");
        let section = self
            .section
            .map(|s| format!(" under `[{s}]`"))
            .unwrap_or_default();
        match self.value {
            Some(value) => format!("`{} = {value}`{section}: {meaning}", self.key),
            None => format!(
                "`{}`{section}, unset (for example `{} = {}`): {meaning}",
                self.key, self.key, self.example
            ),
        }
    }
}

/// A `key = value` line, bare or commented out.
fn assignment(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once('=')?;
    let key = key.trim();
    let is_key = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    is_key.then(|| (key, value.trim()))
}

/// The settings of the built-in policy that its comments tie to a catalog rule.
fn policy_keys() -> Vec<PolicyKey> {
    let mut keys = Vec::new();
    let mut section = None;
    // The rule and meaning of the last `# RULE-ID: ...` comment, until its key.
    let mut pending: Option<(&'static str, String)> = None;
    for line in DEFAULT_POLICY_TOML.lines().map(str::trim) {
        let (text, commented) = match line.strip_prefix('#') {
            Some(comment) => (comment.trim(), true),
            None => (line, false),
        };
        if !commented && text.starts_with('[') {
            section = Some(text.trim_matches(['[', ']']));
            pending = None;
            continue;
        }
        let annotation = text
            .split_once(':')
            .and_then(|(id, meaning)| rule(id.trim()).map(|r| (r.id, meaning.trim().to_owned())));
        if commented && annotation.is_some() {
            pending = annotation;
            continue;
        }
        match assignment(text) {
            Some((key, value)) => {
                if let Some((rule, meaning)) = pending.take() {
                    keys.push(PolicyKey {
                        rule,
                        section,
                        key,
                        value: (!commented).then_some(value),
                        example: value,
                        meaning,
                    });
                }
            }
            None if commented => {
                if let Some((_, meaning)) = pending.as_mut() {
                    meaning.push(' ');
                    meaning.push_str(text);
                }
            }
            None => pending = None,
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn rule_ids_are_unique_and_spelled_as_the_catalog_spells_them() {
        let mut seen = HashSet::new();
        for rule in CATALOG {
            assert!(seen.insert(rule.id), "duplicate {}", rule.id);
            assert!(
                rule.id
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                rule.id
            );
            let prefix = match rule.resource_type() {
                ResourceType::Fleet => "FLEET-",
                ResourceType::Stack => "STACK-",
                ResourceType::Session => "SESSION-",
                ResourceType::ImageBuilder => "BUILDER-",
                ResourceType::Image => "IMAGE-",
                ResourceType::Account => "ACCOUNT-",
            };
            assert!(
                rule.id.starts_with(prefix),
                "{} should start with {prefix}",
                rule.id
            );
            assert!(!rule.remediation.is_empty() && !rule.title.is_empty());
        }
    }

    #[test]
    fn every_rule_with_a_setting_names_its_policy_key_and_only_those() {
        let keys = policy_keys();
        for rule in CATALOG {
            let named = keys.iter().filter(|k| k.rule == rule.id).count();
            if rule.default == "always on" {
                assert_eq!(named, 0, "{} is always on but names a policy key", rule.id);
            } else {
                assert_eq!(named, 1, "{}: its setting in policy.default.toml", rule.id);
            }
        }
    }

    #[test]
    fn every_rule_setting_of_the_default_policy_is_tied_to_its_rule() {
        let policy: toml::Table = toml::from_str(DEFAULT_POLICY_TOML).unwrap();
        let keys = policy_keys();
        let sections: Vec<&str> = policy
            .iter()
            .filter(|(_, v)| v.is_table())
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(
            sections,
            [
                "account",
                "fleet",
                "image",
                "image_builder",
                "session",
                "stack"
            ],
            "every section of policy.default.toml is checked"
        );
        for section in sections {
            for (key, value) in policy[section].as_table().unwrap() {
                let found = keys
                    .iter()
                    .find(|k| k.section == Some(section) && k.key == key)
                    .unwrap_or_else(|| panic!("[{section}] {key} has no `# RULE-ID:` comment"));
                let text = found
                    .value
                    .unwrap_or_else(|| panic!("[{section}] {key} is set"));
                let parsed: toml::Table = toml::from_str(&format!("v = {text}")).unwrap();
                assert_eq!(&parsed["v"], value, "[{section}] {key}");
            }
        }
        let unset = keys.iter().find(|k| k.value.is_none()).unwrap();
        assert_eq!(
            (unset.rule, unset.key, unset.example),
            (
                "FLEET-MULTI-SESSION-LIMIT",
                "max_sessions_per_instance",
                "10"
            )
        );
    }

    #[test]
    fn the_reference_has_one_entry_per_rule_with_its_severity_default_and_fix() {
        let doc = Rule::catalog_markdown();
        for rule in CATALOG {
            let entry = doc
                .split(&format!("\n### {}\n", rule.id))
                .nth(1)
                .unwrap_or_else(|| panic!("no entry for {}", rule.id));
            let entry = entry.split("\n#").next().unwrap();
            for expected in [
                format!("- **Severity:** {}\n", rule.severity),
                format!("- **Default:** {}\n", rule.default),
                format!("- **Remediation:** {}\n", rule.remediation),
            ] {
                assert!(entry.contains(&expected), "{}: {expected}", rule.id);
            }
        }
        assert!(doc.contains(
            "- **Policy:** `allow_default_internet_access = false` under `[fleet]`: may fleets use AppStream's default internet access?\n"
        ));
        for (heading, policy) in [
            (
                "## Image builder rules",
                "- **Policy:** `max_running_days = 14` under `[image_builder]`",
            ),
            (
                "## Image rules",
                "- **Policy:** `allowed_share_accounts = []` under `[image]`",
            ),
            (
                "## Account rules",
                "- **Policy:** `require_usage_reports = true` under `[account]`",
            ),
        ] {
            let section = doc.split(&format!("\n{heading}\n")).nth(1).unwrap();
            let section = section.split("\n## ").next().unwrap();
            assert!(section.contains(policy), "{heading}: {policy}");
        }
        assert!(doc.contains("6 on image builders, 2 on images, 1 on accounts"));
    }
}
