//! Golden files (`shared/tests/golden/digest/`, regenerate with `UPDATE_GOLDEN=1`),
//! the SNS size limit on a huge digest, HTML escaping and the Chatbot limits.

use super::fit::MIN_ROWS;
use super::view::{age, hours_range, percent};
use super::*;
use crate::alert::CHATBOT_DESCRIPTION_LIMIT;
use crate::digest::{FindingChange, FleetUsage, OpenFinding, RegionDigest, UsagePoint};
use crate::finding::ResourceType;
use crate::markup::html::slug;
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::cmp::Reverse;
use std::path::PathBuf;

fn at(month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, hour, minute, 0)
        .unwrap()
}

fn since() -> DateTime<Utc> {
    at(3, 1, 6, 0)
}

fn until() -> DateTime<Utc> {
    at(3, 2, 6, 0)
}

fn open(
    resource_type: ResourceType,
    resource: &str,
    rule_id: &str,
    severity: Severity,
    title: &str,
    message: &str,
    opened_at: DateTime<Utc>,
) -> OpenFinding {
    OpenFinding {
        resource_type,
        resource: resource.to_owned(),
        rule_id: rule_id.to_owned(),
        severity,
        title: title.to_owned(),
        message: message.to_owned(),
        opened_at,
        age_hours: (until() - opened_at).num_hours(),
    }
}

fn change(
    resource_type: ResourceType,
    resource: &str,
    rule_id: &str,
    severity: Severity,
    kind: &str,
    time: DateTime<Utc>,
    message: &str,
) -> FindingChange {
    FindingChange {
        resource_type,
        resource: resource.to_owned(),
        rule_id: rule_id.to_owned(),
        severity,
        change: kind.to_owned(),
        time,
        message: message.to_owned(),
    }
}

/// One point per hour from `since`, with these sessions.
fn series(sessions: &[u32]) -> Vec<UsagePoint> {
    sessions
        .iter()
        .enumerate()
        .map(|(i, &n)| UsagePoint {
            time: since() + Duration::hours(i as i64),
            sessions: n,
            active: n.saturating_sub(n / 4),
        })
        .collect()
}

fn usage(fleet: &str, sessions: &[u32]) -> FleetUsage {
    let series = series(sessions);
    let peak = series
        .iter()
        .max_by_key(|p| (p.sessions, Reverse(p.time)))
        .copied();
    FleetUsage {
        fleet: fleet.to_owned(),
        state: Some("RUNNING".to_owned()),
        fleet_type: Some("ON_DEMAND".to_owned()),
        max_sessions_per_instance: None,
        sessions: 0,
        unique_users: 0,
        session_hours_min: 0.0,
        session_hours_max: 0.0,
        peak_concurrent: peak.map_or(0, |p| p.sessions),
        peak_at: peak.filter(|p| p.sessions > 0).map(|p| p.time),
        average_sessions_per_instance: None,
        peak_sessions_per_instance: None,
        draining_instances: None,
        min_headroom: None,
        headroom_now: None,
        idle: false,
        series,
    }
}

