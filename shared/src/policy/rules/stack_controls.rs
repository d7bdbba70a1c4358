//! Stacks: the 2026 controls on what reaches beyond the session besides user settings:
//! links opened on the local device, sites that frame the session, AI agents, and cloud
//! drives.

use super::{PASS, fail, listed, not_understood};
use crate::finding::Severity;
use crate::model::{AgentAccessSetting, Stack};
use crate::policy::{Check, Outcome, Policy, Rule};

/// AgentAction values (aws-sdk-appstream 1.138).
pub const AGENT_ACTIONS: &[&str] = &["COMPUTER_VISION", "COMPUTER_INPUT", "FORWARD_MCP_TOOLS"];
/// UserControlMode values.
pub const USER_CONTROL_MODES: &[&str] = &["VIEW_ONLY", "VIEW_STOP", "DISABLED"];
/// StorageConnectorType values.
pub const CONNECTOR_TYPES: &[&str] = &["HOMEFOLDERS", "GOOGLE_DRIVE", "ONE_DRIVE"];
/// Permission values.
const PERMISSIONS: &[&str] = &["ENABLED", "DISABLED"];

pub const STACK_URL_REDIRECTION: Rule = Rule {
    id: "STACK-URL-REDIRECTION",
    severity: Severity::Medium,
    title: "Links in the session open in the user's local browser",
    fails_when: "ContentRedirection.HostToClient.Enabled is true (links in the session open in the user's local browser) and the policy does not allow it; where allowed, AllowedUrls empty or holding a bare `*` also fails",
    default: "allow_url_redirection = false",
    remediation: "Turn host-to-client URL redirection off (UpdateStack --content-redirection HostToClient={Enabled=false}), or, where the policy allows it, list the sites in AllowedUrls instead of `*`.",
    check: Check::Stack(url_redirection),
};

fn url_redirection(policy: &Policy, stack: &Stack) -> Outcome {
    let Some(redirection) = stack.url_redirection.get()? else {
        return PASS;
    };
    if redirection.enabled.get()? != Some(&true) {
        return PASS;
    }
    if !policy.stack.allow_url_redirection {
        return fail(
            "ContentRedirection.HostToClient.Enabled is true: links in the session open in the user's local browser; the policy does not allow URL redirection",
        );
    }
    let allowed = redirection
        .allowed_urls
        .get()?
        .map(Vec::as_slice)
        .unwrap_or_default();
    if allowed.is_empty() {
        return fail(
            "ContentRedirection.HostToClient is enabled with no AllowedUrls; list the sites that may open locally",
        );
    }
    if allowed.iter().any(|u| u.trim() == "*") {
        return fail(
            "ContentRedirection.HostToClient.AllowedUrls holds a bare \"*\": any link opens in the user's local browser",
        );
    }
    PASS
}

pub const STACK_EMBED_WILDCARD: Rule = Rule {
    id: "STACK-EMBED-WILDCARD",
    severity: Severity::Medium,
    title: "Any site can embed the streaming session",
    fails_when: "an EmbedHostDomains entry contains `*` (any site can frame the streaming session)",
    default: "always on",
    remediation: "List the exact domains that may embed the session (UpdateStack --embed-host-domains portal.example.com).",
    check: Check::Stack(embed_wildcard),
};

fn embed_wildcard(_: &Policy, stack: &Stack) -> Outcome {
    let domains = stack
        .embed_host_domains
        .get()?
        .map(Vec::as_slice)
        .unwrap_or_default();
    let wild: Vec<String> = domains
        .iter()
        .filter(|d| d.contains('*'))
        .map(|d| format!("{d:?}"))
        .collect();
    if wild.is_empty() {
        return PASS;
    }
    fail(format!(
        "EmbedHostDomains has {}: sites matching the wildcard can frame the streaming session",
        wild.join(", ")
    ))
}

