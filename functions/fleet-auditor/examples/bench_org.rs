//! Organisation benchmark (issue 16): a generated organisation (100 accounts x 3 regions
//! x 10 fleets and 10 stacks by default) in the AppStream simulator, moto for DynamoDB,
//! SNS and SQS, and the sweep through the local fan-out: the scheduled run sends one
//! message per (account, region) to an SQS queue (`fan_out::schedule` with `FanOutQueue`),
//! then the messages are consumed the way Lambda's event source mapping does with
//! BatchSize 1: `CONCURRENCY` invocations at once (MaximumConcurrency), each receiving
//! one record, running `fan_out::consume` with the unit the fleet-auditor runs
//! (`Members::inventory` + `FleetAuditor::sweep_one`; the session-recorder's
//! `SessionRecorder::run_one` for the poll), and deleting the message on success.
//!
//! `scripts/bench-org.sh` builds and runs it. Without arguments it orchestrates: it
//! starts the stack in process (harness `LocalStack`, with the `DynamoProxy` in front of
//! moto's DynamoDB to count requests), generates the accounts, creates the queues, and
//! runs each phase in a child process of its own (`drain sweep|poll`), configured only by
//! the standard variables, as the function is. Between phases it reads the simulator's
//! call log and STS counters and the proxy's counters. Last it runs single units
//! (`unit sweep|poll ACCOUNT REGION`) under `/usr/bin/time -v` for their peak RSS.
//!
//! Every concurrent consumer is an execution environment of its own: its own
//! `MemberAccess` (credential cache) and service, so AssumeRole counts are what N warm
//! Lambda environments would make. They run in one process, on one thread
//! (`join_all`), which is not how Lambda runs them: the wall time is a local figure.
//!
//! Environment: `ACCOUNTS` (100), `FLEETS` (10), `STACKS` (10), `REGIONS`
//! (us-east-1,eu-west-1,ap-southeast-2), `CONCURRENCY` (5,20: one first and one
//! unchanged sweep per value, each on a fresh table), `POLL` (1: the session poll too).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use chrono::Utc;
use futures_util::future::join_all;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use streamwarden::aws::{AppStreamInventory, Aws, DynamoStore, MemberAccess, SnsPublisher};
use streamwarden::config::Config;
use streamwarden::events::QueuedUnit;
use streamwarden::org::{FanOutMessage, Members, Work};
use streamwarden::services::failure::Cause;
use streamwarden::services::fan_out::{consume, schedule};
use streamwarden::services::fleet_auditor::FleetAuditor;
use streamwarden::services::session_recorder::SessionRecorder;
use streamwarden::store::TriggerRecord;
use streamwarden_harness::appstream_sim::generate::Generate;
use streamwarden_harness::{LocalStack, StackOptions, create_table};

const ROLE: &str = "StreamwardenMember";
const HOME_REGION: &str = "us-east-1";
/// A phase that has not emptied its queue by then is reported as unfinished.
const DEADLINE: Duration = Duration::from_secs(1800);

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .map_or(default, |v| v.parse().expect("a number"))
}

// ---- the child processes: what the functions run ----

type Auditor = FleetAuditor<AppStreamInventory, DynamoStore, SnsPublisher>;
type Recorder = SessionRecorder<AppStreamInventory, DynamoStore, SnsPublisher>;

/// One execution environment: its own member access (credential cache) and service.
struct Environment {
    members: MemberAccess,
    service: Service,
}

enum Service {
    Sweep(Box<Auditor>),
    Poll(Box<Recorder>),
}

impl Environment {
    fn new(aws: &Aws, config: &Config, work: Work) -> Self {
        let function = match work {
            Work::Sweep => "fleet-auditor",
            Work::Poll => "session-recorder",
        };
        let members = aws.members(
            &config.home_account,
            config.accounts.clone(),
            config.member_role.clone(),
            function,
        );
        let inventories = aws.inventories(&config.regions);
        let store = aws.store(&config.table);
        let publisher = aws.publisher(&config.topic_arn);
        let policy = config.policy.clone();
        let service = match work {
            Work::Sweep => Service::Sweep(Box::new(
                FleetAuditor::new(inventories, store, publisher, policy, config.retention_days)
                    .governing_members(),
            )),
            Work::Poll => Service::Poll(Box::new(
                SessionRecorder::new(inventories, store, publisher, policy, config.retention_days)
                    .governing_members(),
            )),
        };
        Environment { members, service }
    }

