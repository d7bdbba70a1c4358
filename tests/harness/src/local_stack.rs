//! The whole local stack a function or the CLI runs against, in one fixture.

use std::ffi::OsStr;
use std::process::Command;

use appstream_sim::{Scenario, Sim, SimConfig};
use aws_config::SdkConfig;
use serde_json::Value;

use crate::{
    ACCESS_KEY_ID, AppStream, DynamoProxy, Inbox, Moto, REGION, SECRET_ACCESS_KEY, client_config,
    create_table,
};

/// The table name a [`LocalStack`] uses unless told otherwise.
pub const TABLE: &str = "streamwarden";
/// The SNS topic name a [`LocalStack`] uses unless told otherwise.
pub const TOPIC: &str = "alerts";

/// Variables of the test process that would point a child process elsewhere (a profile,
/// a session token, one endpoint for every service); [`LocalStack::command`] removes them.
const REMOVED_ENV: &[&str] = &[
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
];

/// Everything a Streamwarden function or the CLI talks to, on free ports of 127.0.0.1:
///
/// - the AppStream simulator on a scenario;
/// - moto server (DynamoDB, SNS, SQS) with the table of `template.yaml`, an SNS topic and
///   an SQS queue subscribed to it ([`inbox`](Self::inbox)) that receives what alert
///   subscribers receive;
/// - optionally a [`DynamoProxy`] in front of moto's DynamoDB, for the throttling and
///   partial batch writes moto never produces.
///
/// All of it is in one region ([`region`](Self::region)). In-process code gets SDK
/// clients ([`sdk_config`](Self::sdk_config), [`appstream_sdk_config`](Self::appstream_sdk_config));
/// a child process gets the standard variables ([`env`](Self::env),
/// [`command`](Self::command)), as a deployed function gets them from its template.
/// Dropping the stack stops every part.
///
/// ```no_run
/// # async fn demo() {
/// use streamwarden_harness::LocalStack;
/// let stack = LocalStack::builder()
///     .region("eu-west-1")
///     .scenario(serde_json::json!({"Fleets": [{"Name": "kiosk", "State": "RUNNING"}]}))
///     .start()
///     .await;
/// let out = stack.command("streamwarden").args(["audit"]).output();
/// let alerts = stack.inbox().receive_all(std::time::Duration::from_secs(2)).await;
/// # }
/// ```
#[derive(Debug)]
pub struct LocalStack {
    // Dropped in this order: the proxy before the moto it forwards to.
    proxy: Option<DynamoProxy>,
    inbox: Option<Inbox>,
    moto: Option<Moto>,
    appstream: AppStream,
    region: String,
    table: String,
    topic_arn: Option<String>,
}

/// How to start a [`LocalStack`]; from [`LocalStack::builder`].
#[derive(Debug)]
pub struct LocalStackBuilder {
    region: String,
    scenario: Option<Value>,
    sim_config: SimConfig,
    table: String,
    create_table: bool,
    topic: String,
    ddb_fault_proxy: bool,
    moto: bool,
}

impl LocalStack {
    /// Starts the default stack: region `us-east-1`, an empty AppStream scenario, table
    /// `streamwarden`, topic `alerts`, no fault proxy.
    pub async fn start() -> LocalStack {
        Self::builder().start().await
    }

    /// A builder for a stack other than the default.
    pub fn builder() -> LocalStackBuilder {
        LocalStackBuilder {
            region: REGION.to_owned(),
            scenario: None,
            sim_config: SimConfig::default(),
            table: TABLE.to_owned(),
            create_table: true,
            topic: TOPIC.to_owned(),
            ddb_fault_proxy: false,
            moto: true,
        }
    }

    /// The region of every part (and of `AWS_REGION` in [`env`](Self::env)).
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The table name (`STREAMWARDEN_TABLE`).
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The alert topic's ARN (`STREAMWARDEN_TOPIC_ARN`).
    ///
    /// # Panics
    /// When the stack was started [`without_moto`](LocalStackBuilder::without_moto).
    pub fn topic_arn(&self) -> &str {
        match &self.topic_arn {
            Some(arn) => arn,
            None => panic!("{}", Self::NO_MOTO),
        }
    }

