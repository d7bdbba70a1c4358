//! `streamwarden sessions`: who used which fleet, when, from the session recorder's
//! table.

use crate::time_arg::parse_time;
use anyhow::{Context, bail};
use chrono::{DateTime, Duration, Utc};
use clap::{Args, ValueEnum};
use serde_json::{Value, json};
use std::process::ExitCode;
use streamwarden::aws::Aws;
use streamwarden::store::sessions::SessionRecord;
use streamwarden::store::{SessionQuery, SessionStore, SessionsOf, Target};
use streamwarden::terminal::escape;

#[derive(Args)]
#[command(group(clap::ArgGroup::new("of").required(true).args(["user", "fleet", "instance"])))]
pub struct SessionsArgs {
    /// Sessions of this user (the AppStream user ID, often an e-mail address), in every
    /// fleet and region.
    #[arg(long)]
    user: Option<String>,
    /// Sessions on this fleet (in --region).
    #[arg(long)]
    fleet: Option<String>,
    /// Sessions hosted by this instance (multi-session fleets; in --region).
    #[arg(long)]
    instance: Option<String>,
    /// Sessions running at or after this time: RFC 3339 (2026-11-27T08:00:00Z), a date
    /// (2026-11-27, midnight UTC), or an age (30m, 12h, 7d ago).
    #[arg(long, value_parser = parse_time)]
    since: Option<DateTime<Utc>>,
    /// Sessions started at or before this time (same forms as --since).
    #[arg(long, value_parser = parse_time)]
    until: Option<DateTime<Utc>>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// The Streamwarden table (the stack's TableName output).
    #[arg(long, env = "STREAMWARDEN_TABLE")]
    table: String,
    /// The fleet's region for --fleet and --instance; default: the region of the AWS
    /// configuration. The table is read in the AWS configuration's region.
    #[arg(long)]
    region: Option<String>,
    /// The fleet's account for --fleet and --instance (default: the table's account);
    /// with --user, only this account's sessions (default: every account's).
    #[arg(long, value_parser = parse_account)]
    account: Option<String>,
}

/// A 12-digit AWS account ID.
pub fn parse_account(text: &str) -> Result<String, String> {
    let text = text.trim();
    if streamwarden::org::is_account_id(text) {
        Ok(text.to_owned())
    } else {
        Err(format!("{text:?} is not an AWS account ID (12 digits)"))
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
    Csv,
}

pub fn run(args: &SessionsArgs) -> ExitCode {
    let runtime = match crate::runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    match runtime.block_on(list(args)) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            crate::print_error(&e);
            ExitCode::from(2)
        }
    }
}

async fn list(args: &SessionsArgs) -> anyhow::Result<String> {
    if let (Some(since), Some(until)) = (args.since, args.until)
        && since > until
    {
        bail!("--since ({since}) is after --until ({until})");
    }
    let aws = Aws::load().await;
    let region = || -> anyhow::Result<String> {
        match (&args.region, aws.region()) {
            (Some(r), _) => Ok(r.clone()),
            (None, Some(r)) => Ok(r),
            (None, None) => {
                bail!("no AWS region: pass --region or set AWS_REGION (or a profile's region)")
            }
        }
    };
    let store = aws.store(&args.table);
    let target = async || -> anyhow::Result<Target> {
        let account = match &args.account {
            Some(account) => account.clone(),
            None => store
                .account()
                .await
                .with_context(|| format!("reading the account of table {}", args.table))?,
        };
        Ok(Target::new(&account, &region()?))
    };
    let of = match (&args.user, &args.fleet, &args.instance) {
        (Some(user), _, _) => SessionsOf::User(user.clone()),
        (_, Some(fleet), _) => SessionsOf::Fleet {
            target: target().await?,
            fleet: fleet.clone(),
        },
        (_, _, Some(instance)) => SessionsOf::Instance {
            target: target().await?,
            instance: instance.clone(),
        },
        _ => bail!("pass --user, --fleet or --instance"),
    };
    let query = SessionQuery {
        of,
        since: args.since,
        until: args.until,
    };
    let mut records = store
        .sessions(&query)
        .await
        .with_context(|| format!("reading sessions from table {}", args.table))?;
    if let (SessionsOf::User(_), Some(account)) = (&query.of, &args.account) {
        records.retain(|r| &r.account == account);
    }
    // An open session was seen by every run that read its fleet since its last change:
    // the recorder's bookkeeping says when that was.
    let targets: std::collections::BTreeSet<Target> = records
        .iter()
        .filter(|r| r.is_open())
        .map(SessionRecord::target)
        .collect();
    for target in targets {
        let Some(state) = store
            .recorder_state(&target)
            .await
            .with_context(|| format!("reading the recorder state from table {}", args.table))?
        else {
            continue;
        };
        for r in records
            .iter_mut()
            .filter(|r| r.is_open() && r.target() == target)
        {
            if state.fleets.contains(&r.fleet) {
                r.last_seen = r.last_seen.max(state.fleet_read_at(&r.fleet));
            }
        }
    }
    Ok(match args.format {
        Format::Text => text(&query, &records),
        Format::Json => {
            let mut out = serde_json::to_string_pretty(&json(&records))?;
            out.push('\n');
            out
        }
        Format::Csv => csv(&records),
    })
}

