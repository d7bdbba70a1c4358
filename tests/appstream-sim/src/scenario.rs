//! The scenario document: the simulated account's fleets, stacks, associations, sessions,
//! image builders, images and their permissions, usage report subscriptions and tags.
//!
//! Its top-level keys are those of `aws appstream describe-*` output, so a saved
//! `describe-fleets` document is already a valid scenario:
//!
//! ```json
//! {
//!   "Now": "2026-11-27T09:00:00Z",
//!   "Region": "us-east-1", "AccountId": "123456789012",
//!   "Fleets": [ ... ], "Stacks": [ ... ],
//!   "Associations": [ {"FleetName": "f", "StackName": "s"} ],
//!   "Sessions": [ ... ],
//!   "ImageBuilders": [ ... ], "Images": [ ... ],
//!   "ImagePermissions": [ {"Name": "golden", "SharedImagePermissionsList": [
//!       {"sharedAccountId": "111122223333",
//!        "imagePermissions": {"allowFleet": true, "allowImageBuilder": false}} ]} ],
//!   "UsageReportSubscriptions": [ {"S3BucketName": "...", "Schedule": "DAILY"} ],
//!   "Tags": { "arn:aws:appstream:us-east-1:123456789012:fleet/f": {"Team": "x"} },
//!   "PageSizes": { "DescribeFleets": 2 },
//!   "Timings": { "FleetStartSeconds": 60, "FleetStopSeconds": 30 },
//!   "ExpireSessions": false
//! }
//! ```
//!
//! Every key is optional; unknown keys (such as a saved `NextToken`) are ignored.
//!
//! - `Images` are `DescribeImages` objects. `Visibility` is `PRIVATE` (this account's,
//!   the default), `PUBLIC` (AWS's base images, ARN without an account) or `SHARED`
//!   (another account's image shared with this one: give its `Arn`). For `PRIVATE`
//!   images `ImageSharedWithOthers` is derived from `ImagePermissions` on every answer.
//! - `ImagePermissions` holds `DescribeImagePermissions` outputs, one per private image
//!   (member names as on the wire: `sharedAccountId`, `imagePermissions`, `allowFleet`,
//!   `allowImageBuilder`).
//! - `UsageReportSubscriptions` holds at most one subscription: AppStream has at most
//!   one per account and region.
//! - `Tags` may name an image builder or image too; an `Images`/`ImageBuilders` object
//!   may also carry its own `Tags` map, which is moved to the tag store.
//! - Image builders use the fleet timings: `PENDING` lasts `FleetStartSeconds`,
//!   `STOPPING` lasts `FleetStopSeconds`.
//!
//! ## Many accounts and regions
//!
//! The top level is the *home* world: the default account (`AccountId`) in `Region`.
//! `Accounts` adds other accounts, other regions of the default account, and roles:
//!
//! ```json
//! {
//!   "Now": "2026-11-30T08:00:00Z",
//!   "Fleets": [ ... ],
//!   "Accounts": {
//!     "111111111111": {
//!       "Roles": [ {"RoleName": "StreamwardenAudit", "Deny": ["DescribeImages"]} ],
//!       "Regions": {
//!         "eu-west-1": { "Fleets": [ ... ], "Stacks": [ ... ], "Tags": { ... } },
//!         "ap-east-1": { "Enabled": false }
//!       }
//!     },
//!     "222222222222": { "Regions": { "us-east-1": { } } }
//!   }
//! }
//! ```
//!
//! - A region's body is a scenario body (every key above but `Now`, `PageSizes`,
//!   `Region`, `AccountId` and `Accounts`, which belong to the top level); its ARNs carry
//!   the entry's account and region. The default account's home region stays at the top
//!   level.
//! - `"Enabled": false` is an opt-in region not enabled: every call answers
//!   `UnrecognizedClientException` (403).
//! - `Roles` may be assumed by anyone through STS `AssumeRole`; a call made with the
//!   role's credentials to an operation in `Deny` (`*`: all of them; `GetResources` for
//!   the tagging API) answers `AccessDeniedException` (400). AssumeRole of a role not
//!   declared answers `AccessDenied` (403).
//! - An account with no world in a region answers there as an empty account (its world
//!   is created on first use, so calls can seed it); the default account answers from
//!   the home world in every region it has no world of its own for.
//! - The clock, page sizes and fault rules are shared by every world.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