    /// The SQS queue subscribed to the topic: `inbox().receive_at_least(1, wait)` returns
    /// the alerts a subscriber got.
    ///
    /// # Panics
    /// When the stack was started [`without_moto`](LocalStackBuilder::without_moto).
    pub fn inbox(&self) -> &Inbox {
        match &self.inbox {
            Some(inbox) => inbox,
            None => panic!("{}", Self::NO_MOTO),
        }
    }

    /// The moto server.
    ///
    /// # Panics
    /// When the stack was started [`without_moto`](LocalStackBuilder::without_moto).
    pub fn moto(&self) -> &Moto {
        match &self.moto {
            Some(moto) => moto,
            None => panic!("{}", Self::NO_MOTO),
        }
    }

    /// The AppStream simulator.
    pub fn appstream(&self) -> &AppStream {
        &self.appstream
    }

    /// In-process access to the simulator's state (fleets, sessions, faults, call log).
    pub fn sim(&self) -> &Sim {
        self.appstream.sim()
    }

    /// The fault proxy in front of DynamoDB, when the stack was started
    /// [`with_ddb_fault_proxy`](LocalStackBuilder::with_ddb_fault_proxy).
    pub fn ddb_proxy(&self) -> Option<&DynamoProxy> {
        self.proxy.as_ref()
    }

    /// SDK configuration for moto in the stack's region (static test credentials,
    /// nothing read from the environment), for DynamoDB, SNS and SQS clients that go
    /// straight to moto: the test's own seeding and checks.
    ///
    /// # Panics
    /// When the stack was started [`without_moto`](LocalStackBuilder::without_moto).
    pub fn sdk_config(&self) -> SdkConfig {
        client_config(self.moto().url(), &self.region)
    }

    /// SDK configuration for the AppStream simulator in the stack's region, e.g. for
    /// `aws_sdk_appstream::Client::new` or the functions' own client builders.
    pub fn appstream_sdk_config(&self) -> SdkConfig {
        client_config(&self.appstream.url(), &self.region)
    }

