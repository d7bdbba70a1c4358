use super::*;
use crate::finding::ResourceType;
use crate::finding::Source;
use crate::model::{Account, Attr, Fleet, Image, ImageBuilder, Origin};
use chrono::{TimeZone, Utc};

fn err(text: &str) -> String {
    Policy::parse("p.toml", text).unwrap_err().to_string()
}

#[test]
fn default_file_matches_the_defaults_in_code() {
    let builtin = Policy::builtin();
    assert_eq!(builtin.fleet, FleetPolicy::default());
    assert_eq!(builtin.stack, StackPolicy::default());
    assert_eq!(builtin.session, SessionPolicy::default());
    assert_eq!(builtin.image_builder, ImageBuilderPolicy::default());
    assert_eq!(builtin.image, ImagePolicy::default());
    assert_eq!(builtin.account, AccountPolicy::default());
    assert_eq!(builtin.exemption_tag, "streamwarden:exempt");
    assert!(builtin.exemptions.is_empty());
    // An empty user file is the built-in policy.
    let empty = Policy::parse("empty.toml", "").unwrap();
    assert_eq!(empty.fleet, builtin.fleet);
    assert_eq!(empty.stack, builtin.stack);
    assert_eq!(empty.image_builder, builtin.image_builder);
    assert_eq!(empty.account, builtin.account);
}

#[test]
fn default_file_sets_every_key_it_documents() {
    let table: toml::Table = toml::from_str(DEFAULT_POLICY_TOML).unwrap();
    for (section, keys) in [
        ("fleet", 16usize), // every fleet key but the optional max_sessions_per_instance
        ("stack", 9),
        ("session", 3),
        ("image_builder", 4),
        ("image", 1),
        ("account", 1),
    ] {
        let got = table[section].as_table().unwrap().len();
        assert_eq!(got, keys, "[{section}] in policy.default.toml");
    }
}

#[test]
fn every_rule_is_enabled_at_its_catalog_severity_by_default() {
    let p = Policy::builtin();
    for rule in CATALOG {
        assert_eq!(
            p.setting_of(rule.id),
            Some(RuleSetting {
                enabled: true,
                severity: rule.severity
            }),
            "{}",
            rule.id
        );
    }
}

#[test]
fn a_partial_file_keeps_the_other_defaults() {
    let p = Policy::parse("p.toml", "[fleet]\nmax_disconnect_timeout_seconds = 900\n").unwrap();
    assert_eq!(p.fleet.max_disconnect_timeout_seconds, 900);
    assert_eq!(p.fleet.max_user_duration_seconds, 36_000);
    assert!(!p.stack.allow_file_download);
}

#[test]
fn an_unknown_key_is_reported_with_its_line() {
    let e = err("[fleet]\nrequire_vpc = true\nallow_internet = true\n");
    assert!(
        e.contains("p.toml") && e.contains("line 3") && e.contains("allow_internet"),
        "{e}"
    );
}

#[test]
fn a_wrong_type_is_reported_with_its_line() {
    let e = err("[fleet]\nmax_user_duration_seconds = \"ten hours\"\n");
    assert!(e.contains("line 2") && e.contains("u32"), "{e}");
}

#[test]
fn a_negative_limit_is_rejected_with_its_line() {
    let e = err("\n[fleet]\nmax_disconnect_timeout_seconds = -5\n");
    assert!(e.contains("line 3") && e.contains("-5"), "{e}");
}

#[test]
fn an_unknown_rule_id_is_reported_with_its_line() {
    let e = err(
        "[rules.FLEET-USB-REDIRECTION]\nenabled = false\n\n[rules.FLEET-NO-SUCH-RULE]\nenabled = false\n",
    );
    assert!(
        e.starts_with("p.toml:4:") && e.contains("FLEET-NO-SUCH-RULE"),
        "{e}"
    );
}

#[test]
fn an_unknown_severity_is_rejected() {
    let e = err("[rules.FLEET-USB-REDIRECTION]\nseverity = \"URGENT\"\n");
    assert!(e.contains("URGENT") && e.contains("line 2"), "{e}");
}