use crate::error::Error;
use crate::time::parse_timestamp;
use crate::wire::normalize_timestamps;

/// Default region used to build ARNs.
pub const DEFAULT_REGION: &str = "us-east-1";
/// Default account id used to build ARNs.
pub const DEFAULT_ACCOUNT_ID: &str = "123456789012";

/// How long fleet state transitions take on the simulated clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timings {
    /// Seconds a fleet stays `STARTING` before it is `RUNNING`.
    pub fleet_start_seconds: f64,
    /// Seconds a fleet stays `STOPPING` before it is `STOPPED`.
    pub fleet_stop_seconds: f64,
}

impl Default for Timings {
    fn default() -> Self {
        Self {
            fleet_start_seconds: 60.0,
            fleet_stop_seconds: 30.0,
        }
    }
}

/// A parsed scenario. Timestamp members hold epoch seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Start of the simulated clock (epoch seconds); `None` follows real time.
    pub now: Option<f64>,
    /// Region used in ARNs.
    pub region: String,
    /// Account id used in ARNs.
    pub account_id: String,
    /// Fleet objects as `DescribeFleets` returns them.
    pub fleets: Vec<Map<String, Value>>,
    /// Stack objects as `DescribeStacks` returns them.
    pub stacks: Vec<Map<String, Value>>,
    /// Fleet/stack associations as `(fleet, stack)`.
    pub associations: Vec<(String, String)>,
    /// Session objects as `DescribeSessions` returns them.
    pub sessions: Vec<Map<String, Value>>,
    /// Image builder objects as `DescribeImageBuilders` returns them.
    pub image_builders: Vec<Map<String, Value>>,
    /// Image objects as `DescribeImages` returns them.
    pub images: Vec<Map<String, Value>>,
    /// Shared-image permissions per private image name, in wire form.
    pub image_permissions: Vec<(String, Vec<Map<String, Value>>)>,
    /// The usage report subscription, if any (at most one).
    pub usage_report_subscriptions: Vec<Map<String, Value>>,
    /// Tags keyed by resource ARN, or by fleet or stack name.
    pub tags: Vec<(String, Map<String, Value>)>,
    /// Page sizes per operation.
    pub page_sizes: BTreeMap<String, usize>,
    /// Fleet transition durations.
    pub timings: Timings,
    /// Whether sessions disappear once the clock passes their `MaxExpirationTime`.
    pub expire_sessions: bool,
    /// Further accounts (and further regions of this one), with their roles.
    pub accounts: Vec<AccountSpec>,
}

/// A role declared in an account: anyone may assume it (`sts:AssumeRole`); calls made
/// with its credentials to an operation in `deny` answer `AccessDeniedException`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSpec {
    /// The role's name (the ARN is `arn:aws:iam::<account>:role/<name>`).
    pub name: String,
    /// Operations the role may not call (`*`: every one).
    pub deny: Vec<String>,
}

/// What an account has in one region.
#[derive(Debug, Clone, PartialEq)]
pub enum RegionSpec {
    /// A world built from this body (its `Region` and `AccountId` are the entry's).
    Enabled(Box<Scenario>),
    /// An opt-in region not enabled: every call answers `UnrecognizedClientException`.
    Disabled,
}

/// One entry of `Accounts`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AccountSpec {
    /// The 12-digit account id.
    pub id: String,
    /// Roles that may be assumed.
    pub roles: Vec<RoleSpec>,
    /// The account's regions, in document order.
    pub regions: Vec<(String, RegionSpec)>,
}

