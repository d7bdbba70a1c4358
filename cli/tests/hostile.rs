//! Hostile input: every argument and every file gets a clean answer (exit 0, 1 or 2 and a
//! message), never a panic, a hang or a terminal escape from the input.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TempDir, stderr, stdout, streamwarden, streamwarden_within};
use std::os::unix::fs::{MetadataExt, symlink};
use std::path::Path;
use std::process::{Command, Output};

#[test]
fn time_arguments_that_are_not_times_exit_two_with_a_message() {
    for value in [
        "5µ",
        "1€",
        "💥",
        "99999999999d",
        "9999999999999999d",
        "-3d",
        "µ",
    ] {
        for command in [
            &["sessions", "--user", "u", "--table", "t"][..],
            &["report", "--table", "t"][..],
        ] {
            for flag in ["--since", "--until"] {
                let arg = format!("{flag}={value}");
                let mut args = command.to_vec();
                args.push(&arg);
                let out = streamwarden(&args);
                let err = stderr(&out);
                assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
                assert!(
                    err.contains("is not a time") || err.contains("too long ago"),
                    "{args:?}: {err}"
                );
                assert!(!err.contains("panicked"), "{args:?}: {err}");
            }
        }
    }
}

const FLEET: &str = r#"{"Fleets": [{"Name": "f1", "FleetType": "ON_DEMAND",
  "InstanceType": "stream.standard.small", "EnableDefaultInternetAccess": true}]}"#;

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(output), stderr(output)))
}

fn messages(report: &serde_json::Value, kind: &str) -> Vec<String> {
    report[kind]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            format!(
                "{}: {}",
                n["location"]["file"].as_str().unwrap(),
                n["message"]
            )
        })
        .collect()
}

fn check_json(dir: &Path) -> (Output, serde_json::Value) {
    let out = streamwarden_within(
        30,
        &["check", "--format", "json", dir.to_str().unwrap()],
        None,
    );
    let report = json(&out);
    (out, report)
}

#[test]
fn a_symlink_loop_is_walked_once_and_each_file_read_once() {
    let dir = TempDir::new("loop");
    dir.write("fleets.json", FLEET);
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    symlink(".", dir.path().join("self")).unwrap();
    symlink("..", dir.path().join("sub/up")).unwrap();
    symlink("../fleets.json", dir.path().join("sub/again.json")).unwrap();
    let (out, report) = check_json(dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(report["summary"]["files"], 1, "{report}");
    assert_eq!(report["summary"]["fleets"], 1, "{report}");
    let notes = messages(&report, "notes");
    for (entry, says) in [
        ("self", "the same directory as"),
        ("sub/up", "the same directory as"),
        ("sub/again.json", "the same file as"),
    ] {
        assert!(
            notes
                .iter()
                .any(|n| n.contains(&format!("/{entry}: ")) && n.contains(says)),
            "{entry}: {notes:?}"
        );
    }
}

#[test]
fn fifos_in_a_walked_directory_are_skipped_with_a_note() {
    let dir = TempDir::new("fifo");
    dir.write("fleets.json", FLEET);
    let fifo = dir.path().join("pipe.json");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let (out, report) = check_json(dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(report["summary"]["fleets"], 1);
    let notes = messages(&report, "notes");
    assert!(
        notes
            .iter()
            .any(|n| n.contains("pipe.json") && n.contains("a FIFO, not a regular file")),
        "{notes:?}"
    );
}

#[test]
fn an_entry_that_cannot_be_read_is_reported_and_the_walk_goes_on() {
    let dir = TempDir::new("broken");
    dir.write("b/fleets.json", FLEET);
    symlink("nowhere.json", dir.path().join("a-gone.json")).unwrap();
    symlink("no-such-dir", dir.path().join("c-gone")).unwrap();
    let (out, report) = check_json(dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(report["summary"]["fleets"], 1, "{report}");
    let errors = messages(&report, "errors");
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].contains("/a-gone.json: ") && errors[0].contains("No such file"));
    assert!(errors[1].contains("/c-gone: ") && errors[1].contains("No such file"));
}

/// Permissions bind only a user without CAP_DAC_OVERRIDE: as root (CI, containers) the
/// binary runs as `nobody` through setpriv so the locked directory is really unreadable.
#[test]
fn an_unreadable_directory_is_reported_as_itself_and_the_walk_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("locked");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir.write("a/fleets.json", FLEET);
    dir.write("b-locked/hidden.json", FLEET);
    dir.write("c/fleets.json", FLEET);
    let locked = dir.path().join("b-locked");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // The binary must be reachable by `nobody`: copy it beside the inputs.
    let binary = dir.path().join("streamwarden-bin");
    std::fs::copy(env!("CARGO_BIN_EXE_streamwarden"), &binary).unwrap();
    let root_user = std::fs::metadata("/proc/self").unwrap().uid() == 0;
    let mut command = if root_user {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&binary);
        c
    } else {
        Command::new(&binary)
    };
    let out = command
        .args(["check", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let report = json(&out);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(report["summary"]["fleets"], 2, "{report}");
    let errors = messages(&report, "errors");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains(&format!("{}: ", locked.display()))
            && errors[0].contains("Permission denied"),
        "{errors:?}"
    );
}