/// Two regions: a busy single-session fleet, a multi-session fleet, an idle fleet,
/// findings of every severity on fleets, a stack and sessions, changes of every kind,
/// and a region with an error.
fn sample() -> Digest {
    let eu = RegionDigest {
        account: "123456789012".to_owned(),
        account_name: None,
        not_audited: false,
        region: "eu-west-1".to_owned(),
        open: vec![
            open(
                ResourceType::Fleet,
                "finance-apps",
                "FLEET-IAM-ROLE",
                Severity::Critical,
                "Fleet IAM role is not on the allowlist",
                "IamRoleArn is arn:aws:iam::123456789012:role/AdminRole; allowed: arn:aws:iam::*:role/appstream-*",
                at(2, 14, 10, 0),
            ),
            open(
                ResourceType::Stack,
                "finance-desktop",
                "STACK-FILE-DOWNLOAD",
                Severity::High,
                "Users can download files to their device",
                "UserSettings FILE_DOWNLOAD is ENABLED; the policy requires DISABLED",
                at(1, 12, 8, 30),
            ),
            open(
                ResourceType::Fleet,
                "finance-apps",
                "FLEET-INTERNET-ACCESS",
                Severity::High,
                "Default internet access is enabled",
                "EnableDefaultInternetAccess is true; the policy requires false",
                at(3, 1, 9, 12),
            ),
            open(
                ResourceType::Fleet,
                "shared-desk",
                "FLEET-IDLE-DISCONNECT-TIMEOUT",
                Severity::Medium,
                "Idle disconnect is off or above the limit",
                "IdleDisconnectTimeoutInSeconds is 3600 (1 h); the policy allows at most 900 (15 min)",
                at(2, 27, 10, 0),
            ),
            open(
                ResourceType::Fleet,
                "old-kiosk",
                "FLEET-STREAM-VIEW",
                Severity::Low,
                "Stream view is not allowed",
                "StreamView is DESKTOP; allowed: APP",
                at(2, 20, 9, 0),
            ),
            open(
                ResourceType::Session,
                "shared-desk",
                "SESSION-ON-NONCOMPLIANT-FLEET",
                Severity::Info,
                "Sessions run on a non-compliant fleet",
                "3 sessions ran on shared-desk while FLEET-IDLE-DISCONNECT-TIMEOUT was open",
                at(3, 1, 23, 40),
            ),
        ],
        open_by_severity: BTreeMap::new(),
        changes: vec![
            change(
                ResourceType::Fleet,
                "finance-apps",
                "FLEET-INTERNET-ACCESS",
                Severity::High,
                "opened",
                at(3, 1, 9, 12),
                "EnableDefaultInternetAccess is true; the policy requires false",
            ),
            change(
                ResourceType::Fleet,
                "finance-apps",
                "FLEET-MAX-USER-DURATION",
                Severity::Medium,
                "resolved",
                at(3, 1, 11, 30),
                "MaxUserDurationInSeconds is 43200 (12 h); the policy allows at most 43200 (12 h)",
            ),
            change(
                ResourceType::Fleet,
                "finance-apps",
                "FLEET-IAM-ROLE",
                Severity::Critical,
                "raised",
                at(3, 1, 16, 0),
                "IamRoleArn is arn:aws:iam::123456789012:role/AdminRole; allowed: arn:aws:iam::*:role/appstream-*",
            ),
            change(
                ResourceType::Session,
                "shared-desk",
                "SESSION-ON-NONCOMPLIANT-FLEET",
                Severity::Info,
                "opened",
                at(3, 1, 23, 40),
                "",
            ),
        ],
        fleets: vec![
            FleetUsage {
                sessions: 42,
                unique_users: 31,
                session_hours_min: 97.5,
                session_hours_max: 101.0,
                min_headroom: Some(0.1),
                headroom_now: Some(0.4),
                ..usage(
                    "finance-apps",
                    &[
                        0, 0, 1, 4, 9, 14, 18, 17, 15, 12, 13, 16, 15, 11, 7, 4, 2, 1, 0, 0, 0, 0,
                        0, 0,
                    ],
                )
            },
            FleetUsage {
                state: Some("RUNNING".to_owned()),
                fleet_type: Some("ALWAYS_ON".to_owned()),
                idle: true,
                headroom_now: Some(1.0),
                min_headroom: Some(1.0),
                ..usage("old-kiosk", &[0; 24])
            },
            FleetUsage {
                max_sessions_per_instance: Some(4),
                fleet_type: Some("ELASTIC".to_owned()),
                sessions: 12,
                unique_users: 10,
                session_hours_min: 20.0,
                session_hours_max: 20.0,
                average_sessions_per_instance: Some(2.4),
                peak_sessions_per_instance: Some(3),
                min_headroom: Some(0.25),
                headroom_now: Some(0.5),
                ..usage(
                    "shared-desk",
                    &[
                        0, 1, 2, 3, 5, 6, 6, 5, 4, 3, 2, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                    ],
                )
            },
        ],
        errors: Vec::new(),
    };
    let us = RegionDigest {
        account: "123456789012".to_owned(),
        account_name: None,
        not_audited: false,
        region: "us-east-1".to_owned(),
        open: vec![open(
            ResourceType::Fleet,
            "contractors",
            "FLEET-MAX-USER-DURATION",
            Severity::Medium,
            "Maximum session duration is above the limit",
            "MaxUserDurationInSeconds is 57600 (16 h); the policy allows at most 43200 (12 h)",
            at(2, 27, 10, 0),
        )],
        open_by_severity: BTreeMap::new(),
        changes: Vec::new(),
        fleets: vec![FleetUsage {
            sessions: 5,
            unique_users: 5,
            session_hours_min: 11.2,
            session_hours_max: 13.0,
            min_headroom: Some(0.0),
            headroom_now: Some(0.5),
            ..usage(
                "contractors",
                &[
                    0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0,
                ],
            )
        }],
        errors: vec![
            "fleet legacy-tools: ThrottlingException: Rate exceeded (after 3 retries)".to_owned(),
        ],
    };
    let mut d = Digest {
        account: "123456789012".to_owned(),
        generated_at: at(3, 2, 6, 5),
        since: since(),
        until: until(),
        regions: vec![eu, us],
    };
    for r in &mut d.regions {
        r.open_by_severity = Severity::ALL
            .into_iter()
            .map(|s| (s, r.open.iter().filter(|f| f.severity == s).count()))
            .collect();
    }
    d
}

