//! Hostile input: every argument and every file gets a clean answer (exit 0, 1 or 2 and a
//! message), never a panic, a hang or a terminal escape from the input.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{stderr, streamwarden};

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
