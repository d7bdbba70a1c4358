#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The HTML digest in a real browser: Debian's headless Chromium (`/usr/bin/chromium`,
//! installed by `scripts/install-chromium.sh`) loads the page from a file, dumps the DOM
//! it built, and takes a screenshot. The DOM must hold one usage chart per fleet with its
//! line drawn, the idle fleet marked and no element injected by a hostile fleet name; the
//! screenshot must be a PNG of the window's size with far more on it than a blank page.
//!
//! Set `DIGEST_HTML_KEEP=1` to keep the page and the screenshots (the path is printed).

use chrono::{DateTime, Duration, TimeZone, Utc};
use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration as StdDuration, Instant, SystemTime, UNIX_EPOCH};
use streamwarden::digest::{
    Digest, FindingChange, FleetUsage, OpenFinding, RegionDigest, UsagePoint, render,
};
use streamwarden::finding::{ResourceType, Severity};

const CHROMIUM: &str = "/usr/bin/chromium";
const TIMEOUT: StdDuration = StdDuration::from_secs(60);
const WIDTH: u32 = 1200;
const HEIGHT: u32 = 2000;
const HOSTILE: &str = "<script>alert(1)</script>&\"";

fn since() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 6, 0, 0).unwrap()
}

fn until() -> DateTime<Utc> {
    since() + Duration::hours(24)
}

/// 30 snapshots, one every 48 minutes from `since`.
fn series(sessions: impl Fn(usize) -> u32) -> Vec<UsagePoint> {
    (0..30)
        .map(|i| UsagePoint {
            time: since() + Duration::minutes(48 * i as i64),
            sessions: sessions(i),
            active: sessions(i) * 3 / 4,
        })
        .collect()
}

fn fleet(name: &str, series: Vec<UsagePoint>) -> FleetUsage {
    let peak = series
        .iter()
        .max_by_key(|p| (p.sessions, std::cmp::Reverse(p.time)))
        .copied();
    FleetUsage {
        fleet: name.to_owned(),
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
        min_headroom: Some(0.2),
        headroom_now: Some(0.6),
        idle: false,
        series,
    }
}

fn finding(resource: &str, rule_id: &str, severity: Severity, days: i64) -> OpenFinding {
    OpenFinding {
        resource_type: ResourceType::Fleet,
        resource: resource.to_owned(),
        rule_id: rule_id.to_owned(),
        severity,
        title: format!("Title of {rule_id}"),
        message: format!("{rule_id} observed 3600; the policy allows at most 900"),
        opened_at: until() - Duration::hours(24 * days + 3),
        age_hours: 24 * days + 3,
    }
}

/// One region, three fleets: a busy one, a multi-session one with a hostile name, and an
/// idle one.
fn digest() -> Digest {
    let busy = FleetUsage {
        sessions: 64,
        unique_users: 40,
        session_hours_min: 130.5,
        session_hours_max: 141.0,
        ..fleet(
            "finance-apps",
            series(|i| [0, 1, 3, 8, 14, 19, 22, 21, 18, 16, 17, 20, 18, 13, 9][i % 15]),
        )
    };
    let hostile = FleetUsage {
        max_sessions_per_instance: Some(4),
        fleet_type: Some("ELASTIC".to_owned()),
        sessions: 21,
        unique_users: 17,
        session_hours_min: 35.0,
        session_hours_max: 38.5,
        average_sessions_per_instance: Some(2.6),
        peak_sessions_per_instance: Some(4),
        draining_instances: None,
        ..fleet(HOSTILE, series(|i| (i as u32 * 7 % 11).min(9)))
    };
    let idle = FleetUsage {
        fleet_type: Some("ALWAYS_ON".to_owned()),
        idle: true,
        min_headroom: Some(1.0),
        headroom_now: Some(1.0),
        ..fleet("old-kiosk", series(|_| 0))
    };
    let open = vec![
        finding("finance-apps", "FLEET-IAM-ROLE", Severity::Critical, 12),
        finding("finance-apps", "FLEET-INTERNET-ACCESS", Severity::High, 0),
        finding(
            HOSTILE,
            "FLEET-IDLE-DISCONNECT-TIMEOUT",
            Severity::Medium,
            3,
        ),
        finding("old-kiosk", "FLEET-STREAM-VIEW", Severity::Low, 40),
    ];
    let open_by_severity: BTreeMap<Severity, usize> = Severity::ALL
        .into_iter()
        .map(|s| (s, open.iter().filter(|f| f.severity == s).count()))
        .collect();
    Digest {
        account: "123456789012".to_owned(),
        generated_at: until() + Duration::minutes(5),
        since: since(),
        until: until(),
        regions: vec![RegionDigest {
            account: "123456789012".to_owned(),
            account_name: None,
            not_audited: false,
            region: "eu-west-1".to_owned(),
            open,
            open_by_severity,
            changes: vec![FindingChange {
                resource_type: ResourceType::Fleet,
                resource: "finance-apps".to_owned(),
                rule_id: "FLEET-INTERNET-ACCESS".to_owned(),
                severity: Severity::High,
                change: "opened".to_owned(),
                time: since() + Duration::hours(3),
                message: "EnableDefaultInternetAccess is true; the policy requires false"
                    .to_owned(),
            }],
            fleets: vec![busy, hostile, idle],
            errors: vec![format!(
                "fleet {HOSTILE}: ThrottlingException: Rate exceeded"
            )],
        }],
    }
}