#[test]
fn out_of_range_ratio_and_zero_session_limit_are_rejected() {
    let e = err("[fleet]\nmin_available_ratio = 10\n");
    assert!(e.starts_with("p.toml:2:"), "{e}");
    let e = err("[fleet]\n\nmax_sessions_per_instance = 0\n");
    assert!(e.starts_with("p.toml:3:"), "{e}");
    let e = err("[fleet]\nallowed_stream_views = [\"APP\", \"BROWSER\"]\n");
    assert!(e.contains("BROWSER"), "{e}");
}

#[test]
fn a_syntax_error_is_reported_with_its_line() {
    let e = err("[fleet\nrequire_vpc = true\n");
    assert!(e.contains("line 1"), "{e}");
}

#[test]
fn overrides_switch_rules_off_and_change_severity() {
    let p = Policy::parse(
        "p.toml",
        "[rules.FLEET-IMDSV1]\nenabled = false\n[rules.FLEET-USB-REDIRECTION]\nseverity = \"critical\"\n",
    );
    // Severity names are upper case, as in the catalog.
    assert!(p.is_err());
    let p = Policy::parse(
        "p.toml",
        "[rules.FLEET-IMDSV1]\nenabled = false\n[rules.FLEET-USB-REDIRECTION]\nseverity = \"CRITICAL\"\n",
    )
    .unwrap();
    assert!(!p.setting_of("FLEET-IMDSV1").unwrap().enabled);
    assert_eq!(
        p.setting_of("FLEET-USB-REDIRECTION").unwrap().severity,
        Severity::Critical
    );
}

#[test]
fn exemptions_need_known_rules_resources_and_a_reason() {
    let base = "[[exemptions]]\nresources = [\"lab-*\"]\n";
    let e = err(&format!("{base}rules = [\"FLEET-NOPE\"]\nreason = \"x\"\n"));
    assert!(
        e.starts_with("p.toml:1:") && e.contains("FLEET-NOPE"),
        "{e}"
    );
    let e = err(&format!(
        "{base}rules = [\"FLEET-INTERNET-ACCESS\"]\nreason = \" \"\n"
    ));
    assert!(e.contains("reason"), "{e}");
    let e = err("[[exemptions]]\nresources = []\nrules = [\"FLEET-*\"]\nreason = \"x\"\n");
    assert!(e.contains("resources"), "{e}");
    let e = err(&format!(
        "{base}rules = [\"FLEET-INTERNET-ACCESS\"]\nreason = \"x\"\nexpires = 10:00:00\n"
    ));
    assert!(e.contains("expires"), "{e}");
    let ok = Policy::parse(
        "p.toml",
        &format!("{base}rules = [\"FLEET-ELASTIC-*\"]\nreason = \"pilot\"\nexpires = 2027-01-31\n"),
    )
    .unwrap();
    assert_eq!(
        ok.exemptions[0].expires,
        NaiveDate::from_ymd_opt(2027, 1, 31)
    );
}

fn open_fleet(name: &str) -> Fleet {
    let mut fleet = Fleet::new(name, Origin::Described, Source::default());
    fleet.enable_default_internet_access = Attr::Set(true);
    fleet
}

fn ids(findings: &[crate::finding::Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.rule_id).collect()
}

