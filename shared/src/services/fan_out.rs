//! Organisation mode: a scheduled run becomes one unit of work per governed (account,
//! region). With a queue (the deployed template), the run only sends one SQS message
//! per unit and the function consumes them, one per invocation, with partial batch
//! responses; without one (local runs, `cargo lambda watch`), the run works through them
//! itself a few at a time. Either way one account that fails never fails the others.

use super::failure::{Cause, Failure, Failures};
pub use crate::events::QueuedUnit;
use crate::org::{
    AccessError, FanOutMessage, MemberAccount, Members, QueueError, Work, WorkQueue, plan,
};
use futures_util::{StreamExt, stream};
use tracing::{error, info, warn};

/// Units worked through at once without a queue.
pub const CONCURRENCY: usize = 4;

/// A function's organisation mode: the governed accounts, the queue its scheduled run
/// fans out to (absent: worked through in the run), the regions of each account.
#[derive(Debug)]
pub struct Org<M, Q> {
    pub members: M,
    pub queue: Option<Q>,
    pub regions: Vec<String>,
}

/// The JSON a Lambda answers an SQS batch with: the records to deliver again.
pub fn batch_response(failed: &[String]) -> serde_json::Value {
    serde_json::json!({
        "batchItemFailures": failed
            .iter()
            .map(|id| serde_json::json!({ "itemIdentifier": id }))
            .collect::<Vec<_>>()
    })
}

/// Why a scheduled organisation run failed before any unit ran.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error("the governed accounts could not be listed: {0}")]
    Accounts(#[source] AccessError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

impl ScheduleError {
    pub fn error_type(&self) -> &'static str {
        match self {
            ScheduleError::Accounts(e) => e.error_type(),
            ScheduleError::Queue(e) => e.error_type(),
        }
    }
}

/// What a scheduled organisation run did.
#[derive(Debug, Default)]
pub struct Scheduled {
    pub accounts: Vec<MemberAccount>,
    /// Messages sent to the queue.
    pub sent: usize,
    /// Units worked through here (no queue), and the failures among them.
    pub worked: usize,
    pub failures: Failures,
}

/// Plans one unit per governed account and region; sends them to `queue`, or runs
/// `each` on them here.
pub async fn schedule<I, M, Q, F>(
    members: &M,
    queue: Option<&Q>,
    work: Work,
    regions: &[String],
    run: &str,
    scheduled: chrono::DateTime<chrono::Utc>,
    each: F,
) -> Result<Scheduled, ScheduleError>
where
    M: Members<I>,
    Q: WorkQueue,
    F: AsyncFn(&FanOutMessage) -> Result<(), Cause>,
{
    let accounts = members.accounts().await.map_err(ScheduleError::Accounts)?;
    let units = plan(work, &accounts, regions, run, scheduled);
    let mut done = Scheduled {
        accounts,
        ..Scheduled::default()
    };
    if let Some(queue) = queue {
        queue.send(&units).await?;
        done.sent = units.len();
        info!(
            work = work.as_str(),
            accounts = done.accounts.len(),
            messages = done.sent,
            "fan-out sent"
        );
        return Ok(done);
    }
    let results: Vec<(String, Result<(), Cause>)> = stream::iter(&units)
        .map(|unit| {
            let each = &each;
            async move { (unit.target().to_string(), each(unit).await) }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    done.worked = results.len();
    for (scope, result) in results {
        if let Err(cause) = result {
            done.failures.push(Failure::new(scope, cause));
        }
    }
    Ok(done)
}

/// Runs `each` on every record of a batch and returns the message IDs that failed, for
/// the partial batch response: SQS delivers those again, and after the queue's
/// maxReceiveCount moves them to the dead-letter queue (whose message attributes name
/// the account and region). A record that is not a fan-out message (poison) fails the
/// same way, and is logged with why.
pub async fn consume<F>(records: &[QueuedUnit], each: F) -> Vec<String>
where
    F: AsyncFn(&FanOutMessage) -> Result<(), Cause>,
{
    let mut failed = Vec::new();
    for record in records {
        let unit = match FanOutMessage::parse(&record.body) {
            Ok(unit) => unit,
            Err(e) => {
                error!(message_id = %record.message_id, error_type = "PoisonMessage", error = %e, "not a fan-out message: left to the dead-letter queue");
                failed.push(record.message_id.clone());
                continue;
            }
        };
        if let Err(cause) = each(&unit).await {
            warn!(
                message_id = %record.message_id,
                account = %unit.account,
                region = %unit.region,
                work = unit.work.as_str(),
                error_type = cause.error_type(),
                error = %cause,
                "unit failed: SQS delivers it again"
            );
            failed.push(record.message_id.clone());
        }
    }
    failed
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[tokio::test]
    async fn a_poison_record_and_a_failing_unit_are_reported_and_the_rest_run() {
        let good = |account: &str| {
            serde_json::json!({"work":"sweep","account":account,"region":"eu-west-1","run":"r","scheduled":"2026-11-30T07:00:00Z"}).to_string()
        };
        let records = vec![
            QueuedUnit {
                message_id: "m1".into(),
                body: good("111111111111"),
            },
            QueuedUnit {
                message_id: "m2".into(),
                body: "{\"hello\":1}".into(),
            },
            QueuedUnit {
                message_id: "m3".into(),
                body: good("222222222222"),
            },
            QueuedUnit {
                message_id: "m4".into(),
                body: good("333333333333"),
            },
        ];
        let ran = Mutex::new(Vec::new());
        let failed = consume(&records, async |unit: &FanOutMessage| {
            ran.lock().unwrap().push(unit.account.clone());
            if unit.account == "222222222222" {
                Err(Cause::Contended { attempts: 3 })
            } else {
                Ok(())
            }
        })
        .await;
        assert_eq!(failed, ["m2", "m3"]);
        assert_eq!(
            *ran.lock().unwrap(),
            ["111111111111", "222222222222", "333333333333"]
        );
    }
}
