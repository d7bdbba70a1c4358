//! CreateStack and UpdateStack, with the 2026 controls: EmbedHostDomains,
//! ContentRedirection (URL redirection to the user's browser), AgentAccessConfig (AI
//! agents in sessions) and StorageConnectors.

use serde_json::{Value, json};

use super::{Kind, Object, World, merge_patch, required_string, string_list};
use crate::error::SimError;

/// CreateStack/UpdateStack members stored on the stack as given.
const COPIED: &[&str] = &[
    "Description",
    "DisplayName",
    "StorageConnectors",
    "RedirectURL",
    "FeedbackURL",
    "ApplicationSettings",
    "AccessEndpoints",
    "EmbedHostDomains",
    "StreamingExperienceSettings",
    "ContentRedirection",
    "StorageConnectorAuthentication",
];

/// UpdateStack's `AttributesToDelete` values and the member each removes (`None`: the
/// attribute is not a Stack member, or is handled apart).
const ATTRIBUTES: &[(&str, Option<&str>)] = &[
    ("ACCESS_ENDPOINTS", Some("AccessEndpoints")),
    ("AGENT_ACCESS_CONFIG", Some("AgentAccessConfig")),
    ("CONTENT_REDIRECTION", Some("ContentRedirection")),
    ("EMBED_HOST_DOMAINS", Some("EmbedHostDomains")),
    ("FEEDBACK_URL", Some("FeedbackURL")),
    ("IAM_ROLE_ARN", None),
    ("REDIRECT_URL", Some("RedirectURL")),
    ("STORAGE_CONNECTORS", Some("StorageConnectors")),
    (
        "STORAGE_CONNECTOR_AUTHENTICATION",
        Some("StorageConnectorAuthentication"),
    ),
    ("STORAGE_CONNECTOR_GOOGLE_DRIVE", None),
    ("STORAGE_CONNECTOR_HOMEFOLDERS", None),
    ("STORAGE_CONNECTOR_ONE_DRIVE", None),
    (
        "STREAMING_EXPERIENCE_SETTINGS",
        Some("StreamingExperienceSettings"),
    ),
    ("THEME_NAME", None),
    ("USER_SETTINGS", Some("UserSettings")),
];

fn enum_error(member: &str, value: &str, allowed: &[&str]) -> SimError {
    SimError::validation(format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy \
         constraint: Member must satisfy enum value set: [{}]",
        allowed.join(", ")
    ))
}

/// Checks an AgentAccessConfig as the service does: at least one setting, known
/// AgentAction/Permission/UserControlMode values, COMPUTER_INPUT only with
/// COMPUTER_VISION, and an S3 bucket when screenshots are uploaded.
fn check_agent_access(config: &Value) -> Result<(), SimError> {
    let settings = config
        .get("Settings")
        .and_then(Value::as_array)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            SimError::validation(
                "1 validation error detected: Value at 'agentAccessConfig.settings' failed to \
                 satisfy constraint: Member must have length greater than or equal to 1",
            )
        })?;
    const ACTIONS: [&str; 3] = ["COMPUTER_VISION", "COMPUTER_INPUT", "FORWARD_MCP_TOOLS"];
    let mut enabled = Vec::new();
    for setting in settings {
        let action = setting
            .get("AgentAction")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !ACTIONS.contains(&action) {
            return Err(enum_error("agentAction", action, &ACTIONS));
        }
        let permission = setting
            .get("Permission")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !["ENABLED", "DISABLED"].contains(&permission) {
            return Err(enum_error(
                "permission",
                permission,
                &["ENABLED", "DISABLED"],
            ));
        }
        if permission == "ENABLED" {
            enabled.push(action);
        }
    }
    if enabled.contains(&"COMPUTER_INPUT") && !enabled.contains(&"COMPUTER_VISION") {
        return Err(SimError::invalid_combination(
            "COMPUTER_INPUT requires COMPUTER_VISION to be enabled.",
        ));
    }
    if let Some(mode) = config.get("UserControlMode").and_then(Value::as_str) {
        const MODES: [&str; 3] = ["VIEW_ONLY", "VIEW_STOP", "DISABLED"];
        if !MODES.contains(&mode) {
            return Err(enum_error("userControlMode", mode, &MODES));
        }
    }
    if config
        .get("ScreenshotsUploadEnabled")
        .and_then(Value::as_bool)
        == Some(true)
        && !config.get("S3BucketArn").is_some_and(Value::is_string)
    {
        return Err(SimError::invalid_combination(
            "S3BucketArn is required when ScreenshotsUploadEnabled is true.",
        ));
    }
    Ok(())
}

