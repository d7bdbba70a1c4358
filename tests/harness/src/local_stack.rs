//! The whole local stack a function or the CLI runs against, in one fixture.

use std::ffi::OsStr;
use std::process::Command;

use appstream_sim::{Scenario, Sim, SimConfig};
use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Value, json};

use crate::{
    ACCESS_KEY_ID, AppStream, DynamoProxy, Inbox, Moto, Queue, REGION, SECRET_ACCESS_KEY,
    client_config, create_table,
};

/// The table name a [`LocalStack`] uses unless told otherwise.
pub const TABLE: &str = "streamwarden";
/// The SNS topic name a [`LocalStack`] uses unless told otherwise.
pub const TOPIC: &str = "alerts";

/// Variables of the test process that would point a child process elsewhere;
/// [`LocalStack::command`] removes them.
const REMOVED_ENV: &[&str] = &[
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
];

/// Everything a Streamwarden function or the CLI talks to, on free ports of 127.0.0.1,
/// in one region: the AppStream simulator on a scenario; moto server (DynamoDB, SNS, SQS)
/// with the table of `template.yaml`, an SNS topic and an SQS queue subscribed to it
/// ([`inbox`](Self::inbox)); optionally a [`DynamoProxy`] in front of moto's DynamoDB.
///
/// In-process code gets SDK configurations and clients; a child process gets the
/// standard variables ([`env`](Self::env), [`command`](Self::command)), as a deployed
/// function gets them from its template. Dropping the stack stops every part.
///
/// ```no_run
/// # async fn demo() {
/// use streamwarden_harness::{LocalStack, StackOptions};
/// let stack = LocalStack::start_with(StackOptions {
///     region: "eu-west-1".into(),
///     scenario: serde_json::json!({"Fleets": [{"Name": "kiosk", "State": "RUNNING"}]}),
///     ..StackOptions::default()
/// })
/// .await;
/// let out = stack.command("streamwarden").args(["audit"]).output();
/// let alerts = stack.inbox().receive_all(std::time::Duration::from_secs(2)).await;
/// # }
/// ```
#[derive(Debug)]
pub struct LocalStack {
    // Dropped in this order: the proxy before the moto it forwards to.
    proxy: Option<DynamoProxy>,
    inbox: Inbox,
    moto: Moto,
    appstream: AppStream,
    region: String,
    table: String,
    topic_arn: String,
}

/// What [`LocalStack::start_with`] starts; `..StackOptions::default()` for the rest.
#[derive(Debug, Clone)]
pub struct StackOptions {
    /// The region of every part and of `AWS_REGION`; default `us-east-1`.
    pub region: String,
    /// The simulator's scenario as JSON; default an empty account.
    pub scenario: Value,
    /// The simulator's page sizes and faults; default none.
    pub sim_config: SimConfig,
    /// The table's name (`STREAMWARDEN_TABLE`); default `streamwarden`.
    pub table: String,
    /// `false` names the table in [`LocalStack::env`] without creating it: an account
    /// where the stack was never deployed. Default `true`.
    pub create_table: bool,
    /// The topic's name; default `alerts`.
    pub topic: String,
    /// Puts a [`DynamoProxy`] between the code under test and moto (see
    /// [`LocalStack::dynamodb_under_test`]); the table is created through it, before any
    /// fault is armed. Default `false`.
    pub ddb_fault_proxy: bool,
}

impl Default for StackOptions {
    fn default() -> Self {
        StackOptions {
            region: REGION.to_owned(),
            scenario: json!({}),
            sim_config: SimConfig::default(),
            table: TABLE.to_owned(),
            create_table: true,
            topic: TOPIC.to_owned(),
            ddb_fault_proxy: false,
        }
    }
}

impl LocalStack {
    /// Starts the default stack ([`StackOptions::default`]).
    pub async fn start() -> LocalStack {
        Self::start_with(StackOptions::default()).await
    }

