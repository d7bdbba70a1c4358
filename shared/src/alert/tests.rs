//! Alert rendering: SNS limits, the Chatbot schema, attributes, the plain text, and
//! golden files (`shared/tests/golden/alerts/`, regenerate with `UPDATE_GOLDEN=1`).

use super::*;
use chrono::TimeZone;
use serde_json::Value;
use std::path::PathBuf;

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

fn finding(rule_id: &str, severity: Severity) -> AlertFinding {
    AlertFinding {
        rule_id: rule_id.to_owned(),
        severity,
        title: format!("Title of {rule_id}"),
        message: format!("{rule_id} observed 3600; the policy allows at most 900"),
        remediation: format!("Fix {rule_id} with UpdateFleet"),
        since: None,
    }
}

fn api_call() -> Trigger {
    Trigger::ApiCall {
        event_id: "6f1c9a52-2b7e-4c1d-9f0a-3e5d8b7c4a21".to_owned(),
        event_name: "UpdateFleet".to_owned(),
        principal: "arn:aws:sts::123456789012:assumed-role/AppStreamAdmin/ops-session".to_owned(),
        source_ip: Some("203.0.113.24".to_owned()),
        time: at(2026, 3, 2, 14, 5, 9),
    }
}

fn sweep() -> Trigger {
    Trigger::Schedule {
        time: at(2026, 3, 2, 6, 0, 0),
    }
}

fn change(resource: &str) -> Change {
    Change {
        account: "123456789012".to_owned(),
        account_name: None,
        region: "eu-west-1".to_owned(),
        resource_type: ResourceType::Fleet,
        resource: resource.to_owned(),
        opened: Vec::new(),
        resolved: Vec::new(),
        raised: Vec::new(),
        unchanged: Vec::new(),
        deleted: false,
        trigger: api_call(),
    }
}

/// Opened by an API call: 2 HIGH and 1 MEDIUM, with one finding unchanged.
fn opened_by_api_call() -> Change {
    Change {
        opened: vec![
            AlertFinding {
                rule_id: "FLEET-IDLE-DISCONNECT-TIMEOUT".to_owned(),
                severity: Severity::Medium,
                title: "Idle disconnect is off or above the limit".to_owned(),
                message: "IdleDisconnectTimeoutInSeconds is 3600 (1 h); the policy allows at most 900 (15 min)".to_owned(),
                remediation: "Set an idle disconnect timeout of at most the limit, in whole minutes (UpdateFleet --idle-disconnect-timeout-in-seconds 600).".to_owned(),
                since: None,
            },
            AlertFinding {
                rule_id: "FLEET-INTERNET-ACCESS".to_owned(),
                severity: Severity::High,
                title: "Default internet access is enabled".to_owned(),
                message: "EnableDefaultInternetAccess is true; the policy requires false".to_owned(),
                remediation: "Turn off default internet access (UpdateFleet --no-enable-default-internet-access) and give the fleet's private subnets a NAT gateway route instead.".to_owned(),
                since: None,
            },
            AlertFinding {
                rule_id: "FLEET-IAM-ROLE".to_owned(),
                severity: Severity::High,
                title: "Fleet IAM role is not on the allowlist".to_owned(),
                message: "IamRoleArn is arn:aws:iam::123456789012:role/AdminRole; allowed: arn:aws:iam::*:role/appstream-*".to_owned(),
                remediation: "Attach an approved role (UpdateFleet --iam-role-arn) or remove it (--attributes-to-delete IAM_ROLE_ARN); streaming users can use the role's credentials.".to_owned(),
                since: None,
            },
        ],
        unchanged: vec![AlertFinding {
            rule_id: "FLEET-STREAM-VIEW".to_owned(),
            severity: Severity::Low,
            title: "Stream view is not allowed".to_owned(),
            message: "StreamView is DESKTOP; allowed: APP".to_owned(),
            remediation: "Set the fleet's stream view to an allowed one (UpdateFleet --stream-view APP).".to_owned(),
            since: Some(at(2026, 2, 20, 9, 0, 0)),
        }],
        ..change("finance-apps")
    }
}