    /// The unit the function runs for one SQS record (its handler's `sweep_unit` /
    /// `poll_unit`); counts the state commits.
    async fn unit(&self, unit: &FanOutMessage, commits: &AtomicUsize) -> Result<(), Cause> {
        let target = unit.target();
        let inventory = self.members.inventory(&target).await?;
        let trigger = TriggerRecord::schedule(unit.run.clone(), unit.scheduled);
        let n = match &self.service {
            Service::Sweep(auditor) => {
                Box::pin(auditor.sweep_one(&inventory, &target, &trigger, Utc::now()))
                    .await?
                    .commits
            }
            Service::Poll(recorder) => {
                let outcome =
                    Box::pin(recorder.run_one(&inventory, &target, &trigger, Utc::now())).await?;
                outcome.opened + outcome.changed + outcome.closed
            }
        };
        commits.fetch_add(n, Ordering::Relaxed);
        Ok(())
    }
}

struct Drain {
    sqs: aws_sdk_sqs::Client,
    url: String,
    expected: usize,
    deleted: AtomicUsize,
    invocations: AtomicUsize,
    failed: AtomicUsize,
    commits: AtomicUsize,
    durations: Mutex<Vec<f64>>,
    started: Instant,
}

impl Drain {
    /// One execution environment taking one record at a time until the queue is done.
    async fn consumer(&self, environment: Environment) {
        while self.deleted.load(Ordering::SeqCst) < self.expected
            && self.started.elapsed() < DEADLINE
        {
            let out = self
                .sqs
                .receive_message()
                .queue_url(&self.url)
                .max_number_of_messages(1)
                .wait_time_seconds(1)
                .send()
                .await
                .expect("ReceiveMessage");
            let Some(message) = out.messages.and_then(|m| m.into_iter().next()) else {
                continue;
            };
            self.invocations.fetch_add(1, Ordering::SeqCst);
            let record = QueuedUnit {
                message_id: message.message_id.clone().unwrap_or_default(),
                body: message.body.clone().unwrap_or_default(),
            };
            let began = Instant::now();
            let failed = consume(
                std::slice::from_ref(&record),
                async |unit: &FanOutMessage| environment.unit(unit, &self.commits).await,
            )
            .await;
            self.durations
                .lock()
                .unwrap()
                .push(began.elapsed().as_secs_f64());
            if failed.is_empty() {
                self.sqs
                    .delete_message()
                    .queue_url(&self.url)
                    .set_receipt_handle(message.receipt_handle)
                    .send()
                    .await
                    .expect("DeleteMessage");
                self.deleted.fetch_add(1, Ordering::SeqCst);
            } else {
                self.failed.fetch_add(1, Ordering::SeqCst);
            }
        }
    }
}

/// `drain sweep|poll`: the scheduled invocation, then the queue drained by
/// `BENCH_CONCURRENCY` consumers. Prints a JSON summary.
async fn drain(work: Work) {
    let config = Config::from_env().expect("configuration");
    let aws = Aws::load().await;
    let concurrency = env_usize("BENCH_CONCURRENCY", 5);
    let url = match work {
        Work::Sweep => config.sweep_queue_url.clone(),
        Work::Poll => config.poll_queue_url.clone(),
    }
    .expect("the queue's URL");
    let scheduler = Environment::new(&aws, &config, work);
    let queue = aws.queue(&url);
    let started = Instant::now();
    let run = format!("bench-{}", Utc::now().timestamp_millis());
    let done = schedule::<AppStreamInventory, _, _, _>(
        &scheduler.members,
        Some(&queue),
        work,
        &config.regions,
        &run,
        Utc::now(),
        async |_: &FanOutMessage| -> Result<(), Cause> { unreachable!("a queue is given") },
    )
    .await
    .expect("the scheduled run");
    let scheduled = started.elapsed().as_secs_f64();
    let drain = Drain {
        sqs: aws_sdk_sqs::Client::new(aws.sdk_config()),
        url,
        expected: done.sent,
        deleted: AtomicUsize::new(0),
        invocations: AtomicUsize::new(0),
        failed: AtomicUsize::new(0),
        commits: AtomicUsize::new(0),
        durations: Mutex::new(Vec::new()),
        started,
    };
    join_all((0..concurrency).map(|_| drain.consumer(Environment::new(&aws, &config, work)))).await;
    let wall = started.elapsed().as_secs_f64();
    let mut durations = drain.durations.into_inner().unwrap();
    durations.sort_by(f64::total_cmp);
    let at = |q: f64| durations[((durations.len() - 1) as f64 * q).round() as usize];
    println!(
        "{}",
        json!({
            "accounts": done.accounts.len(),
            "sent": done.sent,
            "schedule_s": scheduled,
            "wall_s": wall,
            "invocations": drain.invocations.into_inner(),
            "deleted": drain.deleted.into_inner(),
            "failed": drain.failed.into_inner(),
            "commits": drain.commits.into_inner(),
            "unit_s": {"min": at(0.0), "median": at(0.5), "p90": at(0.9), "max": at(1.0),
                       "mean": durations.iter().sum::<f64>() / durations.len() as f64},
        })
    );
}