/// Runs Chromium headless on `page` with `args`, standard output to `stdout`; fails after
/// [`TIMEOUT`], killing its process group.
fn chromium(dir: &Path, name: &str, args: &[String], page: &Path) -> String {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: this test renders the HTML digest in Debian's headless Chromium; install it with scripts/install-chromium.sh"
    );
    let profile = dir.join(format!("profile-{name}"));
    let stdout_path = dir.join(format!("{name}.stdout"));
    let stderr_path = dir.join(format!("{name}.stderr"));
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(File::create(&stdout_path).unwrap())
        .stderr(File::create(&stderr_path).unwrap())
        // Its own process group, so a hung browser goes with all its helpers.
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {CHROMIUM}: {e}"));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > TIMEOUT {
            break None;
        }
        std::thread::sleep(StdDuration::from_millis(50));
    };
    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    let Some(status) = status else {
        kill_group(child.id());
        child.kill().ok();
        child.wait().ok();
        panic!("chromium {name} took more than {TIMEOUT:?} and was killed; its stderr:\n{stderr}");
    };
    // Helpers (zygote, utility processes) leave with the browser; make sure of it.
    kill_group(child.id());
    assert!(
        status.success(),
        "chromium {name} failed ({status}); its stderr:\n{stderr}"
    );
    std::fs::read_to_string(&stdout_path).unwrap()
}

/// SIGKILL to the process group `pgid` (the Chromium this test started); a group already
/// gone is fine.
fn kill_group(pgid: u32) {
    if let Err(e) = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stderr(Stdio::null())
        .status()
    {
        eprintln!("kill -KILL -{pgid}: {e}");
    }
}

fn scratch_dir() -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!(
        "streamwarden-digest-html-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The `<section class="fleet...">` elements of a serialised DOM, each up to its end.
fn fleet_sections(dom: &str) -> Vec<&str> {
    dom.match_indices("<section class=\"fleet")
        .map(|(start, _)| {
            let rest = &dom[start..];
            &rest[..rest.find("</section>").unwrap()]
        })
        .collect()
}

/// The number of `x,y` pairs in the first `points` attribute of the first
/// `<polyline class="sessions">`.
fn polyline_points(section: &str) -> usize {
    let Some(at) = section.find("<polyline class=\"sessions\"") else {
        return 0;
    };
    let rest = &section[at..];
    let start = rest.find("points=\"").unwrap() + "points=\"".len();
    let end = start + rest[start..].find('"').unwrap();
    rest[start..end]
        .split_whitespace()
        .filter(|pair| {
            let mut xy = pair.split(',').map(|n| n.parse::<f64>());
            matches!(
                (xy.next(), xy.next(), xy.next()),
                (Some(Ok(_)), Some(Ok(_)), None)
            )
        })
        .count()
}

/// CRC-32 (ISO-HDLC), as PNG chunks use it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Checks the PNG signature and every chunk's length and CRC up to IEND; returns the
/// IHDR width and height and the bytes of image data (IDAT).
fn png_info(png: &[u8]) -> (u32, u32, usize) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG signature");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    let (mut at, mut size, mut idat, mut ended) = (8, None, 0, false);
    while at + 12 <= png.len() {
        let len = be(&png[at..]) as usize;
        let kind = &png[at + 4..at + 8];
        let data = &png[at + 8..at + 8 + len];
        let crc = be(&png[at + 8 + len..]);
        assert_eq!(
            crc32(&png[at + 4..at + 8 + len]),
            crc,
            "bad CRC on chunk {}",
            String::from_utf8_lossy(kind)
        );
        match kind {
            b"IHDR" => {
                assert_eq!(at, 8, "IHDR is not the first chunk");
                size = Some((be(data), be(&data[4..])));
            }
            b"IDAT" => idat += len,
            b"IEND" => {
                ended = true;
                break;
            }
            _ => {}
        }
        at += 12 + len;
    }
    assert!(ended, "no IEND chunk: the PNG is cut short");
    let (width, height) = size.expect("no IHDR chunk");
    (width, height, idat)
}