/// Resolved by the scheduled sweep: three findings, two with a known start.
fn resolved_by_sweep() -> Change {
    Change {
        resolved: vec![
            AlertFinding {
                rule_id: "FLEET-MAX-USER-DURATION".to_owned(),
                severity: Severity::Medium,
                title: "Maximum session duration is above the limit".to_owned(),
                message: "MaxUserDurationInSeconds is 57600 (16 h); the policy allows at most 43200 (12 h)".to_owned(),
                remediation: "Lower the maximum session duration (UpdateFleet --max-user-duration-in-seconds).".to_owned(),
                since: Some(at(2026, 2, 27, 10, 0, 0)),
            },
            AlertFinding {
                rule_id: "FLEET-USB-REDIRECTION".to_owned(),
                severity: Severity::Medium,
                title: "USB redirection is enabled".to_owned(),
                message: "UsbDeviceFilterStrings has 2 filters; the policy allows none".to_owned(),
                remediation: "Remove the USB device filters (UpdateFleet --attributes-to-delete USB_DEVICE_FILTER_STRINGS), or waive this rule for the fleet that needs them.".to_owned(),
                since: Some(at(2026, 3, 2, 3, 15, 0)),
            },
            AlertFinding {
                rule_id: "FLEET-STREAM-VIEW".to_owned(),
                severity: Severity::Low,
                title: "Stream view is not allowed".to_owned(),
                message: "StreamView is DESKTOP; allowed: APP".to_owned(),
                remediation: "Set the fleet's stream view to an allowed one (UpdateFleet --stream-view APP).".to_owned(),
                since: None,
            },
        ],
        trigger: sweep(),
        ..change("finance-apps")
    }
}

/// A stack whose finding's severity went up after a policy change, seen by an API call.
fn stack_raised() -> Change {
    Change {
        resource_type: ResourceType::Stack,
        region: "us-east-1".to_owned(),
        raised: vec![(
            AlertFinding {
                rule_id: "STACK-FILE-DOWNLOAD".to_owned(),
                severity: Severity::High,
                title: "Users can download files to their device".to_owned(),
                message: "UserSettings FILE_DOWNLOAD is ENABLED; the policy requires DISABLED"
                    .to_owned(),
                remediation:
                    "UpdateStack --user-settings Action=FILE_DOWNLOAD,Permission=DISABLED."
                        .to_owned(),
                since: Some(at(2026, 1, 12, 8, 30, 0)),
            },
            Severity::Medium,
        )],
        unchanged: vec![AlertFinding {
            rule_id: "STACK-PRINTING".to_owned(),
            severity: Severity::Low,
            title: "Users can print to a local printer".to_owned(),
            message:
                "UserSettings PRINTING_TO_LOCAL_DEVICE is ENABLED; the policy requires DISABLED"
                    .to_owned(),
            remediation:
                "UpdateStack --user-settings Action=PRINTING_TO_LOCAL_DEVICE,Permission=DISABLED."
                    .to_owned(),
            since: Some(at(2026, 1, 12, 8, 30, 0)),
        }],
        trigger: Trigger::ApiCall {
            event_id: "0b8e4f7d-91c2-4a6e-b3d5-7c2f1e9a8d40".to_owned(),
            event_name: "UpdateStack".to_owned(),
            principal: "arn:aws:sts::123456789012:assumed-role/PlatformDeploy/ci-run-4411"
                .to_owned(),
            source_ip: None,
            time: at(2026, 3, 2, 16, 42, 0),
        },
        ..change("contractors-desktop")
    }
}

fn parse(alert: &Alert) -> (Value, Value) {
    let body: Value = serde_json::from_str(&alert.message).unwrap();
    let https: Value = serde_json::from_str(body["https"].as_str().unwrap()).unwrap();
    (body, https)
}

fn email(alert: &Alert) -> String {
    parse(alert).0["email"].as_str().unwrap().to_owned()
}