impl Default for Scenario {
    fn default() -> Self {
        Self {
            now: None,
            region: DEFAULT_REGION.to_owned(),
            account_id: DEFAULT_ACCOUNT_ID.to_owned(),
            fleets: Vec::new(),
            stacks: Vec::new(),
            associations: Vec::new(),
            sessions: Vec::new(),
            image_builders: Vec::new(),
            images: Vec::new(),
            image_permissions: Vec::new(),
            usage_report_subscriptions: Vec::new(),
            tags: Vec::new(),
            page_sizes: BTreeMap::new(),
            timings: Timings::default(),
            expire_sessions: false,
            accounts: Vec::new(),
        }
    }
}

impl Scenario {
    /// An empty account.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Reads a scenario file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            context: format!("reading scenario {}", path.display()),
            source,
        })?;
        Self::parse(&text).map_err(|e| match e {
            Error::Scenario(msg) => Error::Scenario(format!("{}: {msg}", path.display())),
            other => other,
        })
    }

    /// Parses scenario JSON text.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| Error::Scenario(format!("not JSON: {e}")))?;
        Self::from_json(value)
    }

    /// Builds a scenario from a JSON document.
    pub fn from_json(value: Value) -> Result<Self, Error> {
        let Value::Object(mut doc) = value else {
            return Err(bad("the document must be a JSON object"));
        };
        let mut scenario = Self::default();
        if let Some(now) = doc.remove("Now").filter(|v| !v.is_null()) {
            scenario.now = Some(
                parse_timestamp(&now).ok_or_else(|| bad(format!("Now: not a timestamp: {now}")))?,
            );
        }
        if let Some(region) = take_string(&mut doc, "Region")? {
            scenario.region = region;
        }
        if let Some(account) = take_string(&mut doc, "AccountId")? {
            scenario.account_id = account;
        }
        if let Some(accounts) = doc.remove("Accounts").filter(|v| !v.is_null()) {
            scenario.accounts = parse_accounts(accounts)?;
            let home = (&scenario.account_id, &scenario.region);
            if let Some(a) = scenario.accounts.iter().find(|a| &a.id == home.0)
                && a.regions.iter().any(|(r, _)| r == home.1)
            {
                return Err(bad(format!(
                    "Accounts.{}.Regions.{}: the default account's home region is the top level of the document",
                    home.0, home.1
                )));
            }
        }
        scenario.fleets = take_objects(&mut doc, "Fleets")?;
        scenario.stacks = take_objects(&mut doc, "Stacks")?;
        scenario.sessions = take_objects(&mut doc, "Sessions")?;
        scenario.image_builders = take_objects(&mut doc, "ImageBuilders")?;
        scenario.images = take_objects(&mut doc, "Images")?;
        scenario.usage_report_subscriptions = take_objects(&mut doc, "UsageReportSubscriptions")?;
        if scenario.usage_report_subscriptions.len() > 1 {
            return Err(bad(
                "UsageReportSubscriptions: AppStream has at most one subscription per account and region",
            ));
        }
        for (i, entry) in take_objects(&mut doc, "ImagePermissions")?
            .into_iter()
            .enumerate()
        {
            scenario.image_permissions.push(read_permissions(i, entry)?);
        }
        for (kind, items) in [
            ("Fleets", &scenario.fleets),
            ("Stacks", &scenario.stacks),
            ("ImageBuilders", &scenario.image_builders),
            ("Images", &scenario.images),
        ] {
            for (i, item) in items.iter().enumerate() {
                if !item.get("Name").is_some_and(Value::is_string) {
                    return Err(bad(format!("{kind}[{i}]: Name is required")));
                }
            }
        }
        for (i, s) in scenario.sessions.iter().enumerate() {
            for key in ["FleetName", "StackName"] {
                if !s.get(key).is_some_and(Value::is_string) {
                    return Err(bad(format!("Sessions[{i}]: {key} is required")));
                }
            }
        }
        for (i, a) in take_objects(&mut doc, "Associations")?
            .into_iter()
            .enumerate()
        {
            let fleet = a.get("FleetName").and_then(Value::as_str);
            let stack = a.get("StackName").and_then(Value::as_str);
            match (fleet, stack) {
                (Some(f), Some(s)) => scenario.associations.push((f.to_owned(), s.to_owned())),
                _ => {
                    return Err(bad(format!(
                        "Associations[{i}]: FleetName and StackName are required"
                    )));
                }
            }
        }
        if let Some(tags) = doc.remove("Tags").filter(|v| !v.is_null()) {
            let Value::Object(tags) = tags else {
                return Err(bad("Tags must be an object of resource -> {Key: Value}"));
            };
            for (resource, set) in tags {
                let Value::Object(set) = set else {
                    return Err(bad(format!("Tags[{resource}] must be an object")));
                };
                if let Some((k, _)) = set.iter().find(|(_, v)| !v.is_string()) {
                    return Err(bad(format!("Tags[{resource}][{k}] must be a string")));
                }
                scenario.tags.push((resource, set));
            }
        }
        if let Some(sizes) = doc.remove("PageSizes").filter(|v| !v.is_null()) {
            scenario.page_sizes = parse_page_sizes(&sizes)?;
        }
        if let Some(timings) = doc.remove("Timings").filter(|v| !v.is_null()) {
            for (key, slot) in [
                (
                    "FleetStartSeconds",
                    &mut scenario.timings.fleet_start_seconds,
                ),
                ("FleetStopSeconds", &mut scenario.timings.fleet_stop_seconds),
            ] {
                if let Some(v) = timings.get(key) {
                    *slot = v
                        .as_f64()
                        .filter(|s| *s >= 0.0)
                        .ok_or_else(|| bad(format!("Timings.{key} must be a number >= 0")))?;
                }
            }
        }
        if let Some(expire) = doc.remove("ExpireSessions").filter(|v| !v.is_null()) {
            scenario.expire_sessions = expire
                .as_bool()
                .ok_or_else(|| bad("ExpireSessions must be true or false"))?;
        }
        for list in [
            &mut scenario.fleets,
            &mut scenario.stacks,
            &mut scenario.sessions,
            &mut scenario.image_builders,
            &mut scenario.images,
            &mut scenario.usage_report_subscriptions,
        ] {
            for item in list.iter_mut() {
                let mut v = Value::Object(std::mem::take(item));
                normalize_timestamps(&mut v).map_err(bad)?;
                if let Value::Object(m) = v {
                    *item = m;
                }
            }
        }
        Ok(scenario)
    }
}