/// A record without the table's keys: what a person or a script wants.
fn public(record: &SessionRecord) -> Value {
    let mut value = serde_json::to_value(record).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.retain(|k, _| !(k == "PK" || k == "SK" || k.starts_with("GSI") || k == "ttl"));
        map.insert("open".to_owned(), Value::Bool(record.is_open()));
    }
    value
}

fn json(records: &[SessionRecord]) -> Value {
    json!({ "sessions": records.iter().map(public).collect::<Vec<_>>() })
}

fn time(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

const CSV_COLUMNS: [&str; 17] = [
    "session_id",
    "user_id",
    "account",
    "region",
    "fleet",
    "stack",
    "authentication_type",
    "instance_id",
    "start_time",
    "first_seen",
    "last_seen",
    "ended_after",
    "ended_before",
    "state",
    "connection_state",
    "open",
    "changes",
];

fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

fn csv(records: &[SessionRecord]) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push_str("\r\n");
    for r in records {
        let changes = r
            .changes
            .iter()
            .map(|c| {
                format!(
                    "{} {}{}",
                    time(Some(c.seen)),
                    c.state,
                    c.connection_state
                        .as_ref()
                        .map(|s| format!("/{s}"))
                        .unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let row = [
            r.session_id.clone(),
            r.user_id.clone(),
            r.account.clone(),
            r.region.clone(),
            r.fleet.clone(),
            r.stack.clone(),
            r.authentication_type.clone().unwrap_or_default(),
            r.instance_id.clone().unwrap_or_default(),
            time(r.start_time),
            time(Some(r.first_seen)),
            time(Some(r.last_seen)),
            time(r.ended_after),
            time(r.ended_before),
            r.state.clone(),
            r.connection_state.clone().unwrap_or_default(),
            r.is_open().to_string(),
            changes,
        ];
        out.push_str(
            &row.iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    out
}

fn short(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

fn text(query: &SessionQuery, records: &[SessionRecord]) -> String {
    let what = match &query.of {
        SessionsOf::User(u) => format!("user {u}"),
        SessionsOf::Fleet { target, fleet } => format!(
            "fleet {fleet} ({}, account {})",
            target.region, target.account
        ),
        SessionsOf::Instance { target, instance } => format!(
            "instance {instance} ({}, account {})",
            target.region, target.account
        ),
    };
    let range = match (query.since, query.until) {
        (None, None) => String::new(),
        (since, until) => format!(
            ", {} to {}",
            since.map_or("the start".to_owned(), short),
            until.map_or("now".to_owned(), short)
        ),
    };
    let what = escape(&what);
    let mut out = format!(
        "{} of {what}{range} (times UTC)\n",
        match records.len() {
            1 => "1 session".to_owned(),
            n => format!("{n} sessions"),
        }
    );
    if records.is_empty() {
        return out;
    }
    let rows: Vec<[String; 7]> = records
        .iter()
        .map(|r| {
            let ended = match (r.ended_after, r.ended_before) {
                (Some(a), Some(b)) => format!("{} .. {}", short(a), short(b)),
                _ => format!("open, last seen {}", short(r.last_seen)),
            };
            let duration = match r.duration_bounds() {
                Some((least, most)) => format!("{}..{}", minutes(least), minutes(most)),
                None => format!(">= {}", minutes(r.last_seen - r.began())),
            };
            [
                short(r.began()),
                ended,
                duration,
                r.user_id.clone(),
                format!("{}/{}", r.fleet, r.stack),
                r.authentication_type.clone().unwrap_or_default(),
                format!(
                    "{}{}",
                    r.session_id,
                    r.instance_id
                        .as_ref()
                        .map(|i| format!(" on {i}"))
                        .unwrap_or_default()
                ),
            ]
        })
        // Names and IDs come from the table, written from AppStream's answers.
        .map(|row| row.map(|cell| escape(&cell).into_owned()))
        .collect();
    let header = [
        "STARTED",
        "ENDED (between)",
        "DURATION",
        "USER",
        "FLEET/STACK",
        "AUTH",
        "SESSION",
    ];
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut line = |cells: Vec<&str>| {
        let mut l = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                l.push_str(cell);
            } else {
                l.push_str(&format!("{cell:<width$}  ", width = widths[i]));
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(header.to_vec());
    for row in &rows {
        line(row.iter().map(String::as_str).collect());
    }
    out.push_str(
        "An end is known only between the last run that saw the session and the first that did not.\n",
    );
    out
}

fn minutes(d: Duration) -> String {
    let m = d.num_minutes().max(0);
    if m >= 60 {
        format!("{}h{:02}m", m / 60, m % 60)
    } else {
        format!("{m}m")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_quoting() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