fn description(alert: &Alert) -> String {
    parse(alert).1["content"]["description"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/alerts")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    if actual != expected {
        let got: Vec<&str> = actual.lines().collect();
        let want: Vec<&str> = expected.lines().collect();
        let line = (0..got.len().max(want.len()))
            .find(|&i| got.get(i) != want.get(i))
            .unwrap_or(got.len().min(want.len()));
        panic!(
            "{name} differs from the golden file at line {}:\n  got:  {}\n  want: {}\nif the change is intended, run UPDATE_GOLDEN=1 and review the diff",
            line + 1,
            got.get(line).unwrap_or(&"<end of output>"),
            want.get(line).unwrap_or(&"<end of file>"),
        );
    }
}

// ----- subject -----

#[test]
fn subjects_name_severity_resource_and_counts() {
    let mixed = Change {
        opened: vec![finding("FLEET-A", Severity::High)],
        resolved: vec![
            finding("FLEET-B", Severity::Medium),
            finding("FLEET-C", Severity::Low),
        ],
        ..change("finance-apps")
    };
    let raised = Change {
        raised: vec![(finding("FLEET-A", Severity::Critical), Severity::High)],
        ..change("finance-apps")
    };
    let deleted = Change {
        resolved: vec![finding("FLEET-A", Severity::High)],
        deleted: true,
        ..change("finance-apps")
    };
    let stack = Change {
        resource_type: ResourceType::Stack,
        opened: vec![finding("STACK-A", Severity::Medium)],
        ..change("contractors")
    };
    let cases = [
        (
            opened_by_api_call(),
            "[HIGH] AppStream fleet finance-apps: 3 findings opened",
        ),
        (
            resolved_by_sweep(),
            "[RESOLVED] AppStream fleet finance-apps: 3 findings resolved",
        ),
        (
            mixed,
            "[HIGH] AppStream fleet finance-apps: 1 opened, 2 resolved",
        ),
        (
            raised,
            "[CRITICAL] AppStream fleet finance-apps: severity raised on 1 finding",
        ),
        (
            deleted,
            "[RESOLVED] AppStream fleet finance-apps deleted: 1 finding resolved",
        ),
        (
            stack,
            "[MEDIUM] AppStream stack contractors: 1 finding opened",
        ),
        (
            Change {
                resource_type: ResourceType::ImageBuilder,
                opened: vec![finding("BUILDER-A", Severity::High)],
                ..change("golden-builder")
            },
            "[HIGH] AppStream image builder golden-builder: 1 finding opened",
        ),
        (
            Change {
                resource_type: ResourceType::Image,
                opened: vec![finding("IMAGE-A", Severity::High)],
                ..change("golden-2026-11")
            },
            "[HIGH] AppStream image golden-2026-11: 1 finding opened",
        ),
        (
            Change {
                resource_type: ResourceType::Account,
                opened: vec![finding("ACCOUNT-A", Severity::Low)],
                ..change("111122223333/eu-west-1")
            },
            "[LOW] AppStream account 111122223333/eu-west-1: 1 finding opened",
        ),
    ];
    for (change, want) in cases {
        assert_eq!(render(&change).subject, want);
    }
}

#[test]
fn subject_for_a_200_character_fleet_name_stays_under_100_and_keeps_severity_and_counts() {
    let name = "f".repeat(200);
    let change = Change {
        opened: vec![finding("FLEET-A", Severity::High)],
        resolved: vec![
            finding("FLEET-B", Severity::Medium),
            finding("FLEET-C", Severity::Low),
        ],
        ..change(&name)
    };
    let subject = render(&change).subject;
    assert!(subject.len() < 100, "{} chars: {subject}", subject.len());
    assert!(subject.len() <= SUBJECT_LIMIT);
    assert!(
        subject.starts_with("[HIGH] AppStream fleet fff"),
        "{subject}"
    );
    assert!(subject.ends_with("...: 1 opened, 2 resolved"), "{subject}");
}