/// Whether `id` looks like an AWS account id (12 digits).
pub fn is_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// Keys only the top level of a document may have.
const TOP_LEVEL_ONLY: &[&str] = &["Now", "PageSizes", "Region", "AccountId", "Accounts"];

/// Parses `{"<account id>": {"Roles": [...], "Regions": {"<region>": body}}, ...}`.
pub fn parse_accounts(value: Value) -> Result<Vec<AccountSpec>, Error> {
    let Value::Object(accounts) = value else {
        return Err(bad("Accounts must be an object of account id -> account"));
    };
    let mut out = Vec::new();
    for (id, account) in accounts {
        let at = format!("Accounts.{id}");
        if !is_account_id(&id) {
            return Err(bad(format!("{at}: an account id is 12 digits")));
        }
        let Value::Object(mut account) = account else {
            return Err(bad(format!("{at} must be an object")));
        };
        let mut spec = AccountSpec {
            id: id.clone(),
            ..AccountSpec::default()
        };
        for (i, mut role) in take_objects(&mut account, "Roles")
            .map_err(|e| bad(format!("{at}: {e}")))?
            .into_iter()
            .enumerate()
        {
            let name = take_string(&mut role, "RoleName")?
                .ok_or_else(|| bad(format!("{at}.Roles[{i}]: RoleName is required")))?;
            let deny = match role.remove("Deny") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(ops)) => ops
                    .into_iter()
                    .map(|op| match op {
                        Value::String(op) => Ok(op),
                        _ => Err(bad(format!(
                            "{at}.Roles[{i}].Deny must list operation names"
                        ))),
                    })
                    .collect::<Result<_, _>>()?,
                Some(_) => return Err(bad(format!("{at}.Roles[{i}].Deny must be an array"))),
            };
            spec.roles.push(RoleSpec { name, deny });
        }
        match account.remove("Regions") {
            None | Some(Value::Null) => {}
            Some(Value::Object(regions)) => {
                for (region, body) in regions {
                    let at = format!("{at}.Regions.{region}");
                    let Value::Object(mut body) = body else {
                        return Err(bad(format!("{at} must be an object")));
                    };
                    let enabled = match body.remove("Enabled") {
                        None | Some(Value::Null) => true,
                        Some(Value::Bool(b)) => b,
                        Some(_) => return Err(bad(format!("{at}.Enabled must be true or false"))),
                    };
                    if !enabled {
                        spec.regions.push((region, RegionSpec::Disabled));
                        continue;
                    }
                    if let Some(key) = TOP_LEVEL_ONLY.iter().find(|k| body.contains_key(**k)) {
                        return Err(bad(format!(
                            "{at}: {key} belongs to the top level of the document"
                        )));
                    }
                    let mut world = Scenario::from_json(Value::Object(body)).map_err(|e| {
                        bad(format!(
                            "{at}: {}",
                            e.to_string().trim_start_matches("invalid scenario: ")
                        ))
                    })?;
                    world.region.clone_from(&region);
                    world.account_id.clone_from(&id);
                    spec.regions
                        .push((region, RegionSpec::Enabled(Box::new(world))));
                }
            }
            Some(_) => {
                return Err(bad(format!(
                    "{at}.Regions must be an object of region -> body"
                )));
            }
        }
        out.push(spec);
    }
    Ok(out)
}