    /// A DynamoDB client straight to moto (never through the fault proxy).
    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.sdk_config())
    }

    /// The DynamoDB client to give the code under test: through the fault proxy when the
    /// stack has one (the endpoint [`env`](Self::env) gives a child process), otherwise
    /// the same as [`dynamodb`](Self::dynamodb).
    pub fn dynamodb_under_test(&self) -> aws_sdk_dynamodb::Client {
        match &self.proxy {
            Some(proxy) => aws_sdk_dynamodb::Client::new(&proxy.sdk_config(&self.sdk_config())),
            None => self.dynamodb(),
        }
    }

    /// An SNS client for moto.
    pub fn sns(&self) -> aws_sdk_sns::Client {
        aws_sdk_sns::Client::new(&self.sdk_config())
    }

    /// An SQS client for moto.
    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.sdk_config())
    }

    /// The environment a function or the CLI needs to run against this stack and nothing
    /// else: `AWS_ENDPOINT_URL_<SERVICE>` for AppStream, DynamoDB (the fault proxy when
    /// there is one), SNS and SQS; static credentials; the region (`AWS_REGION`, and
    /// `AWS_DEFAULT_REGION` for boto3); no profile files and no instance metadata; and
    /// `STREAMWARDEN_TABLE`, `STREAMWARDEN_TOPIC_ARN`, `STREAMWARDEN_REGIONS`. Without
    /// moto, only the AppStream, credential and region variables.
    pub fn env(&self) -> Vec<(String, String)> {
        let appstream = self.appstream.url();
        let mut env = vec![
            ("AWS_ENDPOINT_URL_APPSTREAM", appstream.as_str()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY),
            ("AWS_REGION", self.region.as_str()),
            ("AWS_DEFAULT_REGION", self.region.as_str()),
            ("AWS_CONFIG_FILE", "/nonexistent"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("STREAMWARDEN_REGIONS", self.region.as_str()),
        ];
        let dynamodb = self.proxy.as_ref().map(DynamoProxy::url);
        if let (Some(moto), Some(topic_arn)) = (&self.moto, &self.topic_arn) {
            env.extend([
                (
                    "AWS_ENDPOINT_URL_DYNAMODB",
                    dynamodb.as_deref().unwrap_or(moto.url()),
                ),
                ("AWS_ENDPOINT_URL_SNS", moto.url()),
                ("AWS_ENDPOINT_URL_SQS", moto.url()),
                ("STREAMWARDEN_TABLE", self.table.as_str()),
                ("STREAMWARDEN_TOPIC_ARN", topic_arn.as_str()),
            ]);
        }
        env.into_iter()
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

    const NO_MOTO: &str = "this LocalStack was started without moto (LocalStackBuilder::without_moto): it has no DynamoDB, SNS or SQS";
}

impl LocalStackBuilder {
    /// The region of every part (default `us-east-1`).
    pub fn region(mut self, region: &str) -> Self {
        region.clone_into(&mut self.region);
        self
    }

    /// The simulator's scenario as JSON (default: an empty account).
    pub fn scenario(mut self, scenario: Value) -> Self {
        self.scenario = Some(scenario);
        self
    }

    /// The simulator's configuration: page sizes, faults (default: none).
    pub fn sim_config(mut self, config: SimConfig) -> Self {
        self.sim_config = config;
        self
    }

    /// The table's name (default `streamwarden`).
    pub fn table(mut self, name: &str) -> Self {
        name.clone_into(&mut self.table);
        self
    }

    /// Names the table in [`LocalStack::env`] but does not create it: an account where the
    /// stack was never deployed.
    pub fn without_table(mut self) -> Self {
        self.create_table = false;
        self
    }

    /// The topic's name (default `alerts`).
    pub fn topic(mut self, name: &str) -> Self {
        name.clone_into(&mut self.topic);
        self
    }

    /// Puts a [`DynamoProxy`] between the code under test and moto's DynamoDB (see
    /// [`LocalStack::dynamodb_under_test`] and [`LocalStack::env`]). The table is created
    /// through it, before any fault is armed.
    pub fn with_ddb_fault_proxy(mut self) -> Self {
        self.ddb_fault_proxy = true;
        self
    }

    /// Only the AppStream simulator, for code that needs nothing else (`streamwarden
    /// audit`): no moto, table, topic or queue.
    pub fn without_moto(mut self) -> Self {
        self.moto = false;
        self
    }

    /// Starts the parts.
    ///
    /// # Panics
    /// When a part does not start or a set-up call fails; the message says which.
    pub async fn start(self) -> LocalStack {
        let scenario = match self.scenario {
            Some(document) => Scenario::from_json(document)
                .unwrap_or_else(|e| panic!("LocalStack: AppStream scenario: {e}")),
            None => Scenario::default(),
        };
        let appstream = AppStream::start_with(scenario, self.sim_config);
        let mut stack = LocalStack {
            proxy: None,
            inbox: None,
            moto: None,
            appstream,
            region: self.region,
            table: self.table,
            topic_arn: None,
        };
        if !self.moto {
            return stack;
        }
        let moto = Moto::start();
        stack.proxy = self.ddb_fault_proxy.then(|| DynamoProxy::start(moto.url()));
        stack.moto = Some(moto);
        if self.create_table {
            create_table(&stack.dynamodb_under_test(), &stack.table).await;
        }
        let topic = stack
            .sns()
            .create_topic()
            .name(&self.topic)
            .send()
            .await
            .unwrap_or_else(|e| panic!("LocalStack: CreateTopic {} failed: {e:?}", self.topic));
        let Some(topic_arn) = topic.topic_arn else {
            panic!(
                "LocalStack: CreateTopic {} returned no TopicArn",
                self.topic
            );
        };
        stack.inbox = Some(Inbox::subscribe(&stack.sdk_config(), &topic_arn).await);
        stack.topic_arn = Some(topic_arn);
        stack
    }
}