#[test]
fn subject_has_no_line_breaks_control_or_non_ascii_characters() {
    for name in [
        "line\nbreak",
        "tab\there",
        "cr\r\nlf",
        "bell\u{7}",
        "caf\u{e9}-\u{1F600}",
        "\u{2028}sep",
        "  padded  ",
    ] {
        let change = Change {
            opened: vec![finding("FLEET-A", Severity::Low)],
            ..change(name)
        };
        let subject = render(&change).subject;
        assert!(
            subject.chars().all(|c| (' '..='~').contains(&c)),
            "{name:?} -> {subject:?}"
        );
        assert!(!subject.contains("  "), "{name:?} -> {subject:?}");
        assert!(subject.len() <= SUBJECT_LIMIT);
    }
}

// ----- message body and the Chatbot notification -----

#[test]
fn message_is_json_with_exactly_default_email_and_https() {
    for change in [opened_by_api_call(), resolved_by_sweep(), stack_raised()] {
        let alert = render(&change);
        let (body, _) = parse(&alert);
        let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["default", "email", "https"]);
        assert!(body.as_object().unwrap().values().all(Value::is_string));
        assert_eq!(body["default"], body["email"]);
    }
}

#[test]
fn https_is_a_chatbot_custom_notification_with_the_required_fields() {
    for change in [opened_by_api_call(), resolved_by_sweep(), stack_raised()] {
        let alert = render(&change);
        let (_, n) = parse(&alert);
        assert_eq!(n["version"], "1.0");
        assert_eq!(n["source"], "custom");
        let content = n["content"].as_object().unwrap();
        assert_eq!(content["textType"], "client-markdown");
        for key in ["title", "description"] {
            assert!(
                !content[key].as_str().unwrap().is_empty(),
                "content.{key} is empty"
            );
        }
        for key in ["nextSteps", "keywords"] {
            let list = content[key].as_array().unwrap();
            assert!(
                !list.is_empty() && list.iter().all(Value::is_string),
                "{key}"
            );
        }
        let metadata = n["metadata"].as_object().unwrap();
        for key in ["threadId", "summary", "eventType"] {
            assert!(!metadata[key].as_str().unwrap().is_empty(), "{key}");
        }
        let related = metadata["relatedResources"].as_array().unwrap();
        assert!(
            related[0]
                .as_str()
                .unwrap()
                .starts_with("arn:aws:appstream:")
        );
        let context = metadata["additionalContext"].as_object().unwrap();
        assert!(context.values().all(Value::is_string));
        let allowed_top = ["version", "source", "content", "metadata"];
        assert!(
            n.as_object()
                .unwrap()
                .keys()
                .all(|k| allowed_top.contains(&k.as_str()))
        );
    }
}

#[test]
fn related_resource_is_the_arn_of_the_fleet_or_stack() {
    let (_, fleet) = parse(&render(&opened_by_api_call()));
    let (_, stack) = parse(&render(&stack_raised()));
    assert_eq!(
        fleet["metadata"]["relatedResources"][0],
        "arn:aws:appstream:eu-west-1:123456789012:fleet/finance-apps"
    );
    assert_eq!(
        stack["metadata"]["relatedResources"][0],
        "arn:aws:appstream:us-east-1:123456789012:stack/contractors-desktop"
    );
}

#[test]
fn description_for_300_findings_stays_within_the_limit_and_says_how_many_were_left_out() {
    let severities = [
        Severity::Low,
        Severity::Critical,
        Severity::Medium,
        Severity::High,
        Severity::Info,
    ];
    let opened: Vec<AlertFinding> = (0..300)
        .map(|i| finding(&format!("FLEET-RULE-{i:03}"), severities[i % 5]))
        .collect();
    let change = Change {
        opened,
        ..change("finance-apps")
    };
    let alert = render(&change);
    let text = description(&alert);
    assert!(
        text.chars().count() <= CHATBOT_DESCRIPTION_LIMIT,
        "{} chars",
        text.chars().count()
    );
    let shown = text.matches("`FLEET-RULE-").count();
    assert!(shown > 0);
    assert!(
        text.ends_with(&format!(
            "... and {} more (see e-mail / streamwarden)",
            300 - shown
        )),
        "{}",
        &text[text.len().saturating_sub(200)..]
    );
    // The most severe come first: every CRITICAL is listed before any HIGH is left out.
    let critical_shown = text.matches("*CRITICAL*").count();
    assert_eq!(critical_shown, 60.min(shown));
    assert!(
        !text.contains("*INFO*"),
        "INFO listed while worse were left out"
    );
    // The e-mail lists them all.
    let email = email(&alert);
    assert_eq!(email.matches(": Title of FLEET-RULE-").count(), 300);
}

