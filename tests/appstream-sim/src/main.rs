//! `appstream-sim` command: runs the AppStream simulator until SIGINT or SIGTERM.
//!
//! Prints `appstream-sim listening on http://127.0.0.1:PORT` on stdout once it accepts
//! connections, and writes the same URL to `--port-file` when given.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use appstream_sim::generate::Generate;
use appstream_sim::{FaultRule, Scenario, SimConfig, Simulator};
use clap::Parser;

/// Local simulator of the Amazon AppStream 2.0 API (RPC v2 CBOR and awsJson1_1).
#[derive(Debug, Parser)]
#[command(name = "appstream-sim", version)]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Scenario file (JSON); an empty account when omitted.
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// Page size of one operation, e.g. DescribeFleets=2 (repeatable).
    #[arg(long = "page-size", value_name = "OP=N")]
    page_sizes: Vec<String>,
    /// Throttle every Nth AppStream call.
    #[arg(long, value_name = "N")]
    throttle_every: Option<u64>,
    /// Throttle AppStream calls at this rate (0.0-1.0, seeded by --fault-seed).
    #[arg(long, value_name = "RATE")]
    throttle_rate: Option<f64>,
    /// Answer every Nth AppStream call with a 5xx error.
    #[arg(long, value_name = "N")]
    error_every: Option<u64>,
    /// Answer AppStream calls with a 5xx error at this rate (0.0-1.0).
    #[arg(long, value_name = "RATE")]
    error_rate: Option<f64>,
    /// Status of injected server errors.
    #[arg(long, value_name = "STATUS")]
    error_status: Option<u16>,
    /// Milliseconds added to every AppStream call.
    #[arg(long, value_name = "MS")]
    latency_ms: Option<u64>,
    /// Seed for rate-based faults.
    #[arg(long, value_name = "SEED")]
    fault_seed: Option<u64>,
    /// Limit faults to this operation (repeatable).
    #[arg(long = "fault-operation", value_name = "OP")]
    fault_operations: Vec<String>,
    /// Limit faults to calls about this fleet (repeatable).
    #[arg(long = "fault-fleet", value_name = "NAME")]
    fault_fleets: Vec<String>,
    /// Limit faults to calls answered by this account.
    #[arg(long, value_name = "ACCOUNT")]
    fault_account: Option<String>,
    /// Limit faults to calls answered in this region.
    #[arg(long, value_name = "REGION")]
    fault_region: Option<String>,
    /// Generate this many accounts (ids 100000000001, ...) next to the scenario's.
    #[arg(long, value_name = "N", default_value_t = 0)]
    generate_accounts: usize,
    /// Regions of each generated account (comma-separated).
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "us-east-1,eu-west-1,ap-southeast-2"
    )]
    generate_regions: Vec<String>,
    /// Fleets per generated account and region.
    #[arg(long, value_name = "N", default_value_t = 10)]
    generate_fleets: usize,
    /// Stacks per generated account and region.
    #[arg(long, value_name = "N", default_value_t = 10)]
    generate_stacks: usize,
    /// The role every generated account declares.
    #[arg(long, value_name = "NAME", default_value = "StreamwardenMember")]
    generate_role: String,
    /// File to write the listening URL to.
    #[arg(long, value_name = "PATH")]
    port_file: Option<PathBuf>,
    /// Log level on stderr (error, warn, info, debug, trace). Parameters, which may
    /// hold user ids, are only logged at debug.
    #[arg(long, default_value = "info")]
    log_level: tracing::Level,
}

fn parse_page_size(spec: &str) -> Result<(String, usize)> {
    let Some((op, n)) = spec.split_once('=') else {
        bail!("--page-size expects OP=N, got {spec:?}");
    };
    let n: usize = n
        .trim()
        .parse()
        .with_context(|| format!("--page-size {spec:?}: N must be a positive integer"))?;
    if n == 0 {
        bail!("--page-size {spec:?}: N must be at least 1");
    }
    Ok((op.trim().to_owned(), n))
}

fn config(args: &Args) -> Result<SimConfig> {
    let page_sizes = args
        .page_sizes
        .iter()
        .map(|s| parse_page_size(s))
        .collect::<Result<BTreeMap<_, _>>>()?;
    let rule = FaultRule {
        throttle_every: args.throttle_every,
        throttle_rate: args.throttle_rate,
        error_every: args.error_every,
        error_rate: args.error_rate,
        error_status: args.error_status,
        latency_ms: args.latency_ms,
        seed: args.fault_seed,
        operations: args.fault_operations.clone(),
        fleets: args.fault_fleets.clone(),
        account: args.fault_account.clone(),
        region: args.fault_region.clone(),
    };
    let faults = if rule.is_empty() {
        Vec::new()
    } else {
        vec![rule]
    };
    Ok(SimConfig {
        listen: args.listen,
        page_sizes,
        faults,
    })
}

fn write_port_file(path: &PathBuf, url: &str) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, format!("{url}\n"))
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _interrupted = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _interrupted = tokio::signal::ctrl_c().await;
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(args.log_level)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
    let mut scenario = match &args.scenario {
        Some(path) => Scenario::from_file(path)?,
        None => Scenario::empty(),
    };
    if args.generate_accounts > 0 {
        let generated = Generate {
            accounts: args.generate_accounts,
            regions: args.generate_regions.clone(),
            fleets: args.generate_fleets,
            stacks: args.generate_stacks,
            role_name: Some(args.generate_role.clone()),
            ..Generate::default()
        };
        scenario.accounts.extend(generated.accounts()?);
    }
    let handle = Simulator::start(scenario, config(&args)?).await?;
    let url = handle.url();
    if let Some(path) = &args.port_file {
        write_port_file(path, &url)?;
    }
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "appstream-sim listening on {url}")?;
    stdout.flush()?;
    drop(stdout);
    stop_signal().await;
    tracing::info!("shutting down");
    handle.shutdown().await;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn page_size_flags() {
        assert_eq!(
            parse_page_size("DescribeFleets=2").unwrap(),
            ("DescribeFleets".to_owned(), 2)
        );
        assert!(parse_page_size("DescribeFleets").is_err());
        assert!(parse_page_size("DescribeFleets=0").is_err());
        assert!(parse_page_size("DescribeFleets=x").is_err());
    }

    #[test]
    fn fault_flags_make_one_rule() {
        let args = Args::parse_from([
            "appstream-sim",
            "--throttle-every",
            "2",
            "--fault-fleet",
            "f",
            "--page-size",
            "DescribeSessions=3",
        ]);
        let cfg = config(&args).unwrap();
        assert_eq!(cfg.faults.len(), 1);
        assert_eq!(cfg.faults[0].throttle_every, Some(2));
        assert_eq!(cfg.faults[0].fleets, ["f"]);
        assert_eq!(cfg.page_sizes["DescribeSessions"], 3);
        let none = config(&Args::parse_from(["appstream-sim"])).unwrap();
        assert!(none.faults.is_empty());
    }
}