/// Copies the given members onto `stack`; `UserSettings` are merged by `Action`.
fn apply(stack: &mut Object, params: &Value) {
    for key in COPIED {
        if let Some(v) = params.get(*key).filter(|v| !v.is_null()) {
            stack.insert((*key).to_owned(), v.clone());
        }
    }
    if let Some(Value::Array(given)) = params.get("UserSettings") {
        let mut settings = match stack.remove("UserSettings") {
            Some(Value::Array(s)) => s,
            _ => Vec::new(),
        };
        for setting in given {
            let action = setting.get("Action");
            match settings.iter_mut().find(|s| s.get("Action") == action) {
                Some(existing) => *existing = setting.clone(),
                None => settings.push(setting.clone()),
            }
        }
        stack.insert("UserSettings".to_owned(), Value::Array(settings));
    }
}

impl World {
    pub(super) fn create_stack(&mut self, params: &Value, now: f64) -> Result<Value, SimError> {
        let name = required_string(params, "Name")?;
        if self.resource(Kind::Stack, &name).is_some() {
            return Err(SimError::already_exists(format!(
                "The stack {name} already exists."
            )));
        }
        let mut stack = Object::new();
        stack.insert("Arn".to_owned(), json!(self.arn(Kind::Stack, &name)));
        stack.insert("Name".to_owned(), json!(name));
        stack.insert("CreatedTime".to_owned(), crate::time::epoch_value(now));
        stack.insert("StackErrors".to_owned(), json!([]));
        if let Some(config) = params.get("AgentAccessConfig").filter(|v| !v.is_null()) {
            check_agent_access(config)?;
            stack.insert("AgentAccessConfig".to_owned(), config.clone());
        }
        apply(&mut stack, params);
        let tags = match params.get("Tags") {
            Some(Value::Object(t)) => t.clone(),
            _ => Object::new(),
        };
        self.stacks.push(stack.clone());
        if !tags.is_empty() {
            let arn = self.arn(Kind::Stack, &name);
            self.set_tags(&arn, tags)?;
        }
        Ok(json!({ "Stack": stack }))
    }

    /// UpdateStack: given members replace the stored ones (UserSettings per Action,
    /// AgentAccessConfig member by member), then `AttributesToDelete` and the deprecated
    /// `DeleteStorageConnectors` remove theirs.
    pub(super) fn update_stack(&mut self, params: &Value) -> Result<Value, SimError> {
        let name = required_string(params, "Name")?;
        let mut stack = self
            .resource(Kind::Stack, &name)
            .ok_or_else(|| Kind::Stack.not_found(&name))?
            .clone();
        apply(&mut stack, params);
        if let Some(update) = params.get("AgentAccessConfig").filter(|v| !v.is_null()) {
            let mut config = stack
                .get("AgentAccessConfig")
                .cloned()
                .unwrap_or_else(|| json!({}));
            merge_patch(&mut config, update);
            check_agent_access(&config)?;
            stack.insert("AgentAccessConfig".to_owned(), config);
        }
        if params
            .get("DeleteStorageConnectors")
            .and_then(Value::as_bool)
            == Some(true)
        {
            stack.remove("StorageConnectors");
        }
        for attribute in string_list(params, "AttributesToDelete")?.unwrap_or_default() {
            let Some((_, member)) = ATTRIBUTES.iter().find(|(a, _)| *a == attribute) else {
                let allowed: Vec<&str> = ATTRIBUTES.iter().map(|(a, _)| *a).collect();
                return Err(enum_error("attributesToDelete", &attribute, &allowed));
            };
            if let Some(member) = member {
                stack.remove(*member);
            } else if let Some(kind) = attribute.strip_prefix("STORAGE_CONNECTOR_")
                && let Some(Value::Array(connectors)) = stack.get_mut("StorageConnectors")
            {
                connectors.retain(|c| c.get("ConnectorType").and_then(Value::as_str) != Some(kind));
            }
        }
        if let Some(slot) = self.resource_mut(Kind::Stack, &name) {
            *slot = stack.clone();
        }
        Ok(json!({ "Stack": stack }))
    }
}