#[test]
fn description_keeps_open_findings_before_resolved_ones_when_cut() {
    let change = Change {
        opened: (0..40)
            .map(|i| finding(&format!("FLEET-OPEN-{i:02}"), Severity::Low))
            .collect(),
        resolved: (0..40)
            .map(|i| finding(&format!("FLEET-GONE-{i:02}"), Severity::Critical))
            .collect(),
        ..change("finance-apps")
    };
    let text = description(&render(&change));
    assert!(text.chars().count() <= CHATBOT_DESCRIPTION_LIMIT);
    assert!(text.contains("`FLEET-OPEN-00`"));
    assert!(
        !text.contains("`FLEET-GONE-"),
        "resolved listed before open ones"
    );
    assert!(text.ends_with("more (see e-mail / streamwarden)"));
}

#[test]
fn huge_changes_stay_within_the_sns_message_size() {
    let long = "x".repeat(2_000);
    let change = Change {
        opened: (0..2_000)
            .map(|i| AlertFinding {
                message: long.clone(),
                remediation: long.clone(),
                ..finding(&format!("FLEET-{i:04}"), Severity::Medium)
            })
            .collect(),
        ..change("finance-apps")
    };
    let alert = render(&change);
    assert!(
        alert.message.len() <= 262_144,
        "{} bytes",
        alert.message.len()
    );
    let email = email(&alert);
    assert!(email.contains("more not listed here (see streamwarden)"));
    assert!(email.ends_with("#/fleets\n"));
    assert!(description(&alert).chars().count() <= CHATBOT_DESCRIPTION_LIMIT);
}

#[test]
fn asterisks_in_observed_values_are_kept_literal_in_slack() {
    let text = description(&render(&opened_by_api_call()));
    assert!(
        text.contains("`IamRoleArn is arn:aws:iam::123456789012:role/AdminRole; allowed: arn:aws:iam::*:role/appstream-*`"),
        "{text}"
    );
}

#[test]
fn slack_markup_in_finding_text_is_escaped() {
    let change = Change {
        opened: vec![AlertFinding {
            title: "a <!channel> & b".to_owned(),
            message: "3600 > 900".to_owned(),
            ..finding("FLEET-A", Severity::High)
        }],
        ..change("finance-apps")
    };
    let text = description(&render(&change));
    assert!(text.contains("a &lt;!channel&gt; &amp; b"), "{text}");
    assert!(text.contains("3600 &gt; 900"), "{text}");
    assert!(!text.contains("<!channel>"));
}

// ----- attributes -----