/// `unit sweep|poll ACCOUNT REGION`: one unit, alone in its process (for its peak RSS).
async fn unit(work: Work, account: &str, region: &str) {
    let config = Config::from_env().expect("configuration");
    let aws = Aws::load().await;
    let environment = Environment::new(&aws, &config, work);
    let message = FanOutMessage::parse(
        &json!({"work": work.as_str(), "account": account, "region": region,
                "run": "bench-unit", "scheduled": Utc::now()})
        .to_string(),
    )
    .expect("a fan-out message");
    let commits = AtomicUsize::new(0);
    let began = Instant::now();
    environment
        .unit(&message, &commits)
        .await
        .expect("the unit");
    println!(
        "{}",
        json!({"commits": commits.into_inner(), "unit_s": began.elapsed().as_secs_f64()})
    );
}

// ---- the orchestrator ----

struct Orchestra {
    stack: LocalStack,
    ids: Vec<String>,
    regions: String,
    sweep_queue: String,
    poll_queue: String,
}

impl Orchestra {
    /// `program` with the stack's variables and the organisation's.
    fn child(&self, table: &str, program: impl AsRef<OsStr>) -> Command {
        let mut command = self.stack.command(program);
        command
            .env("STREAMWARDEN_TABLE", table)
            .env("STREAMWARDEN_REGIONS", &self.regions)
            .env("STREAMWARDEN_ACCOUNTS", self.ids.join(","))
            .env("STREAMWARDEN_MEMBER_ROLE", ROLE)
            .env("STREAMWARDEN_SWEEP_QUEUE_URL", &self.sweep_queue)
            .env("STREAMWARDEN_POLL_QUEUE_URL", &self.poll_queue)
            .env("RUST_LOG", "error");
        command
    }

    async fn items(&self, table: &str) -> i32 {
        let mut total = 0;
        let mut start = None;
        loop {
            let out = self
                .stack
                .dynamodb()
                .scan()
                .table_name(table)
                .select(aws_sdk_dynamodb::types::Select::Count)
                .set_exclusive_start_key(start)
                .send()
                .await
                .expect("Scan");
            total += out.count;
            start = out.last_evaluated_key;
            if start.is_none() {
                return total;
            }
        }
    }

    /// One phase in its own process; what it cost, from the simulator and the proxy.
    async fn phase(&self, label: &str, work: Work, table: &str, concurrency: usize) -> Value {
        let sim = self.stack.sim();
        sim.clear_calls();
        sim.clear_sts_counts();
        let proxy = self.stack.ddb_proxy().unwrap();
        let before = proxy.stats();
        let items_before = self.items(table).await;
        let out = self
            .child(table, std::env::current_exe().unwrap())
            .env("BENCH_CONCURRENCY", concurrency.to_string())
            .args(["drain", work.as_str()])
            .output()
            .expect("the phase's process");
        assert!(
            out.status.success(),
            "{label}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut summary: Value = serde_json::from_slice(&out.stdout).expect("the phase's JSON");
        let after = proxy.stats();
        let mut ddb = BTreeMap::new();
        for (op, n) in &after.requests {
            let n = n - before.requests_for(op);
            if n > 0 {
                ddb.insert(op.clone(), n);
            }
        }
        let calls = sim.calls();
        let mut per_account: BTreeMap<&str, usize> = BTreeMap::new();
        let mut by_op: BTreeMap<&str, usize> = BTreeMap::new();
        for call in &calls {
            *per_account.entry(call.account.as_str()).or_default() += 1;
            *by_op.entry(call.operation.as_str()).or_default() += 1;
        }
        let counts: Vec<usize> = per_account.values().copied().collect();
        let sts = sim.sts_counts();
        let assumed: Vec<u64> = sts["AssumeRole"]
            .as_object()
            .map(|m| m.values().filter_map(Value::as_u64).collect())
            .unwrap_or_default();
        summary["phase"] = json!(label);
        summary["concurrency"] = json!(concurrency);
        summary["appstream"] = json!({
            "calls": calls.len(),
            "errors": calls.iter().filter(|c| c.error.is_some()).count(),
            "accounts": per_account.len(),
            "per_account_min": counts.iter().min(),
            "per_account_max": counts.iter().max(),
            "by_operation": by_op,
        });
        summary["sts"] = json!({
            "assume_role": assumed.iter().sum::<u64>(),
            "per_account_max": assumed.iter().max(),
            "get_caller_identity": sts["GetCallerIdentity"],
        });
        summary["dynamodb"] = json!({
            "requests": ddb,
            "items_before": items_before,
            "items_after": self.items(table).await,
        });
        println!("{}", serde_json::to_string(&summary).unwrap());
        summary
    }

    /// One unit in its own process under `/usr/bin/time -v`: peak RSS (KiB) and wall.
    fn rss(&self, label: &str, work: Work, table: &str) -> Value {
        let out = self
            .child(table, "/usr/bin/time")
            .arg("-v")
            .arg(std::env::current_exe().unwrap())
            .args(["unit", work.as_str(), &self.ids[0], HOME_REGION])
            .output()
            .expect("/usr/bin/time");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{label}: {stderr}");
        let rss_kib: u64 = stderr
            .lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix("Maximum resident set size (kbytes): ")
            })
            .and_then(|v| v.trim().parse().ok())
            .expect("/usr/bin/time -v's maximum resident set size");
        let mut summary: Value = serde_json::from_slice(&out.stdout).expect("the unit's JSON");
        summary["phase"] = json!(label);
        summary["peak_rss_mib"] = json!(rss_kib as f64 / 1024.0);
        println!("{}", serde_json::to_string(&summary).unwrap());
        summary
    }
}

