//! Generated organisations for benchmarks: N accounts x R regions, each with F fleets and
//! S stacks (fleet *i* associated with stack *i*) and one role.
//!
//! Used by the `--generate-*` flags and `POST /_sim/accounts/generate`, whose body is
//! this struct in JSON: `{"Accounts": 100, "Regions": ["us-east-1", "eu-west-1",
//! "ap-southeast-2"], "Fleets": 10, "Stacks": 10, "RoleName": "StreamwardenMember"}`,
//! or `"AccountIds": [...]` (e.g. those moto's Organizations chose) instead of `Accounts`.
//! Generated ids are `100000000001`, `100000000002`, ...; the same arguments give the
//! same accounts.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::Error;
use crate::scenario::{AccountSpec, RegionSpec, RoleSpec, Scenario, is_account_id};

/// First generated account id, less one.
const FIRST_ACCOUNT: u64 = 100_000_000_000;
const INSTANCE_TYPES: [&str; 3] = [
    "stream.standard.large",
    "stream.compute.large",
    "stream.standard.medium",
];
const FLEET_TYPES: [&str; 3] = ["ALWAYS_ON", "ON_DEMAND", "ELASTIC"];

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default, deny_unknown_fields)]
pub struct Generate {
    /// How many accounts (ignored when `account_ids` is given).
    pub accounts: usize,
    /// The accounts' ids, when chosen elsewhere.
    pub account_ids: Vec<String>,
    /// The regions each account has a world in.
    pub regions: Vec<String>,
    /// Fleets per account and region.
    pub fleets: usize,
    /// Stacks per account and region.
    pub stacks: usize,
    /// The role each account declares (none when unset).
    pub role_name: Option<String>,
    /// Operations the role may not call.
    pub deny: Vec<String>,
}

impl Default for Generate {
    fn default() -> Self {
        Self {
            accounts: 0,
            account_ids: Vec::new(),
            regions: vec!["us-east-1".to_owned()],
            fleets: 10,
            stacks: 10,
            role_name: None,
            deny: Vec::new(),
        }
    }
}

impl Generate {
    /// The account ids generated or given.
    pub fn ids(&self) -> Result<Vec<String>, Error> {
        if self.account_ids.is_empty() {
            return Ok((1..=self.accounts as u64)
                .map(|n| format!("{:012}", FIRST_ACCOUNT + n))
                .collect());
        }
        match self.account_ids.iter().find(|id| !is_account_id(id)) {
            Some(bad) => Err(Error::Scenario(format!(
                "AccountIds: {bad} is not a 12-digit account id"
            ))),
            None => Ok(self.account_ids.clone()),
        }
    }

    /// The accounts, ready for [`Scenario::accounts`] or `Sim::add_accounts`.
    pub fn accounts(&self) -> Result<Vec<AccountSpec>, Error> {
        let roles: Vec<RoleSpec> = self
            .role_name
            .iter()
            .map(|name| RoleSpec {
                name: name.clone(),
                deny: self.deny.clone(),
            })
            .collect();
        self.ids()?
            .into_iter()
            .map(|id| {
                let regions = self
                    .regions
                    .iter()
                    .map(|region| {
                        let mut world = Scenario::from_json(self.body())?;
                        world.account_id.clone_from(&id);
                        world.region.clone_from(region);
                        Ok((region.clone(), RegionSpec::Enabled(Box::new(world))))
                    })
                    .collect::<Result<_, Error>>()?;
                Ok(AccountSpec {
                    id,
                    roles: roles.clone(),
                    regions,
                })
            })
            .collect()
    }

    /// One region's scenario body.
    fn body(&self) -> Value {
        let fleets: Vec<Value> = (0..self.fleets).map(fleet).collect();
        let stacks: Vec<Value> = (0..self.stacks)
            .map(|i| {
                json!({"Name": format!("stack-{i:03}"), "UserSettings": [
                    {"Action": "CLIPBOARD_COPY_TO_LOCAL_DEVICE", "Permission": "DISABLED"},
                    {"Action": "FILE_DOWNLOAD", "Permission": if i % 7 == 0 { "ENABLED" } else { "DISABLED" }}]})
            })
            .collect();
        let associations: Vec<Value> = (0..self.fleets.min(self.stacks))
            .map(|i| json!({"FleetName": format!("fleet-{i:03}"), "StackName": format!("stack-{i:03}")}))
            .collect();
        json!({"Fleets": fleets, "Stacks": stacks, "Associations": associations})
    }
}

fn fleet(i: usize) -> Value {
    let kind = i % 3;
    let mut fleet = json!({
        "Name": format!("fleet-{i:03}"),
        "InstanceType": INSTANCE_TYPES[kind],
        "FleetType": FLEET_TYPES[kind],
        "State": "RUNNING",
        "Platform": if kind == 2 { "AMAZON_LINUX2" } else { "WINDOWS_SERVER_2022" },
        "MaxUserDurationInSeconds": 36_000,
        "DisconnectTimeoutInSeconds": 300,
        "IdleDisconnectTimeoutInSeconds": if i % 2 == 1 { 600 } else { 0 },
        "VpcConfig": {"SubnetIds": ["subnet-1", "subnet-2"], "SecurityGroupIds": ["sg-1"]},
        "EnableDefaultInternetAccess": i.is_multiple_of(5),
        "DisableIMDSV1": !i.is_multiple_of(3),
        "CreatedTime": "2026-01-01T00:00:00Z",
        "FleetErrors": [],
        "ComputeCapacityStatus": {"Desired": 2, "Running": 2, "InUse": 1, "Available": 1},
    });
    if kind == 2 {
        fleet["MaxConcurrentSessions"] = json!(50);
    }
    fleet
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn generates_accounts_by_regions() {
        let accounts = Generate {
            accounts: 3,
            regions: vec!["eu-west-1".into(), "us-east-1".into()],
            fleets: 4,
            stacks: 2,
            role_name: Some("Audit".into()),
            ..Generate::default()
        }
        .accounts()
        .unwrap();
        assert_eq!(accounts.len(), 3);
        assert_eq!(accounts[0].id, "100000000001");
        assert_eq!(accounts[2].id, "100000000003");
        assert_eq!(accounts[1].roles[0].name, "Audit");
        let (region, RegionSpec::Enabled(world)) = &accounts[1].regions[1] else {
            panic!("disabled");
        };
        assert_eq!(region, "us-east-1");
        assert_eq!(world.account_id, "100000000002");
        assert_eq!((world.fleets.len(), world.stacks.len()), (4, 2));
        assert_eq!(world.associations.len(), 2);
        let bad = Generate {
            account_ids: vec!["12".into()],
            ..Generate::default()
        };
        assert!(bad.accounts().is_err());
    }
}