#[test]
fn attributes_name_severity_rules_resource_account_region_and_change() {
    let mixed = Change {
        opened: vec![finding("FLEET-B", Severity::Medium)],
        raised: vec![(finding("FLEET-A", Severity::High), Severity::Low)],
        resolved: vec![
            finding("FLEET-C", Severity::Critical),
            finding("FLEET-B", Severity::Low),
        ],
        ..change("finance-apps")
    };
    let raised = Change {
        raised: vec![(finding("FLEET-A", Severity::High), Severity::Low)],
        ..change("finance-apps")
    };
    let cases: [(Change, &[(&str, &str)]); 4] = [
        (
            opened_by_api_call(),
            &[
                ("account", "123456789012"),
                ("change", "opened"),
                ("fleet", "finance-apps"),
                ("region", "eu-west-1"),
                ("resource_type", "fleet"),
                (
                    "rule_ids",
                    "FLEET-IAM-ROLE,FLEET-IDLE-DISCONNECT-TIMEOUT,FLEET-INTERNET-ACCESS",
                ),
                ("severity", "HIGH"),
            ],
        ),
        (
            resolved_by_sweep(),
            &[
                ("account", "123456789012"),
                ("change", "resolved"),
                ("fleet", "finance-apps"),
                ("region", "eu-west-1"),
                ("resource_type", "fleet"),
                (
                    "rule_ids",
                    "FLEET-MAX-USER-DURATION,FLEET-STREAM-VIEW,FLEET-USB-REDIRECTION",
                ),
                ("severity", "RESOLVED"),
            ],
        ),
        (
            mixed,
            &[
                ("account", "123456789012"),
                ("change", "mixed"),
                ("fleet", "finance-apps"),
                ("region", "eu-west-1"),
                ("resource_type", "fleet"),
                ("rule_ids", "FLEET-A,FLEET-B,FLEET-C"),
                ("severity", "HIGH"),
            ],
        ),
        (
            raised,
            &[
                ("account", "123456789012"),
                ("change", "raised"),
                ("fleet", "finance-apps"),
                ("region", "eu-west-1"),
                ("resource_type", "fleet"),
                ("rule_ids", "FLEET-A"),
                ("severity", "HIGH"),
            ],
        ),
    ];
    for (change, want) in cases {
        let got = render(&change).attributes;
        let got: Vec<(&str, &str)> = got.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(got, want, "{}", change.resource);
    }
}

#[test]
fn stack_attributes_put_the_name_under_stack() {
    let attributes = render(&stack_raised()).attributes;
    assert_eq!(attributes["stack"], "contractors-desktop");
    assert_eq!(attributes["resource_type"], "stack");
    assert!(!attributes.contains_key("fleet"));
    assert_eq!(attributes["change"], "raised");
    assert_eq!(attributes["severity"], "HIGH");
}

#[test]
fn rule_ids_are_cut_at_a_comma_within_256_characters() {
    let change = Change {
        opened: (0..60)
            .map(|i| finding(&format!("FLEET-RULE-{i:02}"), Severity::Medium))
            .collect(),
        ..change("finance-apps")
    };
    let ids = &render(&change).attributes["rule_ids"];
    assert!(ids.len() <= 256, "{}", ids.len());
    assert!(ids.len() > 256 - "FLEET-RULE-00,".len(), "cut too early");
    for id in ids.split(',') {
        assert_eq!(id.len(), "FLEET-RULE-00".len(), "partial ID {id:?}");
    }
    assert!(ids.starts_with("FLEET-RULE-00,FLEET-RULE-01,"));
}

// ----- plain text -----