async fn orchestrate() {
    let regions: Vec<String> = env("REGIONS", "us-east-1,eu-west-1,ap-southeast-2")
        .split(',')
        .map(str::to_owned)
        .collect();
    let stack = LocalStack::start_with(StackOptions {
        region: HOME_REGION.to_owned(),
        ddb_fault_proxy: true,
        ..StackOptions::default()
    })
    .await;
    let generate = Generate {
        accounts: env_usize("ACCOUNTS", 100),
        regions: regions.clone(),
        fleets: env_usize("FLEETS", 10),
        stacks: env_usize("STACKS", 10),
        role_name: Some(ROLE.to_owned()),
        ..Generate::default()
    };
    stack
        .sim()
        .add_accounts(&generate.accounts().unwrap())
        .unwrap();
    let sqs = aws_sdk_sqs::Client::new(&stack.sdk_config());
    let mut queues = Vec::new();
    for name in ["sweep", "poll"] {
        let out = sqs
            .create_queue()
            .queue_name(name)
            .attributes(
                aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout,
                "60",
            )
            .send()
            .await
            .expect("CreateQueue");
        queues.push(out.queue_url.unwrap());
    }
    let orchestra = Orchestra {
        ids: generate.ids().unwrap(),
        regions: regions.join(","),
        sweep_queue: queues[0].clone(),
        poll_queue: queues[1].clone(),
        stack,
    };
    println!(
        "{}",
        json!({"accounts": orchestra.ids.len(), "regions": regions,
               "fleets": generate.fleets, "stacks": generate.stacks})
    );
    let db = aws_sdk_dynamodb::Client::new(
        &orchestra
            .stack
            .ddb_proxy()
            .unwrap()
            .sdk_config(&orchestra.stack.sdk_config()),
    );
    let concurrencies: Vec<usize> = env("CONCURRENCY", "5,20")
        .split(',')
        .map(|c| c.parse().expect("a number"))
        .collect();
    for (i, &c) in concurrencies.iter().enumerate() {
        let table = if i == 0 {
            orchestra.stack.table().to_owned()
        } else {
            let table = format!("sweep-{c}");
            create_table(&db, &table).await;
            table
        };
        orchestra
            .phase("sweep, first", Work::Sweep, &table, c)
            .await;
        orchestra
            .phase("sweep, unchanged", Work::Sweep, &table, c)
            .await;
    }
    let first = concurrencies[0];
    if env_usize("POLL", 1) == 1 {
        let table = orchestra.stack.table().to_owned();
        orchestra
            .phase("poll, first", Work::Poll, &table, first)
            .await;
        orchestra
            .phase("poll, unchanged", Work::Poll, &table, first)
            .await;
    }
    create_table(&orchestra.stack.dynamodb(), "rss").await;
    orchestra.rss("one sweep unit, first", Work::Sweep, "rss");
    orchestra.rss("one sweep unit, unchanged", Work::Sweep, "rss");
    orchestra.rss("one poll unit, first", Work::Poll, "rss");
    orchestra.rss("one poll unit, unchanged", Work::Poll, "rss");
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let work = |name: &str| match name {
        "sweep" => Work::Sweep,
        "poll" => Work::Poll,
        other => panic!("sweep or poll, not {other}"),
    };
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => orchestrate().await,
        ["drain", w] => drain(work(w)).await,
        ["unit", w, account, region] => unit(work(w), account, region).await,
        _ => panic!("usage: bench_org [drain sweep|poll | unit sweep|poll ACCOUNT REGION]"),
    }
}