pub const STACK_AGENT_ACCESS: Rule = Rule {
    id: "STACK-AGENT-ACCESS",
    severity: Severity::High,
    title: "AI agents may act in users' sessions",
    fails_when: "AgentAccessConfig has a setting with Permission ENABLED whose AgentAction (COMPUTER_VISION, COMPUTER_INPUT, FORWARD_MCP_TOOLS) is not in the policy's list: AI agents may see, drive, or bring tools into users' sessions. An AgentAction or Permission this build does not know also fails",
    default: "allowed_agent_actions = []",
    remediation: "Disable the agent actions the policy does not allow (UpdateStack --agent-access-config Settings=[{AgentAction=COMPUTER_INPUT,Permission=DISABLED}],...), or remove agent access (UpdateStack --attributes-to-delete AGENT_ACCESS_CONFIG).",
    check: Check::Stack(agent_access),
};

/// The settings of a stack's agent access (empty where there is none).
fn agent_settings(stack: &Stack) -> Result<&[AgentAccessSetting], crate::model::Unread> {
    let Some(access) = stack.agent_access.get()? else {
        return Ok(&[]);
    };
    Ok(access
        .settings
        .get()?
        .map(Vec::as_slice)
        .unwrap_or_default())
}

fn agent_access(policy: &Policy, stack: &Stack) -> Outcome {
    let allowed = &policy.stack.allowed_agent_actions;
    let mut problems = Vec::new();
    for setting in agent_settings(stack)? {
        let action = setting.action.as_str();
        let permission = setting.permission.get()?.map(String::as_str);
        if !AGENT_ACTIONS.contains(&action) {
            problems.push(not_understood("AgentAction", action, AGENT_ACTIONS));
        }
        match permission {
            Some("DISABLED") => {}
            Some("ENABLED") => {
                if AGENT_ACTIONS.contains(&action) && !allowed.iter().any(|a| a == action) {
                    problems.push(format!("{action} is ENABLED"));
                }
            }
            Some(other) => problems.push(not_understood(
                &format!("Permission of {action}"),
                other,
                PERMISSIONS,
            )),
            None => problems.push(format!("{action} has no Permission")),
        }
    }
    if problems.is_empty() {
        return PASS;
    }
    fail(format!(
        "AgentAccessConfig: {}; the policy allows agent actions: {}",
        problems.join("; "),
        listed(allowed)
    ))
}

pub const STACK_AGENT_USER_CONTROL: Rule = Rule {
    id: "STACK-AGENT-USER-CONTROL",
    severity: Severity::Medium,
    title: "Users cannot control the AI agent in their session as required",
    fails_when: "agent access has an ENABLED setting and UserControlMode is not the policy's mode (VIEW_STOP: the user watches the agent and can stop it). An unset UserControlMode fails; a setting or mode this build does not know counts as enabled, never compliant",
    default: "required_agent_user_control = \"VIEW_STOP\"",
    remediation: "Set the stack's agent UserControlMode to the policy's mode (UpdateStack --agent-access-config UserControlMode=VIEW_STOP,Settings=[...]).",
    check: Check::Stack(agent_user_control),
};

fn agent_user_control(policy: &Policy, stack: &Stack) -> Outcome {
    let mut enabled = false;
    for setting in agent_settings(stack)? {
        // Only DISABLED switches a setting off; anything else may let the agent act.
        enabled |= setting.permission.get()?.map(String::as_str) != Some("DISABLED");
    }
    if !enabled {
        return PASS;
    }
    let required = &policy.stack.required_agent_user_control;
    let mode = match stack.agent_access.get()? {
        Some(access) => access.user_control_mode.get()?,
        None => None,
    };
    match mode.map(String::as_str) {
        Some(mode) if mode == required => PASS,
        Some(mode) if !USER_CONTROL_MODES.contains(&mode) => fail(format!(
            "{}; the policy requires {required}",
            not_understood(
                "AgentAccessConfig.UserControlMode",
                mode,
                USER_CONTROL_MODES
            )
        )),
        Some(mode) => fail(format!(
            "AgentAccessConfig.UserControlMode is {mode}; the policy requires {required}"
        )),
        None => fail(format!(
            "agent access is enabled and AgentAccessConfig.UserControlMode is not set; the policy requires {required}"
        )),
    }
}