/// Thousands of fleets and findings in four regions.
fn huge(fleets: usize, findings: usize) -> Digest {
    let mut d = sample();
    d.regions.clear();
    let regions = ["eu-west-1", "eu-central-1", "us-east-1", "ap-southeast-2"];
    for (ri, region) in regions.iter().enumerate() {
        let severity = |i: usize| Severity::ALL[i % Severity::ALL.len()];
        let open: Vec<OpenFinding> = (ri..findings)
            .step_by(regions.len())
            .map(|i| {
                open(
                    ResourceType::Fleet,
                    &format!("fleet-{:05}", i % fleets),
                    "FLEET-IDLE-DISCONNECT-TIMEOUT",
                    severity(i),
                    "Idle disconnect is off or above the limit",
                    "IdleDisconnectTimeoutInSeconds is 3600 (1 h); the policy allows at most 900 (15 min)",
                    until() - Duration::hours((i % 2000) as i64),
                )
            })
            .collect();
        let changes: Vec<FindingChange> = (ri..findings / 2)
            .step_by(regions.len())
            .map(|i| {
                change(
                    ResourceType::Fleet,
                    &format!("fleet-{:05}", i % fleets),
                    "FLEET-INTERNET-ACCESS",
                    severity(i),
                    ["opened", "raised", "resolved"][i % 3],
                    since() + Duration::seconds((i % 86_400) as i64),
                    "EnableDefaultInternetAccess is true; the policy requires false",
                )
            })
            .collect();
        let fleets: Vec<FleetUsage> = (ri..fleets)
            .step_by(regions.len())
            .map(|i| FleetUsage {
                sessions: i % 50,
                unique_users: i % 40,
                session_hours_min: (i % 50) as f64 * 1.5,
                session_hours_max: (i % 50) as f64 * 1.75,
                idle: i % 50 == 0,
                max_sessions_per_instance: (i % 3 == 0).then_some(4),
                average_sessions_per_instance: (i % 3 == 0).then_some(2.5),
                peak_sessions_per_instance: (i % 3 == 0).then_some(4),
                ..usage(&format!("fleet-{i:05}"), &[(i % 7) as u32; 24])
            })
            .collect();
        let errors: Vec<String> = (0..200)
            .map(|i| format!("fleet broken-{i}: ThrottlingException: Rate exceeded"))
            .collect();
        d.regions.push(RegionDigest {
            account: "123456789012".to_owned(),
            account_name: None,
            not_audited: false,
            region: (*region).to_owned(),
            open_by_severity: BTreeMap::new(),
            open,
            changes,
            fleets,
            errors,
        });
    }
    d
}

fn parse(alert: &Alert) -> (Value, Value) {
    let body: Value = serde_json::from_str(&alert.message).unwrap();
    let https: Value = serde_json::from_str(body["https"].as_str().unwrap()).unwrap();
    (body, https)
}

fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/digest")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    if actual != want {
        let (got, want): (Vec<&str>, Vec<&str>) =
            (actual.lines().collect(), want.lines().collect());
        let line = (0..got.len().max(want.len()))
            .find(|&i| got.get(i) != want.get(i))
            .unwrap_or(0);
        panic!(
            "{name} differs from the golden file at line {}:\n  got:  {}\n  want: {}\nif the change is intended, run UPDATE_GOLDEN=1 and review the diff",
            line + 1,
            got.get(line).unwrap_or(&"<end of output>"),
            want.get(line).unwrap_or(&"<end of file>"),
        );
    }
}

#[test]
fn golden_digest_matches_byte_for_byte() {
    let d = sample();
    let alert = message(&d);
    let (body, https) = parse(&alert);
    let attributes: Vec<String> = alert
        .attributes
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    golden(
        "sample.txt",
        &format!(
            "Subject: {}\nAttributes: {}\n\n{}",
            alert.subject,
            attributes.join(" "),
            body["email"].as_str().unwrap()
        ),
    );
    golden(
        "sample.chatbot.json",
        &format!("{}\n", serde_json::to_string_pretty(&https).unwrap()),
    );
    golden("sample.html", &html(&d));
}

#[test]
fn message_carries_the_text_for_email_and_the_chatbot_json_for_https() {
    let d = sample();
    let alert = message(&d);
    let (body, https) = parse(&alert);
    assert_eq!(body["default"], body["email"]);
    assert_eq!(
        body["email"].as_str().unwrap(),
        text(&d),
        "small: not shortened"
    );
    assert_eq!(https, chatbot(&d));
    assert_eq!(
        alert.subject,
        "[CRITICAL] AppStream digest 123456789012: 7 open findings, 1 idle fleet"
    );
    let attr = |k: &str| alert.attributes.get(k).map(String::as_str);
    assert_eq!(attr("kind"), Some("digest"));
    assert_eq!(attr("account"), Some("123456789012"));
    assert_eq!(attr("regions"), Some("eu-west-1,us-east-1"));
    assert_eq!(attr("severity"), Some("CRITICAL"));
    assert_eq!(attr("open_findings"), Some("7"));
    assert_eq!(attr("idle_fleets"), Some("1"));
    assert_eq!(https["version"], "1.0");
    assert_eq!(https["source"], "custom");
    assert_eq!(https["content"]["textType"], "client-markdown");
    assert_eq!(https["metadata"]["summary"], alert.subject.as_str());
}

#[test]
fn a_digest_with_nothing_open_says_ok_and_severity_none() {
    let mut d = sample();
    for r in &mut d.regions {
        r.open.clear();
        r.fleets.retain(|f| !f.idle);
    }
    let alert = message(&d);
    assert_eq!(
        alert.subject,
        "[OK] AppStream digest 123456789012: 0 open findings, 0 idle fleets"
    );
    assert_eq!(alert.attributes["severity"], "NONE");
    assert!(text(&d).contains("0 open findings: none."));
}

#[test]
fn text_lays_out_findings_changes_and_usage_in_columns() {
    let t = text(&sample());
    assert!(t.contains("Open findings: 6     CRITICAL 1   HIGH 2   MEDIUM 1   LOW 1   INFO 1"));
    // Grouped by fleet or stack, with the age.
    assert!(t.contains("  fleet finance-apps\n    CRITICAL  FLEET-IAM-ROLE"));
    assert!(
        t.contains("15 d 20 h  Fleet IAM role is not on the allowlist"),
        "{t}"
    );
    assert!(t.contains("  sessions on fleet shared-desk\n"));
    // Session-hours as a range, or one number; packing only for multi-session.
    assert!(t.contains("97.5–101.0"));
    assert!(t.contains("2.4/3 of 4"));
    assert!(t.contains(
        "Idle fleets (running, no sessions: money to save): 1\n  - old-kiosk (ALWAYS_ON)"
    ));
    assert!(t.contains("  ! fleet legacy-tools: ThrottlingException"));
    // The usage table's columns line up: every row as long as the header up to the
    // last column.
    let table: Vec<&str> = t
        .lines()
        .skip_while(|l| !l.starts_with("  FLEET "))
        .take(4)
        .collect();
    let end = table[0].len();
    for row in &table {
        assert_eq!(row.chars().count(), end, "{row:?} in\n{}", table.join("\n"));
    }
}

