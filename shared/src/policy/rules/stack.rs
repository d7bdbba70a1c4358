//! Stacks: what a streaming user may move between the session and the local device.

use super::{PASS, fail, resource_errors};
use crate::finding::Severity;
use crate::model::{AccessEndpoint, Attr, Stack};
use crate::policy::{Check, Outcome, Policy, Rule};

fn permission_rule(stack: &Stack, action: &str, allowed: bool) -> Outcome {
    if allowed {
        return PASS;
    }
    let permission = stack.permission(action)?;
    if permission == "DISABLED" {
        return PASS;
    }
    let how = if stack
        .user_settings
        .known()
        .is_some_and(|s| s.iter().any(|u| u.action == action))
    {
        ""
    } else {
        " (not listed, which AppStream treats as ENABLED)"
    };
    fail(format!(
        "UserSettings {action} is {permission}{how}; the policy requires DISABLED"
    ))
}

pub const STACK_CLIPBOARD_TO_LOCAL: Rule = Rule {
    id: "STACK-CLIPBOARD-TO-LOCAL",
    severity: Severity::Medium,
    title: "Users can copy from the session to their device",
    fails_when: "UserSettings CLIPBOARD_COPY_TO_LOCAL_DEVICE not DISABLED (absent means ENABLED)",
    default: "must be disabled",
    remediation: "UpdateStack --user-settings Action=CLIPBOARD_COPY_TO_LOCAL_DEVICE,Permission=DISABLED.",
    check: Check::Stack(clipboard_to_local),
};

fn clipboard_to_local(policy: &Policy, stack: &Stack) -> Outcome {
    permission_rule(
        stack,
        "CLIPBOARD_COPY_TO_LOCAL_DEVICE",
        policy.stack.allow_clipboard_copy_to_local,
    )
}

pub const STACK_FILE_DOWNLOAD: Rule = Rule {
    id: "STACK-FILE-DOWNLOAD",
    severity: Severity::Medium,
    title: "Users can download files to their device",
    fails_when: "FILE_DOWNLOAD not DISABLED",
    default: "must be disabled",
    remediation: "UpdateStack --user-settings Action=FILE_DOWNLOAD,Permission=DISABLED.",
    check: Check::Stack(file_download),
};

fn file_download(policy: &Policy, stack: &Stack) -> Outcome {
    permission_rule(stack, "FILE_DOWNLOAD", policy.stack.allow_file_download)
}

pub const STACK_FILE_UPLOAD: Rule = Rule {
    id: "STACK-FILE-UPLOAD",
    severity: Severity::Low,
    title: "Users can upload files into the session",
    fails_when: "FILE_UPLOAD not DISABLED",
    default: "allowed",
    remediation: "UpdateStack --user-settings Action=FILE_UPLOAD,Permission=DISABLED.",
    check: Check::Stack(file_upload),
};

fn file_upload(policy: &Policy, stack: &Stack) -> Outcome {
    permission_rule(stack, "FILE_UPLOAD", policy.stack.allow_file_upload)
}

pub const STACK_PRINTING: Rule = Rule {
    id: "STACK-PRINTING",
    severity: Severity::Low,
    title: "Users can print to a local printer",
    fails_when: "PRINTING_TO_LOCAL_DEVICE not DISABLED",
    default: "allowed",
    remediation: "UpdateStack --user-settings Action=PRINTING_TO_LOCAL_DEVICE,Permission=DISABLED.",
    check: Check::Stack(printing),
};

fn printing(policy: &Policy, stack: &Stack) -> Outcome {
    permission_rule(
        stack,
        "PRINTING_TO_LOCAL_DEVICE",
        policy.stack.allow_printing,
    )
}

pub const STACK_ACCESS_ENDPOINT: Rule = Rule {
    id: "STACK-ACCESS-ENDPOINT",
    severity: Severity::Medium,
    title: "Streaming does not go through a VPC endpoint",
    fails_when: "no STREAMING interface VPC endpoint in AccessEndpoints",
    default: "not required",
    remediation: "Create an interface VPC endpoint for AppStream streaming and add it (UpdateStack --access-endpoints EndpointType=STREAMING,VpceId=vpce-...).",
    check: Check::Stack(access_endpoint),
};

fn access_endpoint(policy: &Policy, stack: &Stack) -> Outcome {
    streaming_endpoint(
        policy.stack.require_streaming_endpoint,
        &stack.access_endpoints,
    )
}

/// AccessEndpoints of a stack or an image builder: one of type STREAMING when required.
pub(crate) fn streaming_endpoint(
    required: bool,
    access_endpoints: &Attr<Vec<AccessEndpoint>>,
) -> Outcome {
    if !required {
        return PASS;
    }
    let endpoints = access_endpoints
        .get()?
        .map(Vec::as_slice)
        .unwrap_or_default();
    for endpoint in endpoints {
        if endpoint
            .endpoint_type
            .get()?
            .is_some_and(|t| t == "STREAMING")
        {
            return PASS;
        }
    }
    fail(
        "no STREAMING interface VPC endpoint in AccessEndpoints; the policy requires streaming through a VPC endpoint",
    )
}