pub const STACK_STORAGE_CONNECTOR: Rule = Rule {
    id: "STACK-STORAGE-CONNECTOR",
    severity: Severity::Medium,
    title: "Users can move files to a cloud drive the policy does not allow",
    fails_when: "a StorageConnectors entry of a ConnectorType not in the policy's list (files leave for personal cloud drives), or an allowed GOOGLE_DRIVE / ONE_DRIVE connector with no Domains (any account, not just the organisation's). A ConnectorType this build does not know also fails",
    default: "allowed_storage_connectors = [\"HOMEFOLDERS\"]",
    remediation: "Remove the connector (UpdateStack --attributes-to-delete STORAGE_CONNECTOR_GOOGLE_DRIVE, or STORAGE_CONNECTOR_ONE_DRIVE), or, for an allowed Google Drive or OneDrive, restrict it to your organisation's domains (UpdateStack --storage-connectors ConnectorType=ONE_DRIVE,Domains=example.com).",
    check: Check::Stack(storage_connector),
};

fn storage_connector(policy: &Policy, stack: &Stack) -> Outcome {
    let allowed = &policy.stack.allowed_storage_connectors;
    let connectors = stack
        .storage_connectors
        .get()?
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut problems = Vec::new();
    for connector in connectors {
        let kind = connector.connector_type.as_str();
        if !CONNECTOR_TYPES.contains(&kind) {
            problems.push(not_understood("ConnectorType", kind, CONNECTOR_TYPES));
        } else if !allowed.iter().any(|a| a == kind) {
            problems.push(format!(
                "a {kind} connector; the policy allows {}",
                listed(allowed)
            ));
        } else if kind != "HOMEFOLDERS" && connector.domains.get()?.is_none_or(|d| d.is_empty()) {
            problems.push(format!(
                "the {kind} connector lists no Domains, so any account can connect, not just the organisation's"
            ));
        }
    }
    if problems.is_empty() {
        return PASS;
    }
    fail(format!("StorageConnectors: {}", problems.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AgentAccess, Attr, StorageConnector, UnreadReason, UrlRedirection};
    use crate::policy::rules::testing::*;
    use serde_json::json;

    fn redirecting(enabled: Attr<bool>, allowed: Attr<Vec<String>>) -> Stack {
        let mut s = stack(json!({}));
        s.url_redirection = Attr::Set(UrlRedirection {
            enabled,
            allowed_urls: allowed,
            denied_urls: Attr::Absent,
        });
        s
    }

    fn urls(list: &[&str]) -> Attr<Vec<String>> {
        Attr::Set(list.iter().map(|u| (*u).to_owned()).collect())
    }

    #[test]
    fn url_redirection_fails_when_enabled_unless_allowed_with_listed_sites() {
        let p = Policy::builtin();
        let allowing = policy("[stack]\nallow_url_redirection = true\n");
        for (s, policy, expected) in [
            (stack(json!({})), &p, Some(false)),
            (redirecting(Attr::Set(false), Attr::Absent), &p, Some(false)),
            (redirecting(Attr::Absent, urls(&["*"])), &p, Some(false)),
            (
                redirecting(Attr::Set(true), urls(&["https://*.example.com"])),
                &p,
                Some(true),
            ),
            (
                redirecting(Attr::Set(true), urls(&["https://*.example.com"])),
                &allowing,
                Some(false),
            ),
            (
                redirecting(Attr::Set(true), urls(&[])),
                &allowing,
                Some(true),
            ),
            (
                redirecting(Attr::Set(true), Attr::Absent),
                &allowing,
                Some(true),
            ),
            (
                redirecting(Attr::Set(true), urls(&["https://example.com", " * "])),
                &allowing,
                Some(true),
            ),
            (
                redirecting(
                    Attr::unread(
                        "ContentRedirection.HostToClient.Enabled",
                        UnreadReason::Intrinsic("!Ref Redirect".into()),
                    ),
                    Attr::Absent,
                ),
                &p,
                None,
            ),
        ] {
            assert_eq!(
                stack_fails(&STACK_URL_REDIRECTION, policy, &s),
                expected,
                "{:?}",
                s.url_redirection
            );
        }
    }

    #[test]
    fn an_embed_domain_with_a_wildcard_fails() {
        let p = Policy::builtin();
        for (domains, expected) in [
            (Attr::Absent, Some(false)),
            (urls(&[]), Some(false)),
            (urls(&["portal.example.com"]), Some(false)),
            (urls(&["portal.example.com", "*.example.com"]), Some(true)),
            (urls(&["*"]), Some(true)),
        ] {
            let mut s = stack(json!({}));
            s.embed_host_domains = domains.clone();
            assert_eq!(
                stack_fails(&STACK_EMBED_WILDCARD, &p, &s),
                expected,
                "{domains:?}"
            );
        }
    }

    fn agents(settings: &[(&str, Option<&str>)], mode: Option<&str>) -> Stack {
        let mut s = stack(json!({}));
        s.agent_access = Attr::Set(AgentAccess {
            settings: Attr::Set(
                settings
                    .iter()
                    .map(|(action, permission)| AgentAccessSetting {
                        action: (*action).to_owned(),
                        permission: permission.map(str::to_owned).into(),
                    })
                    .collect(),
            ),
            user_control_mode: mode.map(str::to_owned).into(),
            ..Default::default()
        });
        s
    }

    #[test]
    fn an_enabled_agent_action_the_policy_does_not_list_fails() {
        let p = Policy::builtin();
        let vision = policy("[stack]\nallowed_agent_actions = [\"COMPUTER_VISION\"]\n");
        for (s, policy, expected) in [
            (stack(json!({})), &p, Some(false)),
            (agents(&[], Some("VIEW_STOP")), &p, Some(false)),
            (
                agents(&[("COMPUTER_VISION", Some("DISABLED"))], None),
                &p,
                Some(false),
            ),
            (
                agents(&[("COMPUTER_VISION", Some("ENABLED"))], None),
                &p,
                Some(true),
            ),
            (
                agents(&[("COMPUTER_VISION", Some("ENABLED"))], None),
                &vision,
                Some(false),
            ),
            (
                agents(
                    &[
                        ("COMPUTER_VISION", Some("ENABLED")),
                        ("COMPUTER_INPUT", Some("ENABLED")),
                    ],
                    None,
                ),
                &vision,
                Some(true),
            ),
            (
                agents(&[("FORWARD_MCP_TOOLS", Some("ENABLED"))], None),
                &vision,
                Some(true),
            ),
            // Values this build does not know are never compliant.
            (
                agents(&[("COMPUTER_TELEPATHY", Some("DISABLED"))], None),
                &vision,
                Some(true),
            ),
            (
                agents(&[("COMPUTER_VISION", Some("SOMETIMES"))], None),
                &vision,
                Some(true),
            ),
            (
                agents(&[("COMPUTER_VISION", None)], None),
                &vision,
                Some(true),
            ),
        ] {
            assert_eq!(
                stack_fails(&STACK_AGENT_ACCESS, policy, &s),
                expected,
                "{:?}",
                s.agent_access
            );
        }
        let text = message(agent_access(
            &vision,
            &agents(
                &[
                    ("COMPUTER_INPUT", Some("ENABLED")),
                    ("COMPUTER_TELEPATHY", Some("ENABLED")),
                ],
                None,
            ),
        ));
        assert!(
            text.contains("COMPUTER_INPUT is ENABLED")
                && text.contains("AgentAction \"COMPUTER_TELEPATHY\" is not understood")
                && text.ends_with("the policy allows agent actions: COMPUTER_VISION"),
            "{text}"
        );
        let mut unread = stack(json!({}));
        unread.agent_access =
            Attr::unread("AgentAccessConfig", UnreadReason::Intrinsic("!If".into()));
        assert_eq!(stack_fails(&STACK_AGENT_ACCESS, &p, &unread), None);
    }

    #[test]
    fn enabled_agents_need_the_policy_user_control_mode() {
        let p = Policy::builtin();
        let view_only = policy("[stack]\nrequired_agent_user_control = \"VIEW_ONLY\"\n");
        let on = [("COMPUTER_VISION", Some("ENABLED"))];
        for (s, policy, expected) in [
            (stack(json!({})), &p, Some(false)),
            (
                agents(&[("COMPUTER_VISION", Some("DISABLED"))], None),
                &p,
                Some(false),
            ),
            (agents(&on, Some("VIEW_STOP")), &p, Some(false)),
            (agents(&on, Some("VIEW_ONLY")), &p, Some(true)),
            (agents(&on, Some("DISABLED")), &p, Some(true)),
            (agents(&on, None), &p, Some(true)),
            (agents(&on, Some("VIEW_ONLY")), &view_only, Some(false)),
            (agents(&on, Some("VIEW_AND_PRAY")), &p, Some(true)),
            // A permission this build does not know counts as enabled.
            (
                agents(&[("COMPUTER_VISION", Some("SOMETIMES"))], Some("VIEW_ONLY")),
                &p,
                Some(true),
            ),
        ] {
            assert_eq!(
                stack_fails(&STACK_AGENT_USER_CONTROL, policy, &s),
                expected,
                "{:?}",
                s.agent_access
            );
        }
        assert!(message(agent_user_control(&p, &agents(&on, None))).contains("is not set"));
        assert!(
            message(agent_user_control(&p, &agents(&on, Some("VIEW_AND_PRAY"))))
                .contains("not understood")
        );
    }

    fn connectors(list: &[(&str, Option<&[&str]>)]) -> Stack {
        let mut s = stack(json!({}));
        s.storage_connectors = Attr::Set(
            list.iter()
                .map(|(kind, domains)| StorageConnector {
                    connector_type: (*kind).to_owned(),
                    domains: domains
                        .map(|d| d.iter().map(|x| (*x).to_owned()).collect())
                        .into(),
                })
                .collect(),
        );
        s
    }

    #[test]
    fn connectors_outside_the_policy_and_open_cloud_drives_fail() {
        let p = Policy::builtin();
        let drives = policy(
            "[stack]\nallowed_storage_connectors = [\"HOMEFOLDERS\", \"GOOGLE_DRIVE\", \"ONE_DRIVE\"]\n",
        );
        let org: &[&str] = &["example.com"];
        for (s, policy, expected) in [
            (stack(json!({})), &p, Some(false)),
            (connectors(&[("HOMEFOLDERS", None)]), &p, Some(false)),
            (connectors(&[("GOOGLE_DRIVE", Some(org))]), &p, Some(true)),
            (
                connectors(&[("ONE_DRIVE", Some(org))]),
                &drives,
                Some(false),
            ),
            (connectors(&[("ONE_DRIVE", None)]), &drives, Some(true)),
            (
                connectors(&[("GOOGLE_DRIVE", Some(&[]))]),
                &drives,
                Some(true),
            ),
            (connectors(&[("DROPBOX", Some(org))]), &drives, Some(true)),
        ] {
            assert_eq!(
                stack_fails(&STACK_STORAGE_CONNECTOR, policy, &s),
                expected,
                "{:?}",
                s.storage_connectors
            );
        }
        assert!(
            message(storage_connector(
                &drives,
                &connectors(&[("DROPBOX", None)])
            ))
            .contains("ConnectorType \"DROPBOX\" is not understood")
        );
        assert!(
            message(storage_connector(&p, &connectors(&[("ONE_DRIVE", None)])))
                .contains("a ONE_DRIVE connector; the policy allows HOMEFOLDERS")
        );
    }
}