#[test]
fn html_digest_renders_in_headless_chromium() {
    let dir = scratch_dir();
    let d = digest();
    let page = dir.join("digest.html");
    std::fs::write(&page, render::html(&d)).unwrap();
    let blank = dir.join("blank.html");
    std::fs::write(
        &blank,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>blank</title></head><body></body></html>\n",
    )
    .unwrap();

    // (1) The DOM Chromium built from the page.
    let dom = chromium(&dir, "dump-dom", &["--dump-dom".to_owned()], &page);
    assert!(
        dom.contains("<h1>AppStream compliance digest</h1>"),
        "no digest in the DOM:\n{dom}"
    );
    let sections = fleet_sections(&dom);
    assert_eq!(sections.len(), 3, "one section per fleet");
    for section in &sections {
        assert_eq!(
            section.matches("<svg class=\"usage-chart").count(),
            1,
            "one chart in {section}"
        );
        assert!(section.contains("role=\"img\" aria-label=\"Sessions on fleet "));
        // A step line: two points per snapshot.
        assert_eq!(polyline_points(section), 60, "the line of {section}");
    }
    let idle: Vec<&&str> = sections
        .iter()
        .filter(|s| s.starts_with("<section class=\"fleet idle\""))
        .collect();
    assert_eq!(idle.len(), 1, "one idle fleet");
    assert!(idle[0].contains("id=\"fleet-eu-west-1-old-kiosk\""));
    assert!(idle[0].contains("data-idle=\"true\""));
    assert!(idle[0].contains("idle: running, no sessions"));
    // The hostile name is text, not markup: no script element anywhere, and the name
    // shows as written.
    assert!(
        !dom.to_ascii_lowercase().contains("<script"),
        "script in the DOM"
    );
    assert!(
        dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;&amp;\""),
        "the hostile name is not shown as text"
    );
    assert!(dom.contains("id=\"fleet-eu-west-1-script-alert-1-script\""));

    // (2) A screenshot of the page, against one of a blank page.
    let window = format!("--window-size={WIDTH},{HEIGHT}");
    let shot = |name: &str, html: &Path| -> Vec<u8> {
        let png = dir.join(format!("{name}.png"));
        chromium(
            &dir,
            name,
            &[format!("--screenshot={}", png.display()), window.clone()],
            html,
        );
        std::fs::read(&png).unwrap_or_else(|e| panic!("no screenshot at {}: {e}", png.display()))
    };
    let png = shot("page", &page);
    let blank_png = shot("blank", &blank);
    let (width, height, idat) = png_info(&png);
    assert_eq!((width, height), (WIDTH, HEIGHT), "screenshot size");
    let (_, _, blank_idat) = png_info(&blank_png);
    // A white page compresses to almost nothing; text, tables and charts do not.
    assert!(
        idat > 40_000 && idat > 10 * blank_idat,
        "the page looks blank: {idat} bytes of image data, a blank page {blank_idat}"
    );

    if std::env::var_os("DIGEST_HTML_KEEP").is_some() {
        eprintln!("kept {}", dir.display());
    } else {
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