    /// Starts the stack `options` describe.
    ///
    /// # Panics
    /// When a part does not start or a set-up call fails; the message says which.
    pub async fn start_with(options: StackOptions) -> LocalStack {
        let scenario = Scenario::from_json(options.scenario)
            .unwrap_or_else(|e| panic!("LocalStack: AppStream scenario: {e}"));
        let appstream = AppStream::start_with(scenario, options.sim_config);
        let moto = Moto::start();
        let proxy = options
            .ddb_fault_proxy
            .then(|| DynamoProxy::start(moto.url()));
        let config = client_config(moto.url(), &options.region);
        if options.create_table {
            let db = match &proxy {
                Some(proxy) => proxy.sdk_config(&config),
                None => config.clone(),
            };
            create_table(&aws_sdk_dynamodb::Client::new(&db), &options.table).await;
        }
        let topic = aws_sdk_sns::Client::new(&config)
            .create_topic()
            .name(&options.topic)
            .send()
            .await
            .unwrap_or_else(|e| panic!("LocalStack: CreateTopic {} failed: {e:?}", options.topic));
        let Some(topic_arn) = topic.topic_arn else {
            panic!("LocalStack: CreateTopic {} gave no TopicArn", options.topic);
        };
        LocalStack {
            inbox: Inbox::subscribe(&config, &topic_arn).await,
            proxy,
            moto,
            appstream,
            region: options.region,
            table: options.table,
            topic_arn,
        }
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The alert topic's ARN.
    pub fn topic_arn(&self) -> &str {
        &self.topic_arn
    }

    /// The SQS queue subscribed to the topic: what alert subscribers receive.
    pub fn inbox(&self) -> &Inbox {
        &self.inbox
    }

    /// The moto server.
    pub fn moto(&self) -> &Moto {
        &self.moto
    }

    /// The AppStream simulator.
    pub fn appstream(&self) -> &AppStream {
        &self.appstream
    }

    /// In-process access to the simulator's state (fleets, sessions, faults, call log).
    pub fn sim(&self) -> &Sim {
        self.appstream.sim()
    }

    /// The fault proxy, when [`StackOptions::ddb_fault_proxy`] asked for one.
    pub fn ddb_proxy(&self) -> Option<&DynamoProxy> {
        self.proxy.as_ref()
    }

    /// SDK configuration for moto in the stack's region (static test credentials, nothing
    /// read from the environment): straight to moto, for the test's own seeding and checks.
    pub fn sdk_config(&self) -> SdkConfig {
        client_config(self.moto.url(), &self.region)
    }

    /// SDK configuration for the AppStream simulator in the stack's region.
    pub fn appstream_sdk_config(&self) -> SdkConfig {
        client_config(&self.appstream.url(), &self.region)
    }

    /// SDK configuration for the AppStream simulator (and its STS) as `account`, in the
    /// stack's region; see [`AppStream::sdk_config_as`].
    pub fn appstream_sdk_config_as(&self, account: &str) -> SdkConfig {
        self.appstream.sdk_config_as(account, &self.region)
    }

    /// A DynamoDB client straight to moto, never through the fault proxy.
    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.sdk_config())
    }

    /// The DynamoDB client for the code under test: through the fault proxy when there is
    /// one (as [`env`](Self::env) points a child process), else [`dynamodb`](Self::dynamodb).
    pub fn dynamodb_under_test(&self) -> aws_sdk_dynamodb::Client {
        match &self.proxy {
            Some(proxy) => aws_sdk_dynamodb::Client::new(&proxy.sdk_config(&self.sdk_config())),
            None => self.dynamodb(),
        }
    }

    /// Creates an SQS queue `name` in moto (a fan-out queue for a function to send to).
    pub async fn queue(&self, name: &str) -> Queue {
        Queue::create(&self.sdk_config(), name).await
    }

    /// Every item of the table (straight from moto), as JSON: strings and numbers as
    /// JSON strings, maps as objects, lists and sets as arrays, booleans as booleans.
    ///
    /// # Panics
    /// When a Scan fails.
    pub async fn table_items(&self) -> Vec<Value> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .dynamodb()
                .scan()
                .table_name(&self.table)
                .set_exclusive_start_key(start)
                .send()
                .await
                .unwrap_or_else(|e| panic!("LocalStack: Scan {} failed: {e:?}", self.table));
            items.extend(page.items.unwrap_or_default().iter().map(|item| {
                Value::Object(
                    item.iter()
                        .map(|(k, v)| (k.clone(), attribute_json(v)))
                        .collect(),
                )
            }));
            start = page.last_evaluated_key;
            if start.is_none() {
                return items;
            }
        }
    }

    /// An SNS client for moto.
    pub fn sns(&self) -> aws_sdk_sns::Client {
        aws_sdk_sns::Client::new(&self.sdk_config())
    }

    /// What a function or the CLI needs to run against this stack and nothing else:
    /// `AWS_ENDPOINT_URL_<SERVICE>` for AppStream, the tagging API and STS (the
    /// simulator), DynamoDB (the fault proxy when there is one), SNS, SQS and Security Hub; static credentials; the region (`AWS_REGION`, and
    /// `AWS_DEFAULT_REGION` for boto3); no profile files or instance metadata;
    /// `STREAMWARDEN_TABLE`, `STREAMWARDEN_TOPIC_ARN` and `STREAMWARDEN_REGIONS`.
    pub fn env(&self) -> Vec<(String, String)> {
        let dynamodb = self.proxy.as_ref().map(DynamoProxy::url);
        [
            ("AWS_ENDPOINT_URL_APPSTREAM", self.appstream.url().as_str()),
            // The simulator serves the tagging API and STS on the same port.
            (
                "AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API",
                self.appstream.url().as_str(),
            ),
            ("AWS_ENDPOINT_URL_STS", self.appstream.url().as_str()),
            (
                "AWS_ENDPOINT_URL_DYNAMODB",
                dynamodb.as_deref().unwrap_or(self.moto.url()),
            ),
            ("AWS_ENDPOINT_URL_SNS", self.moto.url()),
            ("AWS_ENDPOINT_URL_SQS", self.moto.url()),
            ("AWS_ENDPOINT_URL_SECURITYHUB", self.moto.url()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY),
            ("AWS_REGION", self.region.as_str()),
            ("AWS_DEFAULT_REGION", self.region.as_str()),
            ("AWS_CONFIG_FILE", "/nonexistent"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("STREAMWARDEN_TABLE", self.table.as_str()),
            ("STREAMWARDEN_TOPIC_ARN", self.topic_arn.as_str()),
            ("STREAMWARDEN_REGIONS", self.region.as_str()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    /// `program` with [`env`](Self::env) set and the test process's profile, session token
    /// and global endpoint variables removed.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut command = Command::new(program);
        for name in REMOVED_ENV {
            command.env_remove(name);
        }
        command.envs(self.env());
        command
    }
}

/// A DynamoDB attribute as plain JSON (see [`LocalStack::table_items`]).
fn attribute_json(value: &AttributeValue) -> Value {
    match value {
        AttributeValue::S(s) | AttributeValue::N(s) => Value::String(s.clone()),
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::M(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), attribute_json(v)))
                .collect(),
        ),
        AttributeValue::L(list) => Value::Array(list.iter().map(attribute_json).collect()),
        AttributeValue::Ss(list) | AttributeValue::Ns(list) => {
            Value::Array(list.iter().cloned().map(Value::String).collect())
        }
        _ => Value::Null,
    }
}