pub const STACK_ERRORS: Rule = Rule {
    id: "STACK-ERRORS",
    severity: Severity::High,
    title: "Stack reports errors",
    fails_when: "StackErrors non-empty",
    default: "always on",
    remediation: "Fix the cause each StackErrors code names (storage connector, IAM role, or internal error), then update the stack.",
    check: Check::Stack(stack_errors),
};

fn stack_errors(_: &Policy, stack: &Stack) -> Outcome {
    resource_errors(
        "StackErrors",
        stack
            .stack_errors
            .iter()
            .map(|e| (e.error_code.as_str(), e.error_message.as_deref())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::testing::*;
    use serde_json::json;

    fn settings(pairs: &[(&str, &str)]) -> serde_json::Value {
        json!({"UserSettings": pairs.iter().map(|(a, p)| json!({"Action": a, "Permission": p})).collect::<Vec<_>>()})
    }

    #[test]
    fn clipboard_and_download_must_be_disabled_and_absent_means_enabled() {
        let p = Policy::builtin();
        let locked = stack(settings(&[
            ("CLIPBOARD_COPY_TO_LOCAL_DEVICE", "DISABLED"),
            ("FILE_DOWNLOAD", "DISABLED"),
        ]));
        assert_eq!(
            stack_fails(&STACK_CLIPBOARD_TO_LOCAL, &p, &locked),
            Some(false)
        );
        assert_eq!(stack_fails(&STACK_FILE_DOWNLOAD, &p, &locked), Some(false));
        let open = stack(settings(&[("CLIPBOARD_COPY_TO_LOCAL_DEVICE", "ENABLED")]));
        assert_eq!(
            stack_fails(&STACK_CLIPBOARD_TO_LOCAL, &p, &open),
            Some(true)
        );
        assert_eq!(
            stack_fails(&STACK_FILE_DOWNLOAD, &p, &open),
            Some(true),
            "absent means ENABLED"
        );
        let bare = stack(json!({}));
        assert_eq!(
            stack_fails(&STACK_CLIPBOARD_TO_LOCAL, &p, &bare),
            Some(true)
        );
    }

    #[test]
    fn upload_and_printing_are_allowed_by_default_and_checked_when_the_policy_forbids_them() {
        let bare = stack(json!({}));
        assert_eq!(
            stack_fails(&STACK_FILE_UPLOAD, &Policy::builtin(), &bare),
            Some(false)
        );
        assert_eq!(
            stack_fails(&STACK_PRINTING, &Policy::builtin(), &bare),
            Some(false)
        );
        let strict = policy("[stack]\nallow_file_upload = false\nallow_printing = false\n");
        assert_eq!(stack_fails(&STACK_FILE_UPLOAD, &strict, &bare), Some(true));
        assert_eq!(stack_fails(&STACK_PRINTING, &strict, &bare), Some(true));
        let locked = stack(settings(&[
            ("FILE_UPLOAD", "DISABLED"),
            ("PRINTING_TO_LOCAL_DEVICE", "DISABLED"),
        ]));
        assert_eq!(
            stack_fails(&STACK_FILE_UPLOAD, &strict, &locked),
            Some(false)
        );
        assert_eq!(stack_fails(&STACK_PRINTING, &strict, &locked), Some(false));
    }

    #[test]
    fn streaming_endpoint_is_checked_when_required() {
        let strict = policy("[stack]\nrequire_streaming_endpoint = true\n");
        let with =
            stack(json!({"AccessEndpoints": [{"EndpointType": "STREAMING", "VpceId": "vpce-1"}]}));
        assert_eq!(
            stack_fails(&STACK_ACCESS_ENDPOINT, &strict, &with),
            Some(false)
        );
        assert_eq!(
            stack_fails(&STACK_ACCESS_ENDPOINT, &strict, &stack(json!({}))),
            Some(true)
        );
        assert_eq!(
            stack_fails(
                &STACK_ACCESS_ENDPOINT,
                &Policy::builtin(),
                &stack(json!({}))
            ),
            Some(false)
        );
    }

    #[test]
    fn stack_errors_are_flagged() {
        let broken = stack(
            json!({"StackErrors": [{"ErrorCode": "STORAGE_CONNECTOR_ERROR", "ErrorMessage": "bucket"}]}),
        );
        assert_eq!(
            stack_fails(&STACK_ERRORS, &Policy::builtin(), &broken),
            Some(true)
        );
        assert_eq!(
            stack_fails(&STACK_ERRORS, &Policy::builtin(), &stack(json!({}))),
            Some(false)
        );
    }
}