#[test]
fn a_policy_waiver_moves_the_finding_to_exempted_until_it_expires() {
    let p = Policy::parse(
        "p.toml",
        "[[exemptions]]\nresources = [\"lab-*\"]\nrules = [\"FLEET-INTERNET-ACCESS\"]\nreason = \"CHG-1\"\nexpires = 2027-01-31\n",
    )
    .unwrap();
    let before = Utc.with_ymd_and_hms(2027, 1, 31, 23, 0, 0).unwrap();
    let after = Utc.with_ymd_and_hms(2027, 2, 1, 0, 0, 0).unwrap();

    let e = evaluate_fleet(&p, &open_fleet("lab-1"), before);
    assert!(!ids(&e.findings).contains(&"FLEET-INTERNET-ACCESS"));
    assert_eq!(e.exempted.len(), 1);
    assert_eq!(e.exempted[0].exemption.by, "policy");

    let e = evaluate_fleet(&p, &open_fleet("lab-1"), after);
    let finding = e
        .findings
        .iter()
        .find(|f| f.rule_id == "FLEET-INTERNET-ACCESS")
        .unwrap();
    assert!(
        finding
            .note
            .as_deref()
            .unwrap()
            .contains("expired on 2027-01-31")
    );
    assert!(e.exempted.is_empty());

    let e = evaluate_fleet(&p, &open_fleet("prod-1"), before);
    assert!(ids(&e.findings).contains(&"FLEET-INTERNET-ACCESS"));
}

#[test]
fn a_tag_waiver_applies_to_the_tagged_fleet_only() {
    let now = Utc.with_ymd_and_hms(2026, 11, 27, 0, 0, 0).unwrap();
    let mut tagged = open_fleet("f");
    tagged.tags = Attr::Set(
        [(
            "streamwarden:exempt".to_owned(),
            "FLEET-INTERNET-ACCESS until=2026-12-31".to_owned(),
        )]
        .into(),
    );
    let e = evaluate_fleet(&Policy::builtin(), &tagged, now);
    assert!(!ids(&e.findings).contains(&"FLEET-INTERNET-ACCESS"));
    assert_eq!(e.exempted[0].exemption.by, "tag");
    let e = evaluate_fleet(&Policy::builtin(), &open_fleet("f"), now);
    assert!(ids(&e.findings).contains(&"FLEET-INTERNET-ACCESS"));
}

#[test]
fn a_disabled_rule_produces_nothing_and_severity_overrides_apply() {
    let now = Utc::now();
    let p = Policy::parse(
        "p.toml",
        "[rules.FLEET-INTERNET-ACCESS]\nseverity = \"CRITICAL\"\n[rules.FLEET-IMDSV1]\nenabled = false\n",
    )
    .unwrap();
    let e = evaluate_fleet(&p, &open_fleet("f"), now);
    assert!(!ids(&e.findings).contains(&"FLEET-IMDSV1"));
    let internet = e
        .findings
        .iter()
        .find(|f| f.rule_id == "FLEET-INTERNET-ACCESS")
        .unwrap();
    assert_eq!(internet.severity, Severity::Critical);
}

#[test]
fn new_stack_values_must_be_ones_aws_knows_and_the_error_names_the_line() {
    let e = err(
        "[stack]\nallow_printing = true\nallowed_agent_actions = [\"COMPUTER_VISION\", \"MIND_READING\"]\n",
    );
    assert!(
        e.starts_with("p.toml:3:") && e.contains("MIND_READING") && e.contains("FORWARD_MCP_TOOLS"),
        "{e}"
    );
    let e = err("[stack]\nrequired_agent_user_control = \"VIEW_ANYTHING\"\n");
    assert!(e.starts_with("p.toml:2:") && e.contains("VIEW_STOP"), "{e}");
    let e = err("\n[stack]\nallowed_storage_connectors = [\"DROPBOX\"]\n");
    assert!(e.starts_with("p.toml:3:") && e.contains("ONE_DRIVE"), "{e}");
    let p = Policy::parse(
        "p.toml",
        "[stack]\nallowed_agent_actions = [\"COMPUTER_VISION\", \"COMPUTER_INPUT\", \"FORWARD_MCP_TOOLS\"]\nrequired_agent_user_control = \"DISABLED\"\nallowed_storage_connectors = [\"HOMEFOLDERS\", \"GOOGLE_DRIVE\", \"ONE_DRIVE\"]\n",
    )
    .unwrap();
    assert_eq!(p.stack.allowed_agent_actions.len(), 3);
}

