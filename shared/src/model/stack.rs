//! A stack: the user settings and access endpoints that govern a streaming session.

use super::Attr;
use crate::finding::Source;
use std::collections::BTreeMap;

/// One `UserSettings` entry: an action (`FILE_DOWNLOAD`, ...) and its permission.
#[derive(Debug, Clone, PartialEq)]
pub struct UserSetting {
    pub action: String,
    pub permission: Attr<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AccessEndpoint {
    pub endpoint_type: Attr<String>,
    pub vpce_id: Attr<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackError {
    pub error_code: String,
    pub error_message: Option<String>,
}

/// `ContentRedirection.HostToClient` (2026-03): URLs opened in the session open in the
/// user's local browser.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UrlRedirection {
    pub enabled: Attr<bool>,
    pub allowed_urls: Attr<Vec<String>>,
    pub denied_urls: Attr<Vec<String>>,
}

/// One `AgentAccessConfig.Settings` entry: an `AgentAction` (`COMPUTER_VISION`,
/// `COMPUTER_INPUT`, `FORWARD_MCP_TOOLS`, or a value this build does not know) and its
/// permission (`ENABLED`/`DISABLED`).
#[derive(Debug, Clone, PartialEq)]
pub struct AgentAccessSetting {
    pub action: String,
    pub permission: Attr<String>,
}

/// `AgentAccessConfig` (2026-05): what AI agents may do in users' sessions.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AgentAccess {
    pub settings: Attr<Vec<AgentAccessSetting>>,
    /// `VIEW_ONLY`, `VIEW_STOP` or `DISABLED` (or a value this build does not know).
    pub user_control_mode: Attr<String>,
    pub screenshots_upload_enabled: Attr<bool>,
    pub s3_bucket_arn: Attr<String>,
}

/// One `StorageConnectors` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct StorageConnector {
    /// `HOMEFOLDERS`, `GOOGLE_DRIVE`, `ONE_DRIVE` (or a value this build does not know).
    pub connector_type: String,
    pub domains: Attr<Vec<String>>,
}

/// A stack, from DescribeStacks output, a CreateStack/UpdateStack request or a template.
#[derive(Debug, Clone, PartialEq)]
pub struct Stack {
    pub name: String,
    pub origin: super::Origin,
    pub source: Source,
    pub arn: Option<String>,
    pub user_settings: Attr<Vec<UserSetting>>,
    pub access_endpoints: Attr<Vec<AccessEndpoint>>,
    pub stack_errors: Vec<StackError>,
    pub embed_host_domains: Attr<Vec<String>>,
    /// `ContentRedirection.HostToClient`.
    pub url_redirection: Attr<UrlRedirection>,
    pub agent_access: Attr<AgentAccess>,
    pub storage_connectors: Attr<Vec<StorageConnector>>,
    pub tags: Attr<BTreeMap<String, String>>,
}

impl Stack {
    pub fn new(name: impl Into<String>, origin: super::Origin, source: Source) -> Self {
        Stack {
            name: name.into(),
            origin,
            source,
            arn: None,
            user_settings: Attr::Absent,
            access_endpoints: Attr::Absent,
            stack_errors: Vec::new(),
            embed_host_domains: Attr::Absent,
            url_redirection: Attr::Absent,
            agent_access: Attr::Absent,
            storage_connectors: Attr::Absent,
            tags: Attr::Absent,
        }
    }

    /// The permission of one action; AppStream treats an action that is not listed as
    /// `ENABLED`.
    pub fn permission(&self, action: &str) -> Result<String, super::Unread> {
        let Some(settings) = self.user_settings.get()? else {
            return Ok("ENABLED".to_owned());
        };
        match settings.iter().find(|s| s.action == action) {
            None => Ok("ENABLED".to_owned()),
            Some(setting) => Ok(setting
                .permission
                .get()?
                .cloned()
                .unwrap_or_else(|| "ENABLED".to_owned())),
        }
    }
}