#[test]
fn ages_hours_and_shares_are_written_compactly() {
    for (hours, want) in [(0, "0 h"), (5, "5 h"), (24, "1 d"), (76, "3 d 4 h")] {
        assert_eq!(age(hours), want);
    }
    assert_eq!(hours_range(20.0, 20.04), "20.0");
    assert_eq!(hours_range(97.5, 101.0), "97.5–101.0");
    assert_eq!(percent(0.25), "25%");
    assert_eq!(slug("Finance Apps (EU)"), "finance-apps-eu");
    assert_eq!(
        slug("<script>alert(1)</script>&\""),
        "script-alert-1-script"
    );
    assert_eq!(slug("***"), "x");
}

#[test]
fn a_huge_digest_fits_one_sns_publish_and_says_what_was_left_out() {
    let d = huge(5_000, 20_000);
    let alert = message(&d);
    let size = published_size(&alert);
    assert!(size <= SNS_PUBLISH_LIMIT, "{size} bytes");
    assert!(
        size > SNS_PUBLISH_LIMIT * 3 / 4,
        "uses the room it has: {size} bytes"
    );
    assert!(alert.subject.len() <= SUBJECT_LIMIT);
    let (body, https) = parse(&alert);
    let email = body["email"].as_str().unwrap();
    assert_eq!(body["default"].as_str().unwrap(), email);
    let description = https["content"]["description"].as_str().unwrap();
    assert!(description.chars().count() <= CHATBOT_DESCRIPTION_LIMIT);

    // The note at the top says how many rows each table lists; each region then says
    // how many it left out, and the two add up to the region's total.
    let rows: usize = email
        .split("Each table lists at most ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no row limit said in:\n{}", &email[..2000]));
    assert!(rows >= MIN_ROWS, "{rows} rows");
    for r in &d.regions {
        let left_out = r.open.len() - rows;
        let note = format!(
            "… and {left_out} more open findings (run streamwarden report --format html for all)"
        );
        assert!(email.contains(&note), "no {note:?}");
        assert!(email.contains(&format!("== {} ", r.region)));
    }
    assert!(email.contains("more fleets, the least used"));
    assert!(!email.contains("@"), "no user IDs");
}

#[test]
fn sections_are_left_out_when_fewer_rows_are_not_enough() {
    let mut d = sample();
    let template = d.regions[0].clone();
    d.regions = (0..400)
        .map(|i| RegionDigest {
            account: "123456789012".to_owned(),
            account_name: None,
            not_audited: false,
            region: format!("xx-test-{i}"),
            ..template.clone()
        })
        .collect();
    let alert = message(&d);
    assert!(published_size(&alert) <= SNS_PUBLISH_LIMIT);
    let email = parse(&alert).0["email"].as_str().unwrap().to_owned();
    assert!(email.contains("Left out: "), "{}", &email[..1500]);
    assert!(
        email.contains("== xx-test-399 "),
        "every region is still there"
    );

    // Thousands of regions: one line each is too much, so the text is cut at a line.
    d.regions = (0..5000)
        .map(|i| RegionDigest {
            account: "123456789012".to_owned(),
            account_name: None,
            not_audited: false,
            region: format!("xx-test-{i}"),
            ..template.clone()
        })
        .collect();
    let alert = message(&d);
    assert!(published_size(&alert) <= SNS_PUBLISH_LIMIT);
    let email = parse(&alert).0["email"].as_str().unwrap().to_owned();
    assert!(email.contains("… the rest of this digest was cut to fit one SNS message"));
}