#[test]
fn devices_and_files_over_the_limit_exit_two_without_being_read() {
    let out = streamwarden_within(10, &["check", "/dev/zero"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stdout(&out).contains("/dev/zero: a character device, not a file to read"),
        "{}",
        stdout(&out)
    );

    let dir = TempDir::new("big");
    let big = dir.path().join("big.json");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(256 * 1024 * 1024 + 1).unwrap();
    let out = streamwarden_within(10, &["check", big.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stdout(&out).contains("larger than 256 MiB"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn endless_standard_input_stops_at_the_limit() {
    let zero = std::fs::File::open("/dev/zero").unwrap();
    let out = streamwarden_within(60, &["check", "-"], Some(zero));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stdout(&out).contains("<stdin>: larger than 256 MiB"),
        "{}",
        stdout(&out)
    );
}

/// No byte of input-derived text may reach a terminal as a control: only our own colour
/// codes (`ESC [ digits ; m`) may carry an ESC.
fn assert_inert(text: &str) {
    let mut rest = text;
    while let Some(at) = rest.find('\x1b') {
        let after = &rest[at + 1..];
        let code_len = after
            .strip_prefix('[')
            .and_then(|a| a.find('m'))
            .filter(|&end| {
                after[1..=end]
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == ';')
            });
        assert!(code_len.is_some(), "raw ESC in output: {:?}", &rest[at..]);
        rest = after;
    }
    let bad = text
        .chars()
        .find(|&c| c != '\x1b' && c != '\n' && streamwarden::terminal::is_unsafe(c));
    assert_eq!(bad, None, "unsafe character in output: {text:?}");
}

const FORGED: &str = "evil\u{1b}[2J\u{1b}[31m\u{1b}]0;title\u{7}\r0 findings (all clear)\u{202e}";

#[test]
fn names_keys_and_file_names_from_input_are_escaped_in_text_output() {
    let dir = TempDir::new("inject");
    let fleets = serde_json::json!({"Fleets": [
        {"Name": FORGED, "FleetType": "ON_DEMAND", "EnableDefaultInternetAccess": true},
        {"Name": "typo", "FleetType": FORGED},
        {"Name": "keyed", "VpcConfig": {FORGED: 1, "SubnetIds": [FORGED]}},
    ]});
    dir.write("fleets.json", &fleets.to_string());
    let trail = serde_json::json!({"Records": [
        {"eventSource": "appstream.amazonaws.com", "eventName": FORGED, "requestParameters": {}},
        {"eventSource": FORGED, "eventName": "CreateFleet"},
        {"eventSource": "appstream.amazonaws.com", "eventName": "CreateFleet", "errorCode": FORGED},
    ]});
    dir.write("trail.json", &trail.to_string());
    let evil_file = dir.write(&format!("{}.json", FORGED.replace('/', "_")), "{");
    for color in ["never", "always"] {
        let out = streamwarden(&["check", "--color", color, dir.path().to_str().unwrap()]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert_inert(&text);
        assert_inert(&stderr(&out));
        assert!(text.contains("evil\\u{1b}[2J\\u{1b}[31m\\u{1b}]0;title\\u{7}\\r0 findings"));
        assert!(text.contains("\\u{202e}"), "{text}");
        // The forged fleet's header, its FLEET-IMAGE-OUTDATED line among the unresolved
        // (no describe-images given), three notes, two errors.
        assert_eq!(text.matches("(all clear)").count(), 7, "{text}");
    }
    let out = streamwarden(&["check", "--format", "json", evil_file.to_str().unwrap()]);
    assert_inert(&stderr(&out));
    assert!(stderr(&out).contains("evil\\u{1b}[2J"), "{}", stderr(&out));
}

#[test]
fn policy_and_read_errors_are_printed_once() {
    let dir = TempDir::new("policy");
    let policy = dir.write("policy.toml", "[fleet]\nmax_user_duration = \"long\"\n");
    let out = streamwarden(&[
        "check",
        "--policy",
        policy.to_str().unwrap(),
        "events/check",
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(
        err.lines()
            .filter(|l| l.starts_with("streamwarden:"))
            .count(),
        1,
        "{err}"
    );
    let first = err.lines().next().unwrap();
    let tail = first.rsplit(": ").next().unwrap();
    assert_eq!(err.matches(tail).count(), 1, "{err}");

    let out = streamwarden(&[
        "check",
        "--policy",
        dir.path().to_str().unwrap(),
        "events/check",
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.matches("Is a directory").count(), 1, "{err}");
}

#[test]
fn two_fleets_of_one_name_stay_apart_and_the_summary_counts_by_type() {
    let dir = TempDir::new("twins");
    let path = dir.write(
        "twins.json",
        "{\"Fleets\": [\n{\"Name\": \"twin\", \"EnableDefaultInternetAccess\": true},\n\
         {\"Name\": \"twin\", \"EnableDefaultInternetAccess\": true}\n],\n\
         \"Stacks\": [{\"Name\": \"s\", \"UserSettings\": \
         [{\"Action\": \"CLIPBOARD_COPY_FROM_LOCAL_DEVICE\", \"Permission\": \"ENABLED\"}]}]}\n",
    );
    let out = streamwarden(&["check", "--color", "never", path.to_str().unwrap()]);
    let text = stdout(&out);
    assert!(text.contains("fleet twin  ("), "{text}");
    assert!(text.contains("twins.json:2 /Fleets/0)"), "{text}");
    assert!(text.contains("twins.json:3 /Fleets/1)"), "{text}");
    assert_eq!(text.matches("fleet twin  (").count(), 2, "{text}");
    let summary = text.lines().last().unwrap();
    assert!(summary.contains(" on 2 of 2 fleets and "), "{summary}");
    assert!(summary.contains(" of 1 stack;"), "{summary}");

    let stacks_only = dir.write(
        "stack.json",
        "{\"Stacks\": [{\"Name\": \"s\", \"UserSettings\": \
         [{\"Action\": \"CLIPBOARD_COPY_FROM_LOCAL_DEVICE\", \"Permission\": \"ENABLED\"}]}]}",
    );
    let out = streamwarden(&["check", "--color", "never", stacks_only.to_str().unwrap()]);
    let text = stdout(&out);
    let summary = text.lines().last().unwrap();
    assert!(
        summary.contains(" on 0 of 0 fleets and 1 of 1 stack;"),
        "{text}"
    );
}
