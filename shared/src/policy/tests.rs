use super::*;
use crate::finding::Source;
use crate::model::{Attr, Fleet, Origin};
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
    assert_eq!(builtin.exemption_tag, "streamwarden:exempt");
    assert!(builtin.exemptions.is_empty());
    // An empty user file is the built-in policy.
    let empty = Policy::parse("empty.toml", "").unwrap();
    assert_eq!(empty.fleet, builtin.fleet);
    assert_eq!(empty.stack, builtin.stack);
}

#[test]
fn default_file_sets_every_key_it_documents() {
    let table: toml::Table = toml::from_str(DEFAULT_POLICY_TOML).unwrap();
    for (section, keys) in [
        ("fleet", 15usize), // every fleet key but the optional max_sessions_per_instance
        ("stack", 5),
        ("session", 3),
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