#[test]
fn plain_text_names_principal_ip_event_observed_value_limit_and_remediation() {
    let text = email(&render(&opened_by_api_call()));
    for want in [
        "AppStream fleet finance-apps in account 123456789012, region eu-west-1",
        "arn:aws:sts::123456789012:assumed-role/AppStreamAdmin/ops-session",
        "203.0.113.24",
        "6f1c9a52-2b7e-4c1d-9f0a-3e5d8b7c4a21",
        "UpdateFleet",
        "2026-03-02 14:05:09 UTC",
        "IdleDisconnectTimeoutInSeconds is 3600 (1 h); the policy allows at most 900 (15 min)",
        "Fix: Turn off default internet access",
        "HIGH FLEET-IAM-ROLE: Fleet IAM role is not on the allowlist",
        "4 findings still open on this fleet (2 HIGH, 1 MEDIUM, 1 LOW).",
        "https://eu-west-1.console.aws.amazon.com/appstream2/home?region=eu-west-1#/fleets",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
}

#[test]
fn plain_text_lists_items_by_severity_then_rule_id() {
    let text = email(&render(&opened_by_api_call()));
    let pos = |s: &str| text.find(s).unwrap();
    assert!(pos("HIGH FLEET-IAM-ROLE") < pos("HIGH FLEET-INTERNET-ACCESS"));
    assert!(pos("HIGH FLEET-INTERNET-ACCESS") < pos("MEDIUM FLEET-IDLE-DISCONNECT-TIMEOUT"));
}

#[test]
fn resolved_items_say_how_long_they_were_open() {
    let alert = render(&resolved_by_sweep());
    let text = email(&alert);
    assert!(text.contains("Found by the scheduled sweep at 2026-03-02 06:00:00 UTC."));
    assert!(
        text.contains("Was open for 2 days 20 hours (since 2026-02-27 10:00:00 UTC)."),
        "{text}"
    );
    assert!(
        text.contains("Was open for 2 hours 45 minutes (since 2026-03-02 03:15:00 UTC)."),
        "{text}"
    );
    // Unknown start: no duration, and no remediation for something already fixed.
    let stream_view = text.split("LOW FLEET-STREAM-VIEW").nth(1).unwrap();
    assert!(!stream_view.contains("Was open for"));
    assert!(!text.contains("Fix:"));
    let slack = description(&alert);
    assert!(slack.contains("_(open for 2 days 20 hours)_"), "{slack}");
}

#[test]
fn raised_items_show_old_and_new_severity() {
    let alert = render(&stack_raised());
    let text = email(&alert);
    assert!(text.contains("Severity raised (1)"), "{text}");
    assert!(text.contains("MEDIUM -> HIGH STACK-FILE-DOWNLOAD: Users can download files"));
    assert!(text.contains("Source IP:  unknown"));
    assert!(text.contains("#/stacks"));
    assert!(description(&alert).contains("*MEDIUM -&gt; HIGH*"));
}

#[test]
fn deleted_resources_say_they_no_longer_exist_and_their_findings_are_closed() {
    let change = Change {
        resolved: vec![finding("FLEET-A", Severity::High)],
        unchanged: vec![finding("FLEET-B", Severity::Medium)],
        deleted: true,
        trigger: Trigger::ApiCall {
            event_id: "2d0c7e11-5a4b-4f3e-8c9d-1b2a3c4d5e6f".to_owned(),
            event_name: "DeleteFleet".to_owned(),
            principal: "arn:aws:sts::123456789012:assumed-role/AppStreamAdmin/ops-session"
                .to_owned(),
            source_ip: Some("203.0.113.24".to_owned()),
            time: at(2026, 3, 2, 14, 5, 9),
        },
        ..change("finance-apps")
    };
    let alert = render(&change);
    let text = email(&alert);
    assert!(text.contains("The fleet no longer exists; its findings are closed."));
    assert!(!text.contains("still open"));
    assert!(description(&alert).contains("The fleet no longer exists"));
}

#[test]
fn rendering_is_deterministic_whatever_the_input_order() {
    let a = opened_by_api_call();
    let mut b = a.clone();
    b.opened.reverse();
    b.unchanged.reverse();
    let first = render(&a);
    assert_eq!(first, render(&a));
    assert_eq!(first, render(&b));
}

#[test]
fn alerts_carry_no_secrets_or_session_user_ids() {
    for change in [opened_by_api_call(), resolved_by_sweep(), stack_raised()] {
        let alert = render(&change);
        let everything = format!("{}{}{:?}", alert.subject, alert.message, alert.attributes);
        for needle in [
            "AKIA",
            "ASIA",
            "SessionToken",
            "Secret",
            "user_id",
            "UserId",
        ] {
            assert!(!everything.contains(needle), "{needle} in alert");
        }
    }
}

// ----- golden files -----

#[test]
fn golden_alerts_match_byte_for_byte() {
    for (name, change) in [
        ("opened-api-call", opened_by_api_call()),
        ("resolved-sweep", resolved_by_sweep()),
        ("stack-raised", stack_raised()),
    ] {
        let alert = render(&change);
        let (body, https) = parse(&alert);
        let text = format!(
            "Subject: {}\n\n{}",
            alert.subject,
            body["email"].as_str().unwrap()
        );
        golden(&format!("{name}.txt"), &text);
        golden(
            &format!("{name}.json"),
            &format!("{}\n", serde_json::to_string_pretty(&https).unwrap()),
        );
    }
}

#[test]
fn a_builder_alert_is_told_from_a_fleet_alert_in_body_attributes_and_links() {
    let change = Change {
        resource_type: ResourceType::ImageBuilder,
        opened: vec![finding("BUILDER-A", Severity::High)],
        ..change("golden-builder")
    };
    let alert = render(&change);
    assert!(
        alert.message.contains("image builder golden-builder"),
        "{}",
        alert.message
    );
    assert!(
        alert.message.contains(":image-builder/golden-builder"),
        "{}",
        alert.message
    );
    assert!(
        alert.message.contains("#/image-builders"),
        "{}",
        alert.message
    );
    assert!(
        !alert.message.contains("fleet/golden-builder"),
        "{}",
        alert.message
    );
    assert_eq!(
        alert.attributes.get("image-builder").map(String::as_str),
        Some("golden-builder")
    );
    assert!(!alert.attributes.contains_key("fleet"));
}

// ----- account names (organisation mode) -----

#[test]
fn an_account_name_from_organizations_is_in_every_rendering_and_an_attribute() {
    let named = Change {
        account_name: Some("Finance <prod> *EU*\nteam".to_owned()),
        ..opened_by_api_call()
    };
    let alert = render(&named);
    assert_eq!(
        alert.subject,
        "[HIGH] AppStream fleet finance-apps (Finance <prod> *EU* team): 3 findings opened"
    );
    assert!(alert.subject.len() <= SUBJECT_LIMIT);
    assert_eq!(
        alert.attributes.get("account_name").map(String::as_str),
        Some("Finance <prod> *EU* team"),
        "one line, for filter policies"
    );
    assert_eq!(alert.attributes["account"], "123456789012");
    let (body, https) = parse(&alert);
    let text = body["email"].as_str().unwrap();
    assert!(
        text.starts_with(
            "AppStream fleet finance-apps in account 123456789012 (Finance <prod> *EU* team), region eu-west-1\n"
        ),
        "{text}"
    );
    let description = https["content"]["description"].as_str().unwrap();
    assert!(
        description.contains("account `123456789012` (`Finance &lt;prod&gt; *EU* team`)"),
        "escaped for Slack, shown as written: {description}"
    );
    assert!(!description.contains("<prod>"));
    assert_eq!(
        https["metadata"]["additionalContext"]["accountName"],
        "Finance <prod> *EU* team"
    );
}

#[test]
fn without_an_account_name_nothing_about_names_is_added() {
    let alert = render(&opened_by_api_call());
    assert!(!alert.attributes.contains_key("account_name"));
    let (body, https) = parse(&alert);
    assert!(
        body["email"]
            .as_str()
            .unwrap()
            .contains("in account 123456789012, region eu-west-1")
    );
    assert!(
        https["metadata"]["additionalContext"]
            .get("accountName")
            .is_none()
    );
    let blank = Change {
        account_name: Some(" \n".to_owned()),
        ..opened_by_api_call()
    };
    assert_eq!(render(&blank), alert, "a blank name is no name");
}

#[test]
fn account_names_are_shared_and_follow_the_latest_listing() {
    use crate::org::MemberAccount;
    let names = AccountNames::default();
    let reader = names.clone();
    names.update(&[
        MemberAccount {
            id: "111111111111".into(),
            name: Some("Production".into()),
        },
        MemberAccount {
            id: "222222222222".into(),
            name: None,
        },
    ]);
    assert_eq!(reader.get("111111111111").as_deref(), Some("Production"));
    assert_eq!(reader.get("222222222222"), None);
    names.update(&[MemberAccount {
        id: "111111111111".into(),
        name: None,
    }]);
    assert_eq!(reader.get("111111111111"), None, "renamed to nothing");
}