#[test]
fn chatbot_description_stays_within_its_limit() {
    let mut d = huge(5_000, 20_000);
    for r in &mut d.regions {
        for f in &mut r.open {
            f.title = "T".repeat(5_000);
            f.resource = "f".repeat(1_000);
        }
        for f in &mut r.fleets {
            f.fleet = "n".repeat(1_000);
        }
    }
    let value = chatbot(&d);
    let description = value["content"]["description"].as_str().unwrap();
    assert!(description.chars().count() <= CHATBOT_DESCRIPTION_LIMIT);
    let title = value["content"]["title"].as_str().unwrap();
    assert!(title.chars().count() <= SUBJECT_LIMIT + 24, "{title}");

    let small = chatbot(&sample());
    let description = small["content"]["description"].as_str().unwrap();
    assert!(description.contains("*Most severe open findings*"));
    assert!(
        description.contains(":rotating_light: *CRITICAL* `FLEET-IAM-ROLE` fleet `finance-apps`")
    );
    assert!(description.contains("• `old-kiosk` (`eu-west-1`, ALWAYS_ON)"));
    assert!(description.contains("*Busiest fleets*\n• `finance-apps`"));
    assert!(
        small["content"]["nextSteps"][0]
            .as_str()
            .unwrap()
            .contains("streamwarden report")
    );
}

#[test]
fn hostile_names_are_escaped_in_html_text_and_slack() {
    let hostile = "<script>alert(1)</script>&\"";
    let mut d = sample();
    d.regions[0].fleets[0].fleet = hostile.to_owned();
    d.regions[0].open[0].resource = hostile.to_owned();
    d.regions[0].open[0].title = "</td><img src=x onerror=alert(2)>".to_owned();
    d.regions[1].errors.push("<iframe src='//evil'>".to_owned());
    let page = html(&d);
    for bad in ["<script", "<img", "<iframe", "</script>"] {
        assert!(!page.contains(bad), "{bad} in the page");
    }
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;"));
    assert!(page.contains("id=\"fleet-eu-west-1-script-alert-1-script\""));
    assert!(page.contains("&lt;/td&gt;&lt;img src=x onerror=alert(2)&gt;"));

    let value = chatbot(&d);
    let description = value["content"]["description"].as_str().unwrap();
    assert!(!description.contains("<script"), "{description}");
}

#[test]
fn html_is_one_self_contained_page_with_a_chart_per_fleet() {
    let d = sample();
    let page = html(&d);
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(page.ends_with("</html>\n"));
    for external in ["<script", "<link", " src=", "url(", "@import"] {
        assert!(!page.contains(external), "{external} in the page");
    }
    let links: Vec<&str> = page.matches("http").collect();
    assert_eq!(
        links.len(),
        page.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
            + page.matches("http-equiv").count(),
        "only SVG namespaces and the CSP"
    );
    let fleets: usize = d.regions.iter().map(|r| r.fleets.len()).sum();
    assert_eq!(page.matches("<svg class=\"usage-chart").count(), fleets);
    assert_eq!(page.matches("<polyline class=\"sessions\"").count(), fleets);
    assert!(page.contains("<section class=\"fleet idle\" id=\"fleet-eu-west-1-old-kiosk\""));
    assert!(page.contains("role=\"img\" aria-label=\"Sessions on fleet finance-apps from 2026-03-01 06:00 to 2026-03-02 06:00 UTC, peak 18 at 2026-03-01 12:00 UTC\""));
    assert!(page.contains("<th scope=\"col\">Severity</th>"));
}

#[test]
fn packing_names_the_instances_in_drain_mode() {
    let mut f = usage("desk", &[2, 3]);
    f.max_sessions_per_instance = Some(4);
    f.average_sessions_per_instance = Some(2.5);
    f.peak_sessions_per_instance = Some(3);
    assert_eq!(super::view::packing(&f), "2.5/3 of 4");
    f.draining_instances = Some(2);
    assert_eq!(super::view::packing(&f), "2.5/3 of 4, 2 draining");
    f.max_sessions_per_instance = None;
    assert_eq!(super::view::packing(&f), "-", "single-session: no packing");
}

// ----- the organisation digest -----