/// Parses `{"Operation": size, ...}`.
pub fn parse_page_sizes(value: &Value) -> Result<BTreeMap<String, usize>, Error> {
    let Value::Object(map) = value else {
        return Err(bad("PageSizes must be an object of operation -> size"));
    };
    map.iter()
        .map(|(op, n)| {
            let size = n
                .as_u64()
                .filter(|n| *n >= 1)
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| bad(format!("PageSizes.{op} must be a positive integer")))?;
            Ok((op.clone(), size))
        })
        .collect()
}

/// Reads one `{"Name", "SharedImagePermissionsList"}` entry of `ImagePermissions`.
fn read_permissions(
    index: usize,
    mut entry: Map<String, Value>,
) -> Result<(String, Vec<Map<String, Value>>), Error> {
    let at = format!("ImagePermissions[{index}]");
    let name =
        take_string(&mut entry, "Name")?.ok_or_else(|| bad(format!("{at}: Name is required")))?;
    let list = take_objects(&mut entry, "SharedImagePermissionsList")
        .map_err(|e| bad(format!("{at}: {e}")))?;
    for (j, permission) in list.iter().enumerate() {
        if !permission
            .get("sharedAccountId")
            .is_some_and(Value::is_string)
        {
            return Err(bad(format!(
                "{at}.SharedImagePermissionsList[{j}]: sharedAccountId is required"
            )));
        }
        if !permission
            .get("imagePermissions")
            .is_some_and(Value::is_object)
        {
            return Err(bad(format!(
                "{at}.SharedImagePermissionsList[{j}]: imagePermissions is required"
            )));
        }
    }
    Ok((name, list))
}

fn bad(message: impl Into<String>) -> Error {
    Error::Scenario(message.into())
}

fn take_string(doc: &mut Map<String, Value>, key: &str) -> Result<Option<String>, Error> {
    match doc.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad(format!("{key} must be a string"))),
    }
}

