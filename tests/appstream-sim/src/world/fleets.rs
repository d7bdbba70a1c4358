//! CreateFleet: a new fleet in the `STOPPED` state (StartFleet starts it), its capacity
//! from `ComputeCapacity`, its `Tags` in the tag store.

use serde_json::{Value, json};

use super::{Kind, Object, World, required_string};
use crate::error::SimError;

/// Fleet members CreateFleet and UpdateFleet store as given.
pub(super) const UPDATABLE: &[&str] = &[
    "InstanceType",
    "VpcConfig",
    "MaxUserDurationInSeconds",
    "DisconnectTimeoutInSeconds",
    "Description",
    "DisplayName",
    "EnableDefaultInternetAccess",
    "DomainJoinInfo",
    "IdleDisconnectTimeoutInSeconds",
    "IamRoleArn",
    "StreamView",
    "Platform",
    "MaxConcurrentSessions",
    "UsbDeviceFilterStrings",
    "MaxSessionsPerInstance",
    "SessionScriptS3Location",
    "RootVolumeConfig",
];

/// Members only CreateFleet stores as given.
const CREATE_ONLY: &[&str] = &["ImageName", "ImageArn", "DisableIMDSV1"];

const FLEET_TYPES: &[&str] = &["ALWAYS_ON", "ON_DEMAND", "ELASTIC"];

impl World {
    pub(super) fn create_fleet(&mut self, params: &Value, now: f64) -> Result<Value, SimError> {
        let name = required_string(params, "Name")?;
        required_string(params, "InstanceType")?;
        if self.resource(Kind::Fleet, &name).is_some() {
            return Err(SimError::already_exists(format!(
                "The fleet {name} already exists."
            )));
        }
        let fleet_type = params
            .get("FleetType")
            .and_then(Value::as_str)
            .unwrap_or("ON_DEMAND");
        if !FLEET_TYPES.contains(&fleet_type) {
            return Err(SimError::validation(format!(
                "1 validation error detected: Value '{fleet_type}' at 'fleetType' failed to \
                 satisfy constraint: Member must satisfy enum value set: [{}]",
                FLEET_TYPES.join(", ")
            )));
        }
        let mut fleet = Object::new();
        fleet.insert("Name".to_owned(), json!(name));
        fleet.insert("FleetType".to_owned(), json!(fleet_type));
        fleet.insert("State".to_owned(), json!("STOPPED"));
        fleet.insert("CreatedTime".to_owned(), crate::time::epoch_value(now));
        fleet.insert("FleetErrors".to_owned(), json!([]));
        for key in UPDATABLE.iter().chain(CREATE_ONLY) {
            if let Some(v) = params.get(*key).filter(|v| !v.is_null()) {
                fleet.insert((*key).to_owned(), v.clone());
            }
        }
        let capacity = params.get("ComputeCapacity");
        let desired = capacity
            .and_then(|c| c.get("DesiredInstances"))
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let mut status = json!({"Desired": desired, "Running": 0, "InUse": 0, "Available": 0});
        if let Some(sessions) = capacity
            .and_then(|c| c.get("DesiredSessions"))
            .and_then(Value::as_i64)
        {
            status["DesiredUserSessions"] = json!(sessions);
        }
        fleet.insert("ComputeCapacityStatus".to_owned(), status);
        let created = self.insert_resource(Kind::Fleet, fleet)?;
        if let Some(Value::Object(tags)) = params.get("Tags")
            && !tags.is_empty()
        {
            let arn = self.arn(Kind::Fleet, &name);
            self.set_tags(&arn, tags.clone())?;
        }
        Ok(json!({ "Fleet": created }))
    }
}