/// Three member accounts of a deployment in 999999999999, given smallest first: one no
/// longer governed (one finding), one unnamed (the sample's eu-west-1), and a named one
/// with both sample regions.
fn organisation() -> Digest {
    let mut d = sample();
    let (eu, us) = (d.regions[0].clone(), d.regions[1].clone());
    let member = |r: &RegionDigest, account: &str, name: Option<&str>| RegionDigest {
        account: account.to_owned(),
        account_name: name.map(str::to_owned),
        ..r.clone()
    };
    let mut gone = member(&us, "333333333333", Some("Old & *gone*"));
    gone.not_audited = true;
    gone.open.truncate(1);
    gone.changes.clear();
    gone.fleets.clear();
    d.account = "999999999999".to_owned();
    d.regions = vec![
        gone,
        member(&eu, "222222222222", None),
        member(&eu, "111111111111", Some("Production <EU>")),
        member(&us, "111111111111", Some("Production <EU>")),
    ];
    d
}

#[test]
fn an_organisation_digest_has_one_section_per_account_largest_first() {
    let d = organisation();
    assert!(d.regions[1].open.len() > 1, "the unnamed account is larger");
    let alert = message(&d);
    assert!(
        alert
            .subject
            .starts_with("[CRITICAL] AppStream organisation digest (3 accounts): "),
        "{}",
        alert.subject
    );
    assert_eq!(alert.attributes["accounts"], "3");
    assert_eq!(alert.attributes["not_audited"], "1");
    assert_eq!(alert.attributes["regions"], "us-east-1,eu-west-1");
    let open = |account: &str| -> usize {
        d.regions
            .iter()
            .filter(|r| r.account == account)
            .map(|r| r.open.len())
            .sum()
    };
    let (body, https) = parse(&alert);
    let email = body["email"].as_str().unwrap();
    assert!(email.starts_with(
        "AppStream compliance digest for the organisation (from account 999999999999)\n"
    ));
    assert!(
        email.contains("\nAccounts:  3 (1 not audited)\n"),
        "{email}"
    );
    let headings: Vec<&str> = email
        .lines()
        .filter(|l| l.starts_with("## Account "))
        .collect();
    assert_eq!(
        headings
            .iter()
            .map(|h| h.split(" #").next().unwrap())
            .collect::<Vec<_>>(),
        [
            "## Account 111111111111 (Production <EU>)",
            "## Account 222222222222",
            "## Account 333333333333 (Old & *gone*) NOT AUDITED",
        ]
    );
    // Each account's regions under its heading, in the digest's order.
    let a = email.find(headings[0]).unwrap();
    let b = email.find(headings[1]).unwrap();
    let first: Vec<&str> = email[a..b]
        .lines()
        .filter(|l| l.starts_with("== "))
        .collect();
    assert_eq!(first.len(), 2);
    assert!(first[0].starts_with("== eu-west-1 ") && first[1].starts_with("== us-east-1 "));
    assert!(email.contains("Not audited: this account is no longer governed."));
    assert!(!email.contains("Shortened"), "it all fits");

    // Chatbot: a line per account, largest first, the name escaped for Slack.
    let description = https["content"]["description"].as_str().unwrap();
    assert!(description.contains("organisation, 3 accounts (1 not audited)"));
    let p = |s: &str| {
        description
            .find(s)
            .unwrap_or_else(|| panic!("no {s:?} in {description}"))
    };
    assert!(
        p(&format!(
            "• `111111111111` (Production &lt;EU&gt;): {} open",
            open("111111111111")
        )) < p("• `222222222222`: ")
    );
    assert!(p("• `222222222222`: ") < p("• `333333333333` (`Old &amp; *gone*`): 1 open"));
    assert!(description.contains(":warning: Not audited (no longer governed"));
    assert!(!description.contains("<EU>"));
    let related = https["metadata"]["relatedResources"].to_string();
    assert!(related.contains(":111111111111:"), "{related}");
    assert!(
        !related.contains("999999999999"),
        "each resource in its own account"
    );

    // HTML: an account section each, regions one level down, ids by account.
    let page = html(&d);
    let p = |s: &str| page.find(s).unwrap_or_else(|| panic!("no {s:?}"));
    assert!(
        p("<section class=\"account\" id=\"account-111111111111\" data-account=\"111111111111\"")
            < p("<section class=\"account\" id=\"account-222222222222\"")
    );
    assert!(page.contains(
        "<section class=\"account not-audited\" id=\"account-333333333333\" data-account=\"333333333333\" data-not-audited=\"true\""
    ));
    assert!(page.contains(
        "<h2 id=\"account-111111111111-title\">Account 111111111111 (Production &lt;EU&gt;)</h2>"
    ));
    assert!(page.contains("<h3 id=\"region-111111111111-eu-west-1-title\">Region eu-west-1</h3>"));
    assert!(page.contains("id=\"fleet-111111111111-eu-west-1-"));
    assert!(!page.contains("<h2 id=\"region-"));
    assert!(!page.contains("<EU>") && !page.contains("Old & *gone*"));

    // JSON: the account (and its name, and the flag) per section.
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["regions"][0]["account"], "333333333333");
    assert_eq!(json["regions"][0]["not_audited"], true);
    assert_eq!(json["regions"][2]["account_name"], "Production <EU>");
    let single = serde_json::to_value(sample()).unwrap();
    assert!(single["regions"][0].get("account_name").is_none());
    assert!(single["regions"][0].get("not_audited").is_none());

    golden(
        "organisation.txt",
        &format!("Subject: {}\n\n{email}", alert.subject),
    );
}