fn take_objects(doc: &mut Map<String, Value>, key: &str) -> Result<Vec<Map<String, Value>>, Error> {
    match doc.remove(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::Object(m) => Ok(m),
                _ => Err(bad(format!("{key}[{i}] must be an object"))),
            })
            .collect(),
        Some(_) => Err(bad(format!("{key} must be an array"))),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_describe_fleets_document_is_a_scenario() {
        let s = Scenario::from_json(json!({
            "Fleets": [{"Name": "f", "CreatedTime": "2026-11-27T09:00:00Z"}],
            "NextToken": null
        }))
        .unwrap();
        assert_eq!(s.fleets[0]["CreatedTime"], json!(1_795_770_000));
        assert_eq!(s.region, DEFAULT_REGION);
        assert!(s.now.is_none());
    }

    #[test]
    fn rejects_malformed_parts() {
        for doc in [
            json!([]),
            json!({"Fleets": [{"Arn": "x"}]}),
            json!({"Sessions": [{"Id": "s", "FleetName": "f"}]}),
            json!({"Associations": [{"FleetName": "f"}]}),
            json!({"PageSizes": {"DescribeFleets": 0}}),
            json!({"Now": "soon"}),
            json!({"Fleets": [{"Name": "f", "CreatedTime": "later"}]}),
            json!({"Tags": {"f": {"k": 1}}}),
        ] {
            assert!(Scenario::from_json(doc.clone()).is_err(), "{doc}");
        }
    }

    #[test]
    fn reads_all_keys() {
        let s = Scenario::from_json(json!({
            "Now": 1_795_770_000,
            "Region": "eu-west-1",
            "AccountId": "111122223333",
            "Associations": [{"FleetName": "f", "StackName": "s"}],
            "Tags": {"f": {"Team": "a"}},
            "PageSizes": {"DescribeFleets": 2},
            "Timings": {"FleetStartSeconds": 0},
            "ExpireSessions": true
        }))
        .unwrap();
        assert_eq!(s.now, Some(1_795_770_000.0));
        assert_eq!(s.associations, [("f".to_owned(), "s".to_owned())]);
        assert_eq!(s.page_sizes["DescribeFleets"], 2);
        assert_eq!(s.timings.fleet_start_seconds, 0.0);
        assert_eq!(s.timings.fleet_stop_seconds, 30.0);
        assert!(s.expire_sessions);
        assert_eq!(s.tags[0].0, "f");
    }

    #[test]
    fn reads_accounts() {
        let s = Scenario::from_json(json!({
            "Accounts": {
                "111111111111": {
                    "Roles": [{"RoleName": "Audit", "Deny": ["DescribeImages"]}],
                    "Regions": {
                        "eu-west-1": {"Fleets": [{"Name": "f"}]},
                        "ap-east-1": {"Enabled": false}
                    }
                }
            }
        }))
        .unwrap();
        let a = &s.accounts[0];
        assert_eq!(a.roles[0].deny, ["DescribeImages"]);
        assert_eq!(a.regions[1], ("ap-east-1".to_owned(), RegionSpec::Disabled));
        let RegionSpec::Enabled(world) = &a.regions[0].1 else {
            panic!("eu-west-1 is enabled");
        };
        assert_eq!(
            (world.account_id.as_str(), world.region.as_str()),
            ("111111111111", "eu-west-1")
        );
        for doc in [
            json!({"Accounts": {"12345": {}}}),
            json!({"Accounts": {"111111111111": {"Roles": [{"Deny": []}]}}}),
            json!({"Accounts": {"111111111111": {"Regions": {"eu-west-1": {"Now": 0}}}}}),
            json!({"Accounts": {"123456789012": {"Regions": {"us-east-1": {}}}}}),
            json!({"Accounts": {"111111111111": {"Regions": {"eu-west-1": {"Enabled": "no"}}}}}),
        ] {
            assert!(Scenario::from_json(doc.clone()).is_err(), "{doc}");
        }
    }
}
