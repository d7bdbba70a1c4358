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