#[test]
fn a_huge_organisation_digest_leaves_out_its_smallest_accounts_and_names_them() {
    let template = huge(400, 800).regions.remove(0);
    let mut d = sample();
    d.account = "999999999999".to_owned();
    // 200 accounts, each one region: account i holds 200 - i open findings; given
    // smallest first, so the order is the renderer's.
    d.regions = (0..200)
        .rev()
        .map(|i| {
            let mut r = RegionDigest {
                account: format!("{:012}", 100_000_000_000u64 + i),
                account_name: Some(format!("member-{i:03}")),
                ..template.clone()
            };
            r.open.truncate(200 - i as usize);
            r.not_audited = i >= 190;
            r
        })
        .collect();
    let alert = message(&d);
    let size = published_size(&alert);
    assert!(size <= SNS_PUBLISH_LIMIT, "{size} bytes");
    let (body, https) = parse(&alert);
    let email = body["email"].as_str().unwrap();
    let shown: Vec<&str> = email
        .lines()
        .filter_map(|l| l.strip_prefix("## Account "))
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    let not_shown: usize = email
        .lines()
        .find_map(|l| l.split_once(" accounts not shown (the smallest): "))
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or_else(|| panic!("no accounts-left-out line in:\n{}", &email[..3000]));
    assert!(!shown.is_empty() && not_shown > 0);
    assert_eq!(
        shown.len() + not_shown,
        200,
        "every account shown or counted"
    );
    // The largest accounts are the ones shown, largest first.
    let expected: Vec<String> = (0..shown.len() as u64)
        .map(|i| format!("{:012}", 100_000_000_000u64 + i))
        .collect();
    assert_eq!(shown, expected);
    let first_left_out = format!(
        "{:012} (member-{:03}) ({} open)",
        100_000_000_000u64 + shown.len() as u64,
        shown.len(),
        200 - shown.len()
    );
    assert!(
        email.contains(&format!("(the smallest): {first_left_out}, ")),
        "the largest left out is named first"
    );
    assert!(email.contains("  streamwarden report --account ID --since "));
    assert!(email.find("accounts not shown").unwrap() < email.find("## Account ").unwrap());
    // Each shown account keeps at least the minimum detail.
    let rows: usize = email
        .split("Each table lists at most ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(rows >= MIN_ROWS, "{rows}");

    let description = https["content"]["description"].as_str().unwrap();
    assert!(description.chars().count() <= CHATBOT_DESCRIPTION_LIMIT);
    assert!(description.contains("• `100000000000` (member-000): 200 open"));
    assert!(description.contains(" more accounts (see `streamwarden report --account ID"));
    assert!(
        description.contains("`100000000194`, and 5 more"),
        "the accounts not audited, five named: {description}"
    );
    assert!(email.contains("Accounts:  200 (10 not audited)\n"));
}