#[test]
fn share_accounts_must_be_twelve_digit_account_ids() {
    for bad in [
        "\"11112222333\"",
        "\"1111222233334\"",
        "\"11112222333a\"",
        "\"*\"",
    ] {
        let e = err(&format!("[image]\nallowed_share_accounts = [{bad}]\n"));
        assert!(e.starts_with("p.toml:2:") && e.contains("12-digit"), "{e}");
    }
    let p = Policy::parse(
        "p.toml",
        "[image]\nallowed_share_accounts = [\"111122223333\"]\n",
    )
    .unwrap();
    assert_eq!(p.image.allowed_share_accounts, ["111122223333"]);
}

#[test]
fn the_account_key_is_read_by_its_name_and_by_the_catalog_word() {
    for key in ["require_usage_reports", "required"] {
        let p = Policy::parse("p.toml", &format!("[account]\n{key} = false\n")).unwrap();
        assert!(!p.account.require_usage_reports, "{key}");
    }
    let e = err("[image_builder]\nmax_running_hours = 3\n");
    assert!(
        e.contains("line 2") && e.contains("max_running_hours"),
        "{e}"
    );
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap()
}

#[test]
fn builders_images_and_accounts_are_evaluated_with_their_resource_type_and_waivers() {
    let p = Policy::parse(
        "p.toml",
        "[[exemptions]]\nresources = [\"111122223333/eu-west-1\"]\nrules = [\"ACCOUNT-*\"]\nreason = \"CHG-2\"\n",
    )
    .unwrap();
    let mut builder = ImageBuilder::new("admin-desktop", Origin::Described, Source::default());
    builder.enable_default_internet_access = Attr::Set(true);
    builder.tags = Attr::Set(
        [(
            "streamwarden:exempt".to_owned(),
            "BUILDER-VPC-REQUIRED".to_owned(),
        )]
        .into(),
    );
    let e = evaluate_builder(&p, &builder, now());
    assert_eq!(ids(&e.findings), ["BUILDER-INTERNET-ACCESS"]);
    assert_eq!(e.findings[0].resource_type, ResourceType::ImageBuilder);
    assert_eq!(e.exempted[0].finding.rule_id, "BUILDER-VPC-REQUIRED");

    let mut image = Image::new("golden", Source::default());
    image.image_shared_with_others = Attr::Set("TRUE".into());
    image.latest_appstream_agent_version = Attr::Set("FALSE".into());
    let e = evaluate_image(&p, &image, now());
    assert_eq!(
        ids(&e.findings),
        ["IMAGE-SHARED-EXTERNALLY", "IMAGE-AGENT-NOT-LATEST"]
    );
    image.visibility = Some("PUBLIC".into());
    let e = evaluate_image(&p, &image, now());
    assert!(e.findings.is_empty() && e.unresolved.is_empty());

    let mut account = Account::new(
        Some("111122223333".into()),
        Some("eu-west-1".into()),
        Source::default(),
    );
    account.usage_report_subscriptions = Attr::Set(Vec::new());
    let e = evaluate_account(&p, &account, now());
    assert!(e.findings.is_empty());
    assert_eq!(e.exempted[0].finding.resource, "111122223333/eu-west-1");
    let e = evaluate_account(&Policy::builtin(), &account, now());
    assert_eq!(ids(&e.findings), ["ACCOUNT-USAGE-REPORTS"]);
    assert_eq!(e.findings[0].resource_type, ResourceType::Account);
    account.usage_report_subscriptions = Attr::Absent;
    let e = evaluate_account(&Policy::builtin(), &account, now());
    assert_eq!(e.unresolved[0].rule_id, "ACCOUNT-USAGE-REPORTS");
}

#[test]
fn an_unjoined_fleet_leaves_its_image_rule_unresolved() {
    let e = evaluate_fleet(&Policy::builtin(), &open_fleet("f"), now());
    let unresolved: Vec<&str> = e.unresolved.iter().map(|u| u.rule_id).collect();
    assert!(
        unresolved.contains(&"FLEET-IMAGE-OUTDATED"),
        "{unresolved:?}"
    );
    assert!(!ids(&e.findings).contains(&"FLEET-IMAGE-OUTDATED"));
}
